/**
 * 64-bit integer arithmetic on pairs of 32-bit halves, for the interpreter's hot path (BigInt allocates and is an
 * order of magnitude slower). Results are returned through `out` to avoid allocation: out.lo, out.hi (signed
 * int32 bit patterns).
 */
export const out = { lo: 0, hi: 0 };

/** High 32 bits of the unsigned 32x32-bit product. */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

export function mul64(al: number, ah: number, bl: number, bh: number): void {
  out.lo = Math.imul(al, bl);
  out.hi = (mulhu(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

export function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function fromBig(v: bigint): void {
  out.lo = Number(BigInt.asIntN(32, v));
  out.hi = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned 64-bit division (mod = false) or remainder; the divisor is not zero. */
export function divmodu64(al: number, ah: number, bl: number, bh: number, mod: boolean): void {
  if (ah === 0 && bh === 0) {
    const a = al >>> 0;
    const b = bl >>> 0;
    out.lo = (mod ? a % b : Math.floor(a / b)) | 0;
    out.hi = 0;
    return;
  }
  const a = toBig(al, ah);
  const b = toBig(bl, bh);
  fromBig(mod ? a % b : a / b);
}

/** Signed 64-bit division or remainder, truncating; the divisor is not zero. INT64_MIN / -1 wraps. */
export function divmods64(al: number, ah: number, bl: number, bh: number, mod: boolean): void {
  if (ah === al >> 31 && bh === bl >> 31 && !(al === -0x80000000 && bl === -1)) {
    // both fit in int32 and the quotient cannot overflow it
    const q = mod ? al % bl : Math.trunc(al / bl);
    out.lo = q | 0;
    out.hi = q < 0 ? -1 : 0;
    return;
  }
  const a = BigInt.asIntN(64, toBig(al, ah));
  const b = BigInt.asIntN(64, toBig(bl, bh));
  fromBig(BigInt.asUintN(64, mod ? a % b : a / b));
}

/** Unsigned a < b on 64-bit values. */
export function ltu64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah !== bh ? ah >>> 0 < bh >>> 0 : al >>> 0 < bl >>> 0;
}

/** Signed a < b on 64-bit values. */
export function lts64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah !== bh ? ah < bh : al >>> 0 < bl >>> 0;
}

export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}
