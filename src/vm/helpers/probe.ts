import type { HelperCall, HelperTable } from '../helper.js';
import { pointerArg, readable, sizeArg } from './args.js';

export const PROBE_READ = 4;
export const PROBE_READ_STR = 45;
export const PROBE_READ_USER = 112;
export const PROBE_READ_KERNEL = 113;
export const PROBE_READ_USER_STR = 114;
export const PROBE_READ_KERNEL_STR = 115;

const EFAULT = 14;

/**
 * bpf_probe_read{,_kernel,_user}{,_str}: reads of arbitrary memory that fail softly. The VM has one address space,
 * so kernel and user reads both read it; an unreadable source gives -EFAULT and a zeroed destination, as in the
 * kernel. The string variants copy up to the NUL (always NUL-terminating) and return the length including it.
 */
export function defineProbeHelpers(table: HelperTable): void {
  for (const [id, name] of [
    [PROBE_READ, 'probe_read'],
    [PROBE_READ_USER, 'probe_read_user'],
    [PROBE_READ_KERNEL, 'probe_read_kernel'],
  ] as const) {
    table.define(id, name, (call) => probeRead(call, id));
  }
  for (const [id, name] of [
    [PROBE_READ_STR, 'probe_read_str'],
    [PROBE_READ_USER_STR, 'probe_read_user_str'],
    [PROBE_READ_KERNEL_STR, 'probe_read_kernel_str'],
  ] as const) {
    table.define(id, name, (call) => probeReadStr(call, id));
  }
}

function probeRead(call: HelperCall, id: number): number {
  const size = sizeArg(call, 2, id);
  const dst = pointerArg(call, 1, size, true);
  const src = readable(call, call.u64(3), size);
  const u8 = call.space.u8;
  if (src === undefined) {
    u8.fill(0, dst, dst + size);
    return -EFAULT;
  }
  u8.copyWithin(dst, src, src + size);
  return 0;
}

function probeReadStr(call: HelperCall, id: number): number {
  const size = sizeArg(call, 2, id);
  const dst = pointerArg(call, 1, size, true);
  if (size === 0) return 0;
  const u8 = call.space.u8;
  const src = call.u64(3);
  const bytes: number[] = [];
  // strncpy_from_*_nofault: byte by byte until the NUL or size - 1 bytes; a fault on the way fails the whole read
  for (let i = 0; i < size - 1; i++) {
    const at = readable(call, src + BigInt(i), 1);
    if (at === undefined) {
      u8.fill(0, dst, dst + size);
      return -EFAULT;
    }
    const b = u8[at]!;
    if (b === 0) break;
    bytes.push(b);
  }
  u8.set(bytes, dst);
  u8[dst + bytes.length] = 0;
  return bytes.length + 1;
}
