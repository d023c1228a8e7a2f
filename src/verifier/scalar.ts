/**
 * Scalar value tracking as the kernel does it: a tnum plus unsigned and signed bounds at 64 and 32 bits, kept
 * consistent by `syncBounds` (reg_bounds_sync). Every bound is a bigint: unsigned in [0, 2^w), signed in
 * [-2^(w-1), 2^(w-1)).
 */
import {
  TNUM_UNKNOWN,
  type Tnum,
  tnumConst,
  tnumIntersect,
  tnumIsConst,
  tnumRange,
  tnumSubreg,
  sizeMask,
  tnumWithSubreg,
  U32_MAX,
  U64_MAX,
} from './tnum.js';

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

export interface Scalar {
  t: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);

export function unknownScalar(): Scalar {
  return {
    t: TNUM_UNKNOWN,
    smin: S64_MIN,
    smax: S64_MAX,
    umin: 0n,
    umax: U64_MAX,
    s32min: S32_MIN,
    s32max: S32_MAX,
    u32min: 0n,
    u32max: U32_MAX,
  };
}

export function knownScalar(value: bigint): Scalar {
  const v = u64(value);
  const lo = u32(v);
  return {
    t: tnumConst(v),
    smin: s64(v),
    smax: s64(v),
    umin: v,
    umax: v,
    s32min: s32(lo),
    s32max: s32(lo),
    u32min: lo,
    u32max: lo,
  };
}

/** A scalar in [lo, hi] (unsigned, both below 2^63). */
export function rangeScalar(lo: bigint, hi: bigint): Scalar {
  const s = unknownScalar();
  s.umin = lo;
  s.umax = hi;
  syncBounds(s);
  return s;
}

export const copyScalar = (s: Scalar): Scalar => ({
  t: s.t,
  smin: s.smin,
  smax: s.smax,
  umin: s.umin,
  umax: s.umax,
  s32min: s.s32min,
  s32max: s.s32max,
  u32min: s.u32min,
  u32max: s.u32max,
});
export const isConst = (s: Scalar): boolean => tnumIsConst(s.t);
export const isConst32 = (s: Scalar): boolean => tnumIsConst(tnumSubreg(s.t));
export const constValue = (s: Scalar): bigint => s.t.value;

/** Whether the bounds contradict each other (a dead branch). */
export function boundsInvalid(s: Scalar): boolean {
  return s.umin > s.umax || s.smin > s.smax || s.u32min > s.u32max || s.s32min > s.s32max;
}

function updateBounds(s: Scalar): void {
  const { value, mask } = s.t;
  s.smin = max(s.smin, s64(value | (mask & (1n << 63n))));
  s.smax = min(s.smax, s64(value | (mask & S64_MAX)));
  s.umin = max(s.umin, value);
  s.umax = min(s.umax, value | mask);
  const v32 = u32(value);
  const m32 = u32(mask);
  s.s32min = max(s.s32min, s32(v32 | (m32 & 0x8000_0000n)));
  s.s32max = min(s.s32max, s32(v32 | (m32 & 0x7fff_ffffn)));
  s.u32min = max(s.u32min, v32);
  s.u32max = min(s.u32max, v32 | m32);
}

/** __reg32_deduce_bounds. Conversions are computed once per value (bigint ops allocate; this runs at every sync). */
function deduce32(s: Scalar): void {
  const umin = s.umin;
  const umax = s.umax;
  if (umin >> 32n === umax >> 32n) {
    const lo = u32(umin);
    const hi = u32(umax);
    if (lo > s.u32min) s.u32min = lo;
    if (hi < s.u32max) s.u32max = hi;
    const slo = s32(lo);
    const shi = s32(hi);
    if (slo <= shi) {
      if (slo > s.s32min) s.s32min = slo;
      if (shi < s.s32max) s.s32max = shi;
    }
  }
  const smin = s.smin;
  const smax = s.smax;
  if (smin >> 32n === smax >> 32n) {
    // The low 32 bits of the two's complement value: s32/u32 of a negative bigint already see them.
    const slo = s32(smin);
    const shi = s32(smax);
    if (slo <= shi) {
      if (slo > s.s32min) s.s32min = slo;
      if (shi < s.s32max) s.s32max = shi;
    }
    const lo = u32(smin);
    const hi = u32(smax);
    if (lo <= hi) {
      if (lo > s.u32min) s.u32min = lo;
      if (hi < s.u32max) s.u32max = hi;
    }
  }
  const sumin = s32(s.u32min);
  const sumax = s32(s.u32max);
  if (sumin <= sumax) {
    if (sumin > s.s32min) s.s32min = sumin;
    if (sumax < s.s32max) s.s32max = sumax;
  }
  const usmin = u32(s.s32min);
  const usmax = u32(s.s32max);
  if (usmin <= usmax) {
    if (usmin > s.u32min) s.u32min = usmin;
    if (usmax < s.u32max) s.u32max = usmax;
  }
}

