/**
 * Value numbering (Cocke and Schwartz style) for the optimizer: every distinct computation (opcode plus operand
 * value numbers) gets a number, so two registers holding the same number provably hold the same value. Number 0
 * means "unknown" (VAL_UNKNOWN); constants are the numbers of `ld #k` computations and remember their value.
 *
 * The table is cleared before every pass, so numbers are only comparable within one pass, as in libpcap.
 */
import { BPF_CLASS, BPF_IMM, BPF_LD, BPF_LDX, BPF_MODE, BPF_W } from './insn.js';

export const VAL_UNKNOWN = 0;

/** Buckets of the computation hash (libpcap's MODULUS). */
const MODULUS = 213;

interface ValNode {
  code: number;
  v0: number;
  v1: number;
  val: number;
  next: ValNode | null;
}

export class ValueTable {
  private readonly buckets: (ValNode | null)[] = new Array<ValNode | null>(MODULUS).fill(null);
  private curval = 0;
  /** Per value number: is it a known constant, and which (vmap). */
  private readonly isConstant: number[] = [0];
  private readonly constants: number[] = [0];

  /** Forgets every number (init_val). */
  reset(): void {
    this.buckets.fill(null);
    this.curval = 0;
    this.isConstant.length = 1;
    this.constants.length = 1;
  }

  /** The value number of `code` applied to operands `v0`, `v1`, allocating a new one the first time (F). */
  value(code: number, v0: number, v1: number): number {
    const hash = ((code ^ (v0 << 4) ^ (v1 << 8)) >>> 0) % MODULUS;
    for (let p = this.buckets[hash] ?? null; p; p = p.next) {
      if (p.code === code && p.v0 === v0 && p.v1 === v1) return p.val;
    }
    const val = ++this.curval;
    const isImm = BPF_MODE(code) === BPF_IMM && (BPF_CLASS(code) === BPF_LD || BPF_CLASS(code) === BPF_LDX);
    this.isConstant[val] = isImm ? 1 : 0;
    this.constants[val] = isImm ? v0 : 0;
    this.buckets[hash] = { code, v0, v1, val, next: this.buckets[hash] ?? null };
    return val;
  }

  /** The value number of the constant `k` (K(k)). */
  constant(k: number): number {
    return this.value(BPF_LD | BPF_IMM | BPF_W, k >>> 0, 0);
  }

  isConst(val: number): boolean {
    return this.isConstant[val] === 1;
  }

  /** The constant behind a value number; only meaningful when `isConst(val)`. */
  constValue(val: number): number {
    return this.constants[val] ?? 0;
  }
}
