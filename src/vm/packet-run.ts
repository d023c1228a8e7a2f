import { InputError } from '../errors.js';
import { ProgType } from '../uapi/bpf.js';
import type { VmProgram } from './program.js';

export interface PacketRunOptions {
  /** The skb's pkt_type for socket filters (default: from the destination MAC, as eth_type_trans decides). */
  pktType?: number;
  budget?: number;
}

export interface PacketRunSummary {
  packets: number;
  /** Packets per return value. */
  verdicts: Map<bigint, number>;
  /** r0 of the last packet. */
  lastRetval?: bigint;
  insnsExecuted: number;
  durationNs: number;
}

/**
 * Runs a socket filter or XDP program once per packet, as if attached: socket filters see each frame as a packet
 * socket does (Ethernet header included, so LD_ABS offsets count from it); XDP sees each frame as its test run.
 */
export async function runOverPackets(
  program: VmProgram,
  packets: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: PacketRunOptions = {},
): Promise<PacketRunSummary> {
  const type = program.spec.type;
  if (type !== ProgType.SOCKET_FILTER && type !== ProgType.XDP && type !== ProgType.SCHED_CLS) {
    throw new InputError(`program '${program.name}' (${program.spec.typeName}) does not take packets`);
  }
  const mode = type === ProgType.SOCKET_FILTER ? 'socket' : 'test';
  const summary: PacketRunSummary = { packets: 0, verdicts: new Map(), insnsExecuted: 0, durationNs: 0 };
  const start = performance.now();
  for await (const data of packets) {
    if (data.length < 14) continue; // no Ethernet header: the kernel would not deliver it to these hooks
    const prepared = program.prepare({ data, mode, pktType: options.pktType });
    try {
      const r = program.execute(prepared, options.budget);
      summary.packets++;
      summary.lastRetval = r.r0;
      summary.insnsExecuted = r.insnsExecuted;
      summary.verdicts.set(r.r0, (summary.verdicts.get(r.r0) ?? 0) + 1);
    } finally {
      prepared.release();
    }
  }
  summary.durationNs = Math.round((performance.now() - start) * 1e6);
  return summary;
}
