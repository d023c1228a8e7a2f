/**
 * pcapng timestamps: a 64-bit count of ticks since the epoch, stored as two 32-bit halves, at a per-interface
 * resolution (if_tsresol: 10^-n or 2^-n seconds, default µs). This turns them into seconds + nanoseconds.
 *
 * The common resolutions (µs, ns, and other powers of ten from 10^-4 to 10^-11) are split with exact double
 * arithmetic in 16-bit limbs, so no bigint is allocated per packet: a ns timestamp of today is ~2^61, beyond the
 * 2^53 a double holds. Other resolutions (seconds, ms, binary fractions) take an exact bigint path.
 */

/** Decoded if_tsresol. */
export interface TickResolution {
  /** True for 2^-exponent, false for 10^-exponent. */
  readonly binary: boolean;
  readonly exponent: number;
}

/** Splits tick counts of one resolution; one instance per interface. */
export class TickSplitter {
  /** Ticks per second as a double (exact unless above 2^53; for display). */
  readonly ticksPerSecond: number;
  private readonly fast: boolean;
  private readonly ticks: number;
  /** Fast path: nanos = frac * mul / div. */
  private readonly mul: number;
  private readonly div: number;
  private readonly bigTicks: bigint;
  /** Result of the last `split`, read right after the call (avoids allocating a pair per packet). */
  seconds = 0;
  nanos = 0;

  constructor(res: TickResolution) {
    this.bigTicks = res.binary ? 1n << BigInt(res.exponent) : 10n ** BigInt(res.exponent);
    this.ticksPerSecond = Number(this.bigTicks);
    this.fast = !res.binary && res.exponent >= 4 && res.exponent <= 11;
    this.ticks = this.ticksPerSecond;
    this.mul = this.fast && res.exponent <= 9 ? 10 ** (9 - res.exponent) : 1;
    this.div = this.fast && res.exponent > 9 ? 10 ** (res.exponent - 9) : 1;
  }

  /** Splits `hi * 2^32 + lo` ticks into `this.seconds` and `this.nanos`. */
  split(hi: number, lo: number): void {
    if (this.fast) {
      // Long division by `ticks` (< 2^37) one 16-bit digit at a time: every intermediate stays below 2^53.
      const r = this.ticks;
      let cur = hi >>> 16;
      const q3 = Math.floor(cur / r);
      cur = (cur - q3 * r) * 65536 + (hi & 0xffff);
      const q2 = Math.floor(cur / r);
      cur = (cur - q2 * r) * 65536 + (lo >>> 16);
      const q1 = Math.floor(cur / r);
      cur = (cur - q1 * r) * 65536 + (lo & 0xffff);
      const q0 = Math.floor(cur / r);
      const frac = cur - q0 * r;
      this.seconds = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
      this.nanos = this.div === 1 ? frac * this.mul : Math.floor(frac / this.div);
      return;
    }
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    const frac = t % this.bigTicks;
    this.seconds = Number(t / this.bigTicks);
    this.nanos = Number((frac * 1_000_000_000n) / this.bigTicks);
  }
}

/** Decodes the if_tsresol option byte: high bit set means a power of two, else a power of ten. */
export function decodeTsresol(byte: number): TickResolution {
  return (byte & 0x80) !== 0 ? { binary: true, exponent: byte & 0x7f } : { binary: false, exponent: byte };
}

/**
 * Encodes seconds + nanoseconds as pcapng ticks of `res`, returned as [hi, lo] 32-bit halves (fractions finer
 * than the resolution are dropped). Decimal resolutions up to ns with 32-bit seconds use exact double arithmetic
 * in 16-bit limbs; anything else goes through bigint.
 */
export function joinTicks(seconds: number, nanos: number, res: TickResolution): [number, number] {
  if (!res.binary && res.exponent <= 9 && Number.isInteger(seconds) && seconds >= 0 && seconds < 4294967296) {
    const r = 10 ** res.exponent;
    const f = Math.floor(nanos / 10 ** (9 - res.exponent));
    if (f >= 0 && f < r) {
      // t = s * r + f with s = sh * 2^16 + sl; every product below stays under 2^53.
      const a = (seconds >>> 16) * r;
      const b = (seconds & 0xffff) * r + f;
      const ah = Math.floor(a / 65536);
      const c = (a - ah * 65536) * 65536 + b;
      const carry = Math.floor(c / 4294967296);
      return [ah + carry, c - carry * 4294967296];
    }
  }
  const per = res.binary ? 1n << BigInt(res.exponent) : 10n ** BigInt(res.exponent);
  const t = BigInt(Math.trunc(seconds)) * per + (BigInt(Math.trunc(nanos)) * per) / 1_000_000_000n;
  return [Number((t >> 32n) & 0xffffffffn), Number(t & 0xffffffffn)];
}
