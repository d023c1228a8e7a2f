import type { Region } from './memory.js';

export type FaultKind =
  | 'read' // load from an address outside every readable region
  | 'write' // store to an address outside every writable region
  | 'budget' // the instruction budget ran out
  | 'call-depth' // more than 8 nested BPF-to-BPF calls
  | 'helper' // call to a helper the runtime lacks, or a helper that failed
  | 'instruction'; // an instruction the VM cannot execute (kfunc call, unknown opcode with --no-verify)

/**
 * A program stopped by the VM. Names the pc, what went wrong and, for memory faults, the address, access size and
 * the nearest region, so a user can see which pointer was off and by how much.
 */
export class VmFault extends Error {
  override name = 'VmFault';
  constructor(
    readonly kind: FaultKind,
    readonly pc: number,
    readonly detail: string,
    readonly address?: bigint,
    readonly size?: number,
    readonly region?: Region,
  ) {
    super(`${detail} at pc ${pc}`);
  }

  static memory(kind: 'read' | 'write', pc: number, address: bigint, size: number, region?: Region): VmFault {
    const where = region ? describeRegion(address, region) : 'no region nearby';
    const verb = kind === 'read' ? 'read' : 'write';
    const hex = `0x${address.toString(16)}`;
    return new VmFault(kind, pc, `invalid ${verb} of ${size} bytes at ${hex} (${where})`, address, size, region);
  }
}

function describeRegion(address: bigint, region: Region): string {
  const start = BigInt(region.start);
  const end = start + BigInt(region.size);
  const name = `${region.name} [0x${start.toString(16)}, 0x${end.toString(16)})`;
  if (address < start) return `${start - address} bytes before ${name}`;
  if (address >= end) return `${address - end} bytes after the end of ${name}`;
  return region.writable ? `straddles the end of ${name}` : `inside read-only ${name}`;
}