function deduce64(s: Scalar): void {
  if (s64(s.umin) <= s64(s.umax)) {
    s.smin = max(s.smin, s64(s.umin));
    s.smax = min(s.smax, s64(s.umax));
  }
  if (u64(s.smin) <= u64(s.smax)) {
    s.umin = max(s.umin, u64(s.smin));
    s.umax = min(s.umax, u64(s.smax));
  }
}

function deduceMixed(s: Scalar): void {
  const hi = ~U32_MAX & U64_MAX;
  s.umin = max(s.umin, (s.umin & hi) | s.u32min);
  s.umax = min(s.umax, (s.umax & hi) | s.u32max);
  const smin2 = s64((u64(s.smin) & hi) | s.u32min);
  const smax2 = s64((u64(s.smax) & hi) | s.u32max);
  s.smin = max(s.smin, smin2);
  s.smax = min(s.smax, smax2);
  if (s.s32min >= 0n && s.smin >= S32_MIN && s.smax <= S32_MAX) {
    s.smin = max(s.smin, s.s32min);
    s.smax = min(s.smax, s.s32max);
    s.umin = max(s.umin, s.s32min);
    s.umax = min(s.umax, s.s32max);
  }
}

function boundOffset(s: Scalar): void {
  if (boundsInvalid(s)) return;
  const t64 = tnumIntersect(s.t, tnumRange(s.umin, s.umax));
  const t32 = tnumIntersect(tnumSubreg(t64), tnumRange(s.u32min, s.u32max));
  s.t = tnumWithSubreg(t64, t32);
}

/** reg_bounds_sync: make tnum and the four ranges agree as far as each implies the others. */
export function syncBounds(s: Scalar): void {
  // Fast paths for the commonest shapes; each gives exactly what the full deduction would (scalar.test.ts
  // checks them against syncBoundsFull).
  const t = s.t;
  if (t.mask === 0n) {
    if (syncConst(s)) return;
  } else if ((t.value | t.mask) <= S32_MAX) {
    if (syncSmall(s)) return;
  } else if (t.mask === U64_MAX && isUnbounded(s)) return;
  syncBoundsFull(s);
}

/** The whole of reg_bounds_sync with no shortcut (also the oracle the fast paths are tested against). */
export function syncBoundsFull(s: Scalar): void {
  updateBounds(s);
  deduce32(s);
  deduce64(s);
  deduceMixed(s);
  deduce64(s);
  deduce32(s);
  boundOffset(s);
  updateBounds(s);
}

/**
 * A tnum confined to [0, 2^31): every value reads the same as u64, s64, u32 and s32, so the kernel's rounds of
 * deduction make all four ranges their intersection [lo, hi]; the tnum is then narrowed to that range and the
 * range to the narrowed tnum. Returns false (leaving `s` alone) when the ranges contradict each other, for the full
 * deduction to mark them so exactly as the kernel would.
 */
function syncSmall(s: Scalar): boolean {
  const t = s.t;
  let lo = t.value;
  let hi = t.value | t.mask;
  if (s.umin > lo) lo = s.umin;
  if (s.smin > lo) lo = s.smin;
  if (s.u32min > lo) lo = s.u32min;
  if (s.s32min > lo) lo = s.s32min;
  if (s.umax < hi) hi = s.umax;
  if (s.smax < hi) hi = s.smax;
  if (s.u32max < hi) hi = s.u32max;
  if (s.s32max < hi) hi = s.s32max;
  if (lo > hi) return false;
  const nt = tnumIntersect(t, tnumRange(lo, hi));
  const nhi = nt.value | nt.mask;
  if (nt.value > lo) lo = nt.value;
  if (nhi < hi) hi = nhi;
  s.t = nt;
  s.umin = lo;
  s.umax = hi;
  s.smin = lo;
  s.smax = hi;
  s.u32min = lo;
  s.u32max = hi;
  s.s32min = lo;
  s.s32max = hi;
  return true;
}

/** A fully unknown scalar: nothing to deduce. */
const isUnbounded = (s: Scalar): boolean =>
  s.umin === 0n &&
  s.umax === U64_MAX &&
  s.smin === S64_MIN &&
  s.smax === S64_MAX &&
  s.u32min === 0n &&
  s.u32max === U32_MAX &&
  s.s32min === S32_MIN &&
  s.s32max === S32_MAX;

