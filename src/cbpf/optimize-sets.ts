/**
 * Bit sets over edge ids (libpcap's `uset`), stored as 32-bit words: the edge dominator sets. All sets are views
 * into a single buffer so that resetting all of them is a single `fill`.
 */
import type { Uset } from './ir.js';

/** Words needed for a set able to hold ids 0..n-1; one spare word, as libpcap sizes them (n / 32 + 1). */
export function setWords(n: number): number {
  return Math.floor(n / 32) + 1;
}

export function setInsert(set: Uset, id: number): void {
  set[id >>> 5] = set[id >>> 5]! | (1 << (id & 31));
}

/** a := a ∩ b */
export function setIntersect(a: Uset, b: Uset): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! & b[i]!;
}

/** Carves `count` sets of `words` words each out of one zeroed buffer; the buffer comes back for bulk resets. */
export function allocateSets(count: number, words: number): { buffer: Uint32Array; sets: Uset[] } {
  const buffer = new Uint32Array(count * words);
  const sets: Uset[] = [];
  for (let i = 0; i < count; i++) sets.push(buffer.subarray(i * words, (i + 1) * words));
  return { buffer, sets };
}

/** Index of the lowest set bit of a non-zero 32-bit word (count of trailing zeros). */
export function lowestSetBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}
