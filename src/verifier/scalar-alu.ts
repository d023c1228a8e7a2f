/**
 * Scalar ALU transfer functions (adjust_scalar_min_max_vals): given the abstract values of dst and src, the
 * abstract value of `dst op src` at 64 or 32 bits. Each operation is computed on a width-generic range (tnum,
 * unsigned and signed bounds); a 64-bit op also computes its low 32 bits where they depend only on the
 * operands' low 32 bits, as the kernel does; a 32-bit op zero-extends.
 */
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_LSH,
  BPF_MOD,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
} from '../isa/opcodes.js';
import {
  knownScalar,
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  type Scalar,
  syncBounds,
  unknownScalar,
  zext32,
} from './scalar.js';
import {
  type Tnum,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumCast,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumOr,
  tnumRshift,
  tnumSub,
  tnumXor,
  U32_MAX,
  U64_MAX,
} from './tnum.js';

/** Math.min/max for bigints. */
const bigMin = (x: bigint, y: bigint): bigint => (y < x ? y : x);
const bigMax = (x: bigint, y: bigint): bigint => (y > x ? y : x);

/** A range at one width: umin/umax unsigned, smin/smax signed, tnum truncated to the width. */
interface Range {
  t: Tnum;
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
}

const view = (s: Scalar, w: 32 | 64): Range =>
  w === 64
    ? { t: s.t, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax }
    : { t: tnumCast(s.t, 4), umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max };

interface Limits {
  readonly UMAX: bigint;
  readonly SMIN: bigint;
  readonly SMAX: bigint;
}
// Made once: limits() runs in every range operation.
const LIMITS_64: Limits = { UMAX: U64_MAX, SMIN: S64_MIN, SMAX: S64_MAX };
const LIMITS_32: Limits = { UMAX: U32_MAX, SMIN: S32_MIN, SMAX: S32_MAX };

const limits = (w: 32 | 64): Limits => (w === 64 ? LIMITS_64 : LIMITS_32);

const unknownRange = (w: 32 | 64, t: Tnum): Range => {
  const { UMAX, SMIN, SMAX } = limits(w);
  return { t, umin: 0n, umax: UMAX, smin: SMIN, smax: SMAX };
};

/** Sets signed bounds from unsigned ones when the unsigned range does not cross the sign boundary. */
function signedFromUnsigned(r: Range, w: 32 | 64): void {
  const { SMIN, SMAX } = limits(w);
  if (r.umax <= SMAX) {
    r.smin = r.umin;
    r.smax = r.umax;
  } else {
    r.smin = SMIN;
    r.smax = SMAX;
  }
}

/** The abstract result of `a op b` at width w, or undefined when the op yields an unknown value. */
function rangeOp(op: number, a: Range, b: Range, w: 32 | 64): Range | undefined {
  const { UMAX, SMIN, SMAX } = limits(w);
  const trunc = (t: Tnum): Tnum => (w === 64 ? t : tnumCast(t, 4));
  const bConst = tnumIsConst(b.t);
  switch (op) {
    case BPF_ADD: {
      const r: Range = { t: trunc(tnumAdd(a.t, b.t)), umin: 0n, umax: UMAX, smin: SMIN, smax: SMAX };
      const smin = a.smin + b.smin;
      const smax = a.smax + b.smax;
      if (smin >= SMIN && smax <= SMAX) {
        r.smin = smin;
        r.smax = smax;
      }
      const umin = a.umin + b.umin;
      const umax = a.umax + b.umax;
      if (umax <= UMAX) {
        r.umin = umin;
        r.umax = umax;
      } else if (umin > UMAX) {
        r.umin = umin - UMAX - 1n;
        r.umax = umax - UMAX - 1n;
      }
      return r;
    }
    case BPF_SUB: {
      const r: Range = { t: trunc(tnumSub(a.t, b.t)), umin: 0n, umax: UMAX, smin: SMIN, smax: SMAX };
      const smin = a.smin - b.smax;
      const smax = a.smax - b.smin;
      if (smin >= SMIN && smax <= SMAX) {
        r.smin = smin;
        r.smax = smax;
      }
      if (a.umin >= b.umax) {
        r.umin = a.umin - b.umax;
        r.umax = a.umax - b.umin;
      }
      return r;
    }
    case BPF_MUL: {
      const r: Range = { t: trunc(tnumMul(a.t, b.t)), umin: 0n, umax: UMAX, smin: SMIN, smax: SMAX };
      if (a.umax * b.umax <= UMAX) {
        r.umin = a.umin * b.umin;
        r.umax = a.umax * b.umax;
      }
      const corners = [a.smin * b.smin, a.smin * b.smax, a.smax * b.smin, a.smax * b.smax];
      const lo = corners.reduce(bigMin);
      const hi = corners.reduce(bigMax);
      if (lo >= SMIN && hi <= SMAX) {
        r.smin = lo;
        r.smax = hi;
      }
      return r;
    }
    case BPF_AND: {
      const t = tnumAnd(a.t, b.t);
      const r: Range = { t, umin: t.value, umax: bigMin(a.umax, b.umax), smin: SMIN, smax: SMAX };
      signedFromUnsigned(r, w);
      return r;
    }
    case BPF_OR: {
      const t = tnumOr(a.t, b.t);
      const r: Range = { t, umin: bigMax(a.umin, b.umin), umax: t.value | t.mask, smin: SMIN, smax: SMAX };
      signedFromUnsigned(r, w);
      return r;
    }
    case BPF_XOR: {
      const t = tnumXor(a.t, b.t);
      const r: Range = { t, umin: t.value, umax: t.value | t.mask, smin: SMIN, smax: SMAX };
      signedFromUnsigned(r, w);
      return r;
    }
    case BPF_LSH: {
      if (!bConst) return undefined;
      const s = b.t.value;
      const r = unknownRange(w, trunc(tnumLshift(a.t, Number(s))));
      if (a.umax <= UMAX >> s) {
        r.umin = a.umin << s;
        r.umax = a.umax << s;
      }
      return r;
    }
    case BPF_RSH: {
      if (!bConst) return undefined;
      const s = b.t.value;
      const r = unknownRange(w, tnumRshift(a.t, Number(s)));
      r.umin = a.umin >> s;
      r.umax = a.umax >> s;
      signedFromUnsigned(r, w);
      return r;
    }
    case BPF_ARSH: {
      if (!bConst) return undefined;
      const s = b.t.value;
      const r = unknownRange(w, tnumArshift(a.t, Number(s), w));
      r.smin = a.smin >> s;
      r.smax = a.smax >> s;
      return r;
    }
    default:
      return undefined;
  }
}

