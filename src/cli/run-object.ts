import { readFileSync } from 'node:fs';
import { loadCollection } from '../collection-node.js';
import { InputError } from '../errors.js';
import { formatMap } from './format-map.js';
import { kernelFailure } from './kernel-failure.js';
import { applyAssignments } from './set-variables.js';
import type { BackendKind, Collection, LoadedProgram } from '../object/collection.js';
import { loadObjectSpec } from '../object/load.js';
import { readCaptureFile } from '../pcap/node-file.js';
import { VmFault } from '../vm/fault.js';
import { type PacketRunSummary, runOverPackets } from '../vm/packet-run.js';
import { VmProgram } from '../vm/program.js';
import { tracefsFormats } from '../vm/tracefs-node.js';

export interface RunObjectOptions {
  section?: string;
  packet?: string;
  pcap?: string;
  ctx?: string;
  repeat: number;
  json?: boolean;
  pktType?: string;
  hist?: string;
  /** NAME=VALUE global variables set before loading. */
  set?: string[];
  /** Where to run: the interpreter, the JIT or the kernel (BPF_PROG_TEST_RUN). */
  backend: BackendKind;
}

const PKT_TYPES: Record<string, number> = { host: 0, broadcast: 1, multicast: 2, otherhost: 3, outgoing: 4 };

/** Whether a file is an ELF object (then `run` loads it as an object, not a raw program). */
export function isElfFile(path: string): boolean {
  let head: Uint8Array;
  try {
    head = readFileSync(path).subarray(0, 4);
  } catch {
    return false; // the raw-program path reports unreadable files
  }
  return head.length === 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/**
 * `tsbpf run FILE.o`: loads the object on the backend (the VM's interpreter or JIT, or the kernel), picks the
 * program (by --section, or the only one), runs it on a packet, a context or every packet of a capture, then prints
 * the verdicts and the maps decoded with BTF (log2 histograms in bcc's format for maps keyed by a bucket index, or
 * with --hist). Returns the exit code.
 */
export async function runObject(file: string, opts: RunObjectOptions, out: (s: string) => void): Promise<number> {
  const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { name: file });
  applyAssignments(spec, opts.set);
  let collection: Collection;
  try {
    collection = await loadCollection(spec, { backend: opts.backend, tracepointFormats: tracefsFormats });
  } catch (err) {
    if (!(await isKernelFailure(err, opts.backend))) throw err;
    // the kernel refused the object (verifier, missing feature): a failed run, as a fault is in the VM
    process.stderr.write(`tsbpf: ${file}: kernel: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    return await runLoaded(collection, file, opts, out);
  } catch (err) {
    if (!(await isKernelFailure(err, opts.backend))) throw err;
    process.stderr.write(`tsbpf: ${file}: kernel: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await collection.close();
  }
}

/** An error of the kernel backend (a refused load or test run), not bad input or a bug of ours. */
async function isKernelFailure(err: unknown, backend: BackendKind): Promise<boolean> {
  return backend === 'kernel' && (await kernelFailure(err)) !== undefined;
}

async function runLoaded(
  collection: Collection,
  file: string,
  opts: RunObjectOptions,
  out: (s: string) => void,
): Promise<number> {
  const program = pickProgram([...collection.programs.values()], opts.section, file);
  const inputs = [opts.packet, opts.pcap, opts.ctx].filter((x) => x !== undefined).length;
  if (inputs > 1) throw new InputError('give one of --packet, --pcap, --ctx');
  const pktType = opts.pktType === undefined ? undefined : PKT_TYPES[opts.pktType];
  if (opts.pktType !== undefined && pktType === undefined) {
    throw new InputError(`--pkt-type: expected ${Object.keys(PKT_TYPES).join(', ')}`);
  }
  const verdicts = new Map<bigint, number>();
  let retval = 0n;
  let durationNs = 0;
  let insns: number | undefined;
  try {
    if (opts.pcap !== undefined) {
      const { packets } = await readCaptureFile(opts.pcap);
      const frames = packets.filter((p) => p.linkType === 1).map((p) => p.data);
      if (!(program instanceof VmProgram) && pktType !== undefined) {
        throw new InputError('--pkt-type: the kernel backend test-runs packets as they are (no pkt_type)');
      }
      const s =
        program instanceof VmProgram
          ? await runOverPackets(program, frames, { pktType })
          : await testRunPackets(program, frames);
      for (const [k, v] of s.verdicts) verdicts.set(k, v);
      retval = s.lastRetval ?? 0n;
      durationNs = s.packets ? Math.round(s.durationNs / s.packets) : 0;
      insns = program instanceof VmProgram ? s.insnsExecuted : undefined;
    } else {
      const data = opts.packet !== undefined ? new Uint8Array(readFileSync(opts.packet)) : undefined;
      const ctx = opts.ctx !== undefined ? new Uint8Array(readFileSync(opts.ctx)) : undefined;
      const r = await program.run({ data, ctx, repeat: opts.repeat });
      retval = r.retval;
      durationNs = r.durationNs;
      insns = r.insnsExecuted;
      verdicts.set(r.retval, 1);
    }
  } catch (err) {
    if (err instanceof VmFault) {
      process.stderr.write(`tsbpf: ${file}: program fault: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const maps = [...collection.maps.values()].filter(
    (m) => m.spec.globalData !== '.rodata' && m.spec.globalData !== '.kconfig',
  );
  if (opts.json) {
    const json = {
      retval: `0x${retval.toString(16)}`,
      duration_ns: durationNs,
      insns_executed: insns ?? null,
      backend: collection.backend,
      verdicts: Object.fromEntries([...verdicts].map(([k, v]) => [k.toString(), v])),
      maps: Object.fromEntries(maps.map((m) => [m.name, m.decodedEntries()])),
    };
    out(`${JSON.stringify(json, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
    return 0;
  }
  for (const [k, v] of [...verdicts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out(`retval ${k}: ${v}\n`);
  for (const m of maps) out(`${formatMap(m, opts.hist)}\n`);
  return 0;
}

/** --pcap on the kernel: one BPF_PROG_TEST_RUN per Ethernet frame, as runOverPackets does in the VM. */
async function testRunPackets(program: LoadedProgram, frames: Uint8Array[]): Promise<PacketRunSummary> {
  const summary: PacketRunSummary = { packets: 0, verdicts: new Map(), insnsExecuted: 0, durationNs: 0 };
  const start = performance.now();
  for (const data of frames) {
    if (data.length < 14) continue;
    const r = await program.run({ data });
    summary.packets++;
    summary.lastRetval = r.retval;
    summary.verdicts.set(r.retval, (summary.verdicts.get(r.retval) ?? 0) + 1);
  }
  summary.durationNs = Math.round((performance.now() - start) * 1e6);
  return summary;
}

function pickProgram(programs: LoadedProgram[], section: string | undefined, file: string): LoadedProgram {
  const matches =
    section === undefined ? programs : programs.filter((p) => p.spec.section === section || p.name === section);
  if (matches.length === 1) return matches[0]!;
  const list = programs.map((p) => `${p.spec.section} (${p.name})`).join(', ');
  throw new InputError(
    `${file}: ${section === undefined ? 'several programs' : `no program in section '${section}'`}; --section one of: ${list}`,
  );
}
