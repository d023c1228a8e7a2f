import { helperName } from '../../isa/helper-ids.js';
import type { VmMap } from '../../maps/map.js';
import { VmFault } from '../fault.js';
import type { HelperCall } from '../helper.js';
import type { VmRuntime } from '../runtime.js';

/**
 * Argument checks shared by the helpers. The kernel's verifier proves these before a program runs; the VM runs
 * unverified programs, so each helper checks its pointer arguments when called and faults (naming the helper, the
 * register and the address) instead of touching memory a program does not own.
 */

/** The map argument register `n` designates, or a fault. */
export function mapArg(rt: VmRuntime, call: HelperCall, n: number, helper: number): VmMap {
  const addr = call.ptr(n);
  const map = Number.isNaN(addr) ? undefined : rt.mapAt(addr);
  if (!map) {
    throw new VmFault('helper', call.pc, `${helperName(helper)}: r${n} (0x${call.u64(n).toString(16)}) is not a map`);
  }
  return map;
}

/** Address of `size` bytes at the pointer in register `n`, checked readable (or writable), or a memory fault. */
export function pointerArg(call: HelperCall, n: number, size: number, write: boolean): number {
  const addr = call.ptr(n);
  if (size === 0) return addr;
  if (!Number.isNaN(addr) && call.space.check(addr, size, write)) return addr;
  const big = call.u64(n);
  const near = Number.isNaN(addr) ? undefined : call.space.nearestRegion(addr);
  throw VmFault.memory(write ? 'write' : 'read', call.pc, big, size, near);
}

/** A copy of `size` bytes at the pointer in register `n`. */
export function readArg(call: HelperCall, n: number, size: number): Uint8Array {
  const addr = pointerArg(call, n, size, false);
  return call.space.u8.slice(addr, addr + size);
}

/** Whether [addr, addr + size) is readable (for *_nofault reads that fail softly). */
export function readable(call: HelperCall, addr: bigint, size: number): number | undefined {
  if (addr > 0xffffffffn) return undefined;
  const a = Number(addr);
  return size === 0 || call.space.check(a, size, false) ? a : undefined;
}

/** A size argument that must be a non-negative 32-bit count below `max`, or a fault (ARG_CONST_SIZE). */
export function sizeArg(call: HelperCall, n: number, helper: number, max = 1 << 29): number {
  const v = call.u64(n);
  if (v > BigInt(max)) throw new VmFault('helper', call.pc, `${helperName(helper)}: size r${n} = ${v} is too large`);
  return Number(v);
}

/** The NUL-terminated string at addr (at most max bytes), or undefined when unreadable. */
export function readCString(call: HelperCall, addr: bigint, max: number): string | undefined {
  const bytes = readCStringBytes(call, addr, max);
  return bytes === undefined ? undefined : latin1(bytes);
}

/** Bytes of the string at addr up to (not including) its NUL, reading at most `max` bytes. */
export function readCStringBytes(call: HelperCall, addr: bigint, max: number): Uint8Array | undefined {
  const start = readable(call, addr, 1);
  if (start === undefined) return undefined;
  const u8 = call.space.u8;
  let end = start;
  while (end - start < max) {
    if (!call.space.check(end, 1, false)) return undefined;
    if (u8[end] === 0) break;
    end++;
  }
  return u8.slice(start, end);
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