/** Low 32 bits of these ops depend only on the operands' low 32 bits. */
const LOW_BITS_LOCAL = new Set([BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH]);

function fromRanges(r64: Range | undefined, r32: Range | undefined): Scalar {
  const s = unknownScalar();
  if (r64) {
    s.t = r64.t;
    s.umin = r64.umin;
    s.umax = r64.umax;
    s.smin = r64.smin;
    s.smax = r64.smax;
  }
  if (r32) {
    s.u32min = r32.umin;
    s.u32max = r32.umax;
    s.s32min = r32.smin;
    s.s32max = r32.smax;
    if (!r64) s.t = { value: r32.t.value, mask: (U64_MAX & ~U32_MAX) | r32.t.mask };
  }
  return s;
}

/**
 * `dst op src` on scalars. `is64` false means a 32-bit ALU op (result zero-extended). Shifts by an amount that
 * may reach the width, division and modulo by a non-constant, produce an unknown scalar (the kernel's
 * is_safe_to_compute_dst_reg_range); division by zero is defined (x/0 = 0, x%0 = x) so it is no error here.
 */
export function scalarAlu(op: number, dst: Scalar, src: Scalar, is64: boolean): Scalar {
  const w: 32 | 64 = is64 ? 64 : 32;
  if (op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) {
    const amount = is64 ? src : src;
    const srcTnum = is64 ? amount.t : tnumCast(amount.t, 4);
    if (!tnumIsConst(srcTnum) || srcTnum.value >= BigInt(w)) return wideUnknown(is64);
  }
  // is_safe_to_compute_dst_reg_range: the kernel tracks no range through division and modulo
  if (op === BPF_DIV || op === BPF_MOD) return wideUnknown(is64);
  const exact = constantFold(op, dst, src, is64);
  if (exact !== undefined) return knownScalar(exact);
  if (is64) {
    const r64 = rangeOp(op, view(dst, 64), view(src, 64), 64);
    if (!r64) return unknownScalar();
    const r32 = LOW_BITS_LOCAL.has(op) ? rangeOp(op, view(dst, 32), view(src, 32), 32) : undefined;
    const s = fromRanges(r64, r32);
    syncBounds(s);
    return s;
  }
  const r32 = rangeOp(op, view(dst, 32), view(src, 32), 32);
  const s = fromRanges(undefined, r32 ?? unknownRange(32, { value: 0n, mask: U32_MAX }));
  syncBounds(s);
  zext32(s);
  return s;
}

/** Both operands known: the exact result (the bounds would collapse to it anyway; this is the fast path). */
function constantFold(op: number, dst: Scalar, src: Scalar, is64: boolean): bigint | undefined {
  if (dst.t.mask !== 0n || src.t.mask !== 0n) return undefined;
  const a = is64 ? dst.t.value : dst.t.value & U32_MAX;
  const b = is64 ? src.t.value : src.t.value & U32_MAX;
  const w = is64 ? 64 : 32;
  let r: bigint;
  switch (op) {
    case BPF_ADD:
      r = a + b;
      break;
    case BPF_SUB:
      r = a - b;
      break;
    case BPF_MUL:
      r = a * b;
      break;
    case BPF_AND:
      r = a & b;
      break;
    case BPF_OR:
      r = a | b;
      break;
    case BPF_XOR:
      r = a ^ b;
      break;
    case BPF_LSH:
      r = a << b;
      break;
    case BPF_RSH:
      r = a >> b;
      break;
    case BPF_ARSH:
      r = BigInt.asIntN(w, a) >> b;
      break;
    default:
      return undefined;
  }
  return BigInt.asUintN(w, r);
}

function wideUnknown(is64: boolean): Scalar {
  const s = unknownScalar();
  if (!is64) zext32(s);
  return s;
}

/** `-dst` as `0 - dst`. */
export function scalarNeg(dst: Scalar, is64: boolean): Scalar {
  return scalarAlu(BPF_SUB, knownScalar(0n), dst, is64);
}
