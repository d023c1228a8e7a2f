/**
 * Emission of the register-only instructions: ALU (64 and 32 bit, with the kernel's rules for division by zero and
 * for INT_MIN / -1), sign-extending moves, byte swaps, lddw, and the comparison of a conditional jump. Every value
 * is an i64 local; 32-bit operations wrap their operands and zero-extend the result, as the ISA requires.
 */
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
} from '../isa/opcodes.js';
import type { JitForm } from './forms.js';
import { A32 } from './locals.js';
import { OP } from './wasm-ops.js';
import { type ByteWriter, I32, I64, sleb32At } from './wasm-writer.js';

const BINARY64: Record<number, number> = {
  [BPF_ADD]: OP.i64_add,
  [BPF_SUB]: OP.i64_sub,
  [BPF_MUL]: OP.i64_mul,
  [BPF_OR]: OP.i64_or,
  [BPF_AND]: OP.i64_and,
  [BPF_XOR]: OP.i64_xor,
  [BPF_LSH]: OP.i64_shl,
  [BPF_RSH]: OP.i64_shr_u,
  [BPF_ARSH]: OP.i64_shr_s,
};

const BINARY32: Record<number, number> = {
  [BPF_ADD]: OP.i32_add,
  [BPF_SUB]: OP.i32_sub,
  [BPF_MUL]: OP.i32_mul,
  [BPF_OR]: OP.i32_or,
  [BPF_AND]: OP.i32_and,
  [BPF_XOR]: OP.i32_xor,
  [BPF_LSH]: OP.i32_shl,
  [BPF_RSH]: OP.i32_shr_u,
  [BPF_ARSH]: OP.i32_shr_s,
};

const get = (w: ByteWriter, local: number) => w.u8(OP.local_get).uleb(local);
const set = (w: ByteWriter, local: number) => w.u8(OP.local_set).uleb(local);
const i64c = (w: ByteWriter, k: number) => w.u8(OP.i64_const).sleb32(k);
const i32c = (w: ByteWriter, k: number) => w.u8(OP.i32_const).sleb32(k);
/** Pushes the low 32 bits of a register. */
const get32 = (w: ByteWriter, r: number) => get(w, r).u8(OP.i32_wrap_i64);

/** dst = dst op (src | imm), for the 'alu' forms. */
export function emitAlu(w: ByteWriter, form: JitForm, dst: number, src: number, imm: number): void {
  if (form.is64) emitAlu64(w, form, dst, src, imm);
  else emitAlu32(w, form, dst, src, imm);
}

/** Zero-extends the i32 on the stack into register d. */
const zextTo = (w: ByteWriter, d: number) => w.u8(OP.i64_extend_i32_u).u8(OP.local_set).uleb(d);

function emitAlu64(w: ByteWriter, form: JitForm, d: number, s: number, k: number): void {
  const op = form.op;
  const simple = BINARY64[op];
  if (op === BPF_MOV || simple !== undefined) {
    // the most frequent instructions: written straight into the buffer (registers are one-byte local indexes)
    w.reserve(16);
    const b = w.bytes;
    let o = w.length;
    if (simple !== undefined) {
      b[o++] = OP.local_get;
      b[o++] = d;
    }
    if (form.x) {
      b[o++] = OP.local_get;
      b[o++] = s;
    } else {
      b[o++] = OP.i64_const;
      o = sleb32At(b, o, k);
    }
    if (simple !== undefined) b[o++] = simple;
    b[o++] = OP.local_set;
    b[o++] = d;
    w.length = o;
    return;
  }
  const isDiv = op === BPF_DIV;
  if (op !== BPF_DIV && op !== BPF_MOD) throw new Error(`not an ALU operation: ${op}`);
  if (!form.x) {
    if (k === 0) {
      // division by zero gives 0, modulo by zero leaves dst unchanged
      if (isDiv) i64c(w, 0).u8(OP.local_set).uleb(d);
      return;
    }
    if (form.signed && k === -1) {
      // INT64_MIN / -1 wraps (wasm would trap); x % -1 is 0
      if (isDiv) i64c(w, 0).u8(OP.local_get).uleb(d).u8(OP.i64_sub);
      else i64c(w, 0);
      set(w, d);
      return;
    }
    get(w, d);
    i64c(w, k);
    w.u8(form.signed ? (isDiv ? OP.i64_div_s : OP.i64_rem_s) : isDiv ? OP.i64_div_u : OP.i64_rem_u);
    set(w, d);
    return;
  }
  if (!isDiv) {
    // if (src != 0) dst %= src  (rem_s by -1 gives 0 without trapping)
    get(w, s).u8(OP.i64_eqz).u8(OP.i32_eqz).u8x2(OP.if, 0x40);
    get(w, d);
    get(w, s);
    w.u8(form.signed ? OP.i64_rem_s : OP.i64_rem_u);
    set(w, d);
    w.u8(OP.end);
    return;
  }
  if (!form.signed) {
    get(w, s).u8(OP.i64_eqz).u8x2(OP.if, I64);
    i64c(w, 0).u8(OP.else);
    get(w, d);
    get(w, s).u8(OP.i64_div_u).u8(OP.end);
    set(w, d);
    return;
  }
  // signed: src in {0, -1} is special (0 -> 0, -1 -> -dst)
  get(w, s);
  i64c(w, 1).u8(OP.i64_add);
  i64c(w, 1).u8(OP.i64_le_u).u8x2(OP.if, I64);
  get(w, s).u8(OP.i64_eqz).u8x2(OP.if, I64);
  i64c(w, 0).u8(OP.else);
  i64c(w, 0);
  get(w, d).u8(OP.i64_sub).u8(OP.end);
  w.u8(OP.else);
  get(w, d);
  get(w, s).u8(OP.i64_div_s).u8(OP.end);
  set(w, d);
}

