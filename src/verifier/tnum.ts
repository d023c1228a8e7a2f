/**
 * Tristate numbers (the kernel's `struct tnum`, kernel/bpf/tnum.c): a 64-bit value where each bit is known 0,
 * known 1 or unknown. `mask` has a 1 for every unknown bit; `value` holds the known bits (and 0 where unknown).
 * All values are unsigned 64-bit bigints.
 */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const U32_MAX = 0xffff_ffffn;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

export const tnumConst = (value: bigint): Tnum => ({ value: u64(value), mask: 0n });
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64_MAX };

/**
 * Bits needed to write x (an unsigned 64-bit bigint): fls64. Done on two 32-bit halves as numbers, since this runs
 * at every bounds sync and a string conversion would dominate it.
 */
function bitLength(x: bigint): number {
  if (x <= U32_MAX) return 32 - Math.clz32(Number(x));
  const hi = Number(x >> 32n);
  return 64 - Math.clz32(hi);
}

/** The tnum of every value in [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = bitLength(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return { value: min & ~delta & U64_MAX, mask: delta };
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumEqualsConst = (a: Tnum, b: bigint): boolean => a.mask === 0n && a.value === u64(b);
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MAX;

export const tnumLshift = (a: Tnum, shift: number): Tnum => ({
  value: u64(a.value << BigInt(shift)),
  mask: u64(a.mask << BigInt(shift)),
});
export const tnumRshift = (a: Tnum, shift: number): Tnum => ({
  value: a.value >> BigInt(shift),
  mask: a.mask >> BigInt(shift),
});

/** Arithmetic right shift of the low `insnBitness` bits (32 or 64), as tnum_arshift. */
export function tnumArshift(a: Tnum, shift: number, insnBitness: 32 | 64): Tnum {
  const s = BigInt(shift);
  if (insnBitness === 32) {
    return {
      value: BigInt.asUintN(32, BigInt.asIntN(32, a.value) >> s),
      mask: BigInt.asUintN(32, BigInt.asIntN(32, a.mask) >> s),
    };
  }
  return { value: u64(BigInt.asIntN(64, a.value) >> s), mask: u64(BigInt.asIntN(64, a.mask) >> s) };
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64_MAX, mask: mu };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64_MAX, mask: mu };
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(tnumConst(0n), a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64_MAX };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & U64_MAX };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

/** tnum_mul: half-multiply with the known and unknown parts, as the kernel does since 5.13. */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let av = a;
  let bv = b;
  let accM: Tnum = tnumConst(0n);
  while (av.value !== 0n || av.mask !== 0n) {
    if (av.value & 1n) accM = tnumAdd(accM, { value: 0n, mask: bv.mask });
    else if (av.mask & 1n) accM = tnumAdd(accM, { value: 0n, mask: bv.value | bv.mask });
    av = tnumRshift(av, 1);
    bv = tnumLshift(bv, 1);
  }
  return tnumAdd(tnumConst(u64(a.value * b.value)), accM);
}

/** Bits known in both, where they agree: the tnum of values that satisfy both a and b. */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64_MAX, mask: mu };
}

/** Every value either a or b may hold. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const chi = a.value ^ b.value;
  const mu = chi | a.mask | b.mask;
  return { value: a.value & ~mu & U64_MAX, mask: mu };
}

/** Truncates to `size` bytes (tnum_cast). */
export function tnumCast(a: Tnum, size: number): Tnum {
  const keep = sizeMask(size);
  return { value: a.value & keep, mask: a.mask & keep };
}

/** Masks of the access sizes, made once: casts run at every narrow load and 32-bit operation. */
const SIZE_MASKS: readonly bigint[] = [0n, 0xffn, 0xffffn, 0xff_ffffn, U32_MAX];

/** The mask of the low `size` bytes. */
export const sizeMask = (size: number): bigint => SIZE_MASKS[size] ?? (1n << BigInt(size * 8)) - 1n;

export const tnumIsAligned = (a: Tnum, size: number): boolean =>
  size === 0 ? true : ((a.value | a.mask) & BigInt(size - 1)) === 0n;

/** Whether every value of b is a value of a (b is at least as precise). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask) return false;
  return (b.value & ~a.mask) === a.value;
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
export const tnumWithSubreg = (reg: Tnum, subreg: Tnum): Tnum => tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
export const tnumConstSubreg = (a: Tnum, value: bigint): Tnum => tnumWithSubreg(a, tnumConst(value & U32_MAX));

/** The kernel's `(%#llx; %#llx)` text of a tnum. */
export function tnumString(a: Tnum): string {
  const hex = (x: bigint): string => (x === 0n ? '0x0' : `0x${x.toString(16)}`);
  return `(${hex(a.value)}; ${hex(a.mask)})`;
}