/**
 * A constant tnum whose value every range admits: all bounds collapse to it. Returns false (leaving `s` alone)
 * when some range excludes the value, so the full deduction can mark the bounds contradictory.
 */
function syncConst(s: Scalar): boolean {
  const v = s.t.value;
  const sv = s64(v);
  const lo = u32(v);
  const slo = s32(lo);
  if (v < s.umin || v > s.umax || sv < s.smin || sv > s.smax) return false;
  if (lo < s.u32min || lo > s.u32max || slo < s.s32min || slo > s.s32max) return false;
  s.umin = v;
  s.umax = v;
  s.smin = sv;
  s.smax = sv;
  s.u32min = lo;
  s.u32max = lo;
  s.s32min = slo;
  s.s32max = slo;
  return true;
}

/** Forget the upper 32 bits' contents: the value is its low 32 bits zero-extended (zext_32_to_64). */
export function zext32(s: Scalar): void {
  s.t = tnumSubreg(s.t);
  s.umin = s.u32min;
  s.umax = s.u32max;
  s.smin = s.u32min;
  s.smax = s.u32max;
  syncBounds(s);
}

/** Truncate to `size` bytes, zero-extending (coerce_reg_to_size). */
export function coerceToSize(s: Scalar, size: number): void {
  if (size >= 8) return;
  const bits = BigInt(size * 8);
  const keep = sizeMask(size);
  let lo = 0n;
  let hi = keep;
  if (s.umin >> bits === s.umax >> bits) {
    lo = s.umin & keep;
    hi = s.umax & keep;
  }
  // Field by field (not unknownScalar + Object.assign): this runs at every narrow load.
  s.t = { value: s.t.value & keep, mask: s.t.mask & keep };
  s.umin = lo;
  s.umax = hi;
  s.smin = S64_MIN;
  s.smax = S64_MAX;
  s.s32min = S32_MIN;
  s.s32max = S32_MAX;
  s.u32min = 0n;
  s.u32max = U32_MAX;
  syncBounds(s);
}

/** Sign-extend from `size` bytes (coerce_reg_to_size_sx): exact when constant, else the size's signed range. */
export function signExtendFromSize(s: Scalar, size: number): void {
  const bits = size * 8;
  if (isConst(s)) {
    Object.assign(s, knownScalar(BigInt.asIntN(bits, s.t.value)));
    return;
  }
  const half = 1n << BigInt(bits - 1);
  const r = unknownScalar();
  const lowT = s.t;
  const keep = (1n << BigInt(bits)) - 1n;
  const sign = half;
  if ((lowT.mask & sign) === 0n && (lowT.value & sign) === 0n) {
    // sign bit known 0: the value is the low bits, zero-extended
    r.t = { value: lowT.value & keep, mask: lowT.mask & keep };
    r.umin = 0n;
    r.umax = keep >> 1n;
  } else {
    r.smin = -half;
    r.smax = half - 1n;
  }
  Object.assign(s, r);
  syncBounds(s);
}

/** Signed 64-bit range [smin, smax] as a scalar. */
export function signedRangeScalar(lo: bigint, hi: bigint): Scalar {
  const s = unknownScalar();
  s.smin = lo;
  s.smax = hi;
  syncBounds(s);
  return s;
}

export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return (
    a.t.value === b.t.value &&
    a.t.mask === b.t.mask &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max
  );
}

/** Whether every value `cur` may hold is a value `old` may hold (range_within + tnum_in). */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max &&
    tnumIn(old.t, cur.t)
  );
}

import { tnumIn } from './tnum.js';

/** The kernel log's text of a scalar: `0`, `-3`, `scalar(smin=...,umax=...,var_off=(...))`. */
export function formatScalar(s: Scalar): string {
  if (isConst(s)) return `${s64(s.t.value)}`;
  const parts: string[] = [];
  const push = (name: string, v: bigint, dflt: bigint): void => {
    if (v !== dflt) parts.push(`${name}=${v}`);
  };
  const umax = s.umax;
  push('smin', s.smin, S64_MIN);
  push('smax', s.smax, S64_MAX);
  push('umin', s.umin, 0n);
  push('umax', umax, U64_MAX);
  push('smin32', s.s32min, S32_MIN);
  push('smax32', s.s32max, S32_MAX);
  push('umin32', s.u32min, 0n);
  push('umax32', s.u32max, U32_MAX);
  if (s.t.mask !== U64_MAX) parts.push(`var_off=(0x${s.t.value.toString(16)}; 0x${s.t.mask.toString(16)})`);
  return `scalar(${parts.join(',')})`;
}