function emitAlu32(w: ByteWriter, form: JitForm, d: number, s: number, k: number): void {
  const op = form.op;
  if (op === BPF_MOV) {
    if (form.x) {
      get32(w, s);
      zextTo(w, d);
    } else {
      w.u8(OP.i64_const).sleb64(k, 0);
      set(w, d);
    }
    return;
  }
  const simple = BINARY32[op];
  if (simple !== undefined) {
    // as in emitAlu64: straight into the buffer
    w.reserve(20);
    const b = w.bytes;
    let o = w.length;
    b[o++] = OP.local_get;
    b[o++] = d;
    b[o++] = OP.i32_wrap_i64;
    if (form.x) {
      b[o++] = OP.local_get;
      b[o++] = s;
      b[o++] = OP.i32_wrap_i64;
    } else {
      b[o++] = OP.i32_const;
      o = sleb32At(b, o, k);
    }
    b[o++] = simple;
    b[o++] = OP.i64_extend_i32_u;
    b[o++] = OP.local_set;
    b[o++] = d;
    w.length = o;
    return;
  }
  const isDiv = op === BPF_DIV;
  if (op !== BPF_DIV && op !== BPF_MOD) throw new Error(`not an ALU operation: ${op}`);
  if (!form.x) {
    if (k === 0) {
      if (isDiv) i32c(w, 0);
      else get32(w, d);
    } else if (form.signed && k === -1) {
      if (isDiv) {
        i32c(w, 0);
        get32(w, d).u8(OP.i32_sub);
      } else i32c(w, 0);
    } else {
      get32(w, d);
      i32c(w, k);
      w.u8(form.signed ? (isDiv ? OP.i32_div_s : OP.i32_rem_s) : isDiv ? OP.i32_div_u : OP.i32_rem_u);
    }
    zextTo(w, d);
    return;
  }
  get32(w, s).u8(OP.local_tee).uleb(A32);
  if (!isDiv) {
    // src == 0 keeps the low half of dst
    w.u8(OP.i32_eqz).u8x2(OP.if, I32);
    get32(w, d).u8(OP.else);
    get32(w, d);
    get(w, A32)
      .u8(form.signed ? OP.i32_rem_s : OP.i32_rem_u)
      .u8(OP.end);
    zextTo(w, d);
    return;
  }
  if (!form.signed) {
    w.u8(OP.i32_eqz).u8x2(OP.if, I32);
    i32c(w, 0).u8(OP.else);
    get32(w, d);
    get(w, A32).u8(OP.i32_div_u).u8(OP.end);
    zextTo(w, d);
    return;
  }
  i32c(w, 1).u8(OP.i32_add);
  i32c(w, 1).u8(OP.i32_le_u).u8x2(OP.if, I32);
  get(w, A32).u8(OP.i32_eqz).u8x2(OP.if, I32);
  i32c(w, 0).u8(OP.else);
  i32c(w, 0);
  get32(w, d).u8(OP.i32_sub).u8(OP.end);
  w.u8(OP.else);
  get32(w, d);
  get(w, A32).u8(OP.i32_div_s).u8(OP.end);
  zextTo(w, d);
}

/** dst = -dst. */
export function emitNeg(w: ByteWriter, is64: boolean, d: number): void {
  if (is64) {
    i64c(w, 0);
    get(w, d).u8(OP.i64_sub);
    set(w, d);
  } else {
    i32c(w, 0);
    get32(w, d).u8(OP.i32_sub).u8(OP.i64_extend_i32_u);
    set(w, d);
  }
}

/** dst = sign-extend(src, bits), to 64 bits (then zero-extended from 32 for the 32-bit form). */
export function emitMovsx(w: ByteWriter, is64: boolean, bits: number, d: number, s: number): void {
  if (is64) {
    get(w, s).u8(bits === 8 ? OP.i64_extend8_s : bits === 16 ? OP.i64_extend16_s : OP.i64_extend32_s);
  } else {
    get32(w, s)
      .u8(bits === 8 ? OP.i32_extend8_s : OP.i32_extend16_s)
      .u8(OP.i64_extend_i32_u);
  }
  set(w, d);
}

/** Byte-order conversions: `le` truncates, `be` and `bswap` reverse the low `width` bits (host is little endian). */
export function emitEnd(w: ByteWriter, swap: boolean, width: number, d: number): void {
  if (!swap) {
    if (width === 64) return;
    get(w, d);
    if (width === 16) i64c(w, 0xffff).u8(OP.i64_and);
    else w.u8(OP.i32_wrap_i64).u8(OP.i64_extend_i32_u);
    set(w, d);
    return;
  }
  if (width === 16) {
    get32(w, d).u8(OP.local_tee).uleb(A32);
    i32c(w, 8).u8(OP.i32_shl);
    i32c(w, 0xff00).u8(OP.i32_and);
    get(w, A32);
    i32c(w, 8).u8(OP.i32_shr_u);
    i32c(w, 0xff).u8(OP.i32_and).u8(OP.i32_or).u8(OP.i64_extend_i32_u);
    set(w, d);
  } else if (width === 32) {
    get32(w, d).u8(OP.local_tee).uleb(A32);
    i32c(w, 8).u8(OP.i32_rotl);
    i32c(w, 0x00ff00ff).u8(OP.i32_and);
    get(w, A32);
    i32c(w, 8).u8(OP.i32_rotr);
    i32c(w, 0xff00ff00 | 0)
      .u8(OP.i32_and)
      .u8(OP.i32_or)
      .u8(OP.i64_extend_i32_u);
    set(w, d);
  } else {
    // swap bytes within 16-bit lanes, then 16-bit lanes within words, then the two words
    for (const [shift, lo, hi] of [
      [8, 0x00ff00ff, 0x00ff00ff],
      [16, 0x0000ffff, 0x0000ffff],
    ] as const) {
      get(w, d);
      i64c(w, shift).u8(OP.i64_shr_u);
      w.u8(OP.i64_const).sleb64(lo, hi).u8(OP.i64_and);
      get(w, d);
      w.u8(OP.i64_const).sleb64(lo, hi).u8(OP.i64_and);
      i64c(w, shift).u8(OP.i64_shl).u8(OP.i64_or);
      set(w, d);
    }
    get(w, d);
    i64c(w, 32).u8(OP.i64_rotl);
    set(w, d);
  }
}

/** dst = the 64-bit constant (lo, hi). */
export function emitConst(w: ByteWriter, d: number, lo: number, hi: number): void {
  w.u8(OP.i64_const).sleb64(lo, hi);
  set(w, d);
}

const CMP64: Record<number, number> = {
  [BPF_JEQ]: OP.i64_eq,
  [BPF_JNE]: OP.i64_ne,
  [BPF_JGT]: OP.i64_gt_u,
  [BPF_JGE]: OP.i64_ge_u,
  [BPF_JLT]: OP.i64_lt_u,
  [BPF_JLE]: OP.i64_le_u,
  [BPF_JSGT]: OP.i64_gt_s,
  [BPF_JSGE]: OP.i64_ge_s,
  [BPF_JSLT]: OP.i64_lt_s,
  [BPF_JSLE]: OP.i64_le_s,
};

const CMP32: Record<number, number> = {
  [BPF_JEQ]: OP.i32_eq,
  [BPF_JNE]: OP.i32_ne,
  [BPF_JGT]: OP.i32_gt_u,
  [BPF_JGE]: OP.i32_ge_u,
  [BPF_JLT]: OP.i32_lt_u,
  [BPF_JLE]: OP.i32_le_u,
  [BPF_JSGT]: OP.i32_gt_s,
  [BPF_JSGE]: OP.i32_ge_s,
  [BPF_JSLT]: OP.i32_lt_s,
  [BPF_JSLE]: OP.i32_le_s,
};

/** Pushes the i32 truth value of a conditional jump's comparison. */
export function emitCondition(w: ByteWriter, form: JitForm, d: number, s: number, k: number): void {
  if (form.is64) {
    get(w, d);
    if (form.x) get(w, s);
    else i64c(w, k);
    if (form.op === BPF_JSET) w.u8(OP.i64_and).u8(OP.i64_eqz).u8(OP.i32_eqz);
    else w.u8(CMP64[form.op]!);
  } else {
    get32(w, d);
    if (form.x) get32(w, s);
    else i32c(w, k);
    if (form.op === BPF_JSET) w.u8(OP.i32_and).u8(OP.i32_eqz).u8(OP.i32_eqz);
    else w.u8(CMP32[form.op]!);
  }
}
