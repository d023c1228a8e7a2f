import { checkInstruction } from '../isa/decode.js';
import { formOf, type InsnForm } from '../isa/forms.js';
import type { Instruction } from '../isa/instruction.js';
import { LDDW_OPCODE } from '../isa/opcodes.js';

/**
 * A program laid out by slot for fast execution: parallel typed arrays indexed by pc. `code` is the opcode byte for
 * forms that the opcode alone identifies, and a derived code >= 0x100 for the opcodes shared by several forms
 * (signed division and modulo, sign-extending moves, byte swaps, atomics, call variants), so one switch on `code`
 * executes the program. The second slot of an lddw holds SLOT_LDDW_TAIL.
 */
export interface Predecoded {
  readonly length: number;
  readonly code: Uint16Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int32Array;
  readonly imm: Int32Array;
  /** Upper 32 bits of lddw constants (at the lddw's pc). */
  readonly immHi: Int32Array;
  readonly forms: (InsnForm | undefined)[];
  /** code | dst << 17 | src << 21 (dst and src doubled: indexes into a register file of 32-bit halves). */
  readonly packed: Int32Array;
}

export const SLOT_LDDW_TAIL = 0xffff;
export const SLOT_INVALID = 0xfffe;

/** Derived codes for forms an opcode byte does not identify alone. */
export const CODE = {
  SDIV32_K: 0x100,
  SDIV32_X: 0x101,
  SMOD32_K: 0x102,
  SMOD32_X: 0x103,
  SDIV64_K: 0x104,
  SDIV64_X: 0x105,
  SMOD64_K: 0x106,
  SMOD64_X: 0x107,
  MOVSX32: 0x108,
  MOVSX64: 0x109,
  LE: 0x10a,
  BE: 0x10b,
  BSWAP: 0x10c,
  ATOMIC32: 0x10d,
  ATOMIC64: 0x10e,
  CALL_HELPER: 0x10f,
  CALL_LOCAL: 0x110,
  CALL_KFUNC: 0x111,
} as const;

function codeOf(form: InsnForm): number {
  switch (form.kind) {
    case 'alu':
      if (!form.signed) return form.opcode;
      if (form.op === 0x30)
        return form.is64 ? (form.x ? CODE.SDIV64_X : CODE.SDIV64_K) : form.x ? CODE.SDIV32_X : CODE.SDIV32_K;
      return form.is64 ? (form.x ? CODE.SMOD64_X : CODE.SMOD64_K) : form.x ? CODE.SMOD32_X : CODE.SMOD32_K;
    case 'movsx':
      return form.is64 ? CODE.MOVSX64 : CODE.MOVSX32;
    case 'end':
      return form.op === -1 ? CODE.BSWAP : form.op === 0 ? CODE.LE : CODE.BE;
    case 'atomic':
      return form.size === 4 ? CODE.ATOMIC32 : CODE.ATOMIC64;
    case 'call':
      return CODE.CALL_HELPER;
    case 'call_local':
      return CODE.CALL_LOCAL;
    case 'call_kfunc':
      return CODE.CALL_KFUNC;
    default:
      return form.opcode;
  }
}

/**
 * Lays instructions out by slot. With `validate` (the default) every instruction must be a valid form (IsaError
 * otherwise); without it, an invalid encoding becomes SLOT_INVALID and faults when executed.
 */
export function predecode(insns: readonly Instruction[], validate = true): Predecoded {
  let slots = 0;
  for (const insn of insns) slots += insn.opcode === LDDW_OPCODE ? 2 : 1;
  const out: Predecoded = {
    length: slots,
    code: new Uint16Array(slots),
    dst: new Uint8Array(slots),
    src: new Uint8Array(slots),
    off: new Int32Array(slots),
    imm: new Int32Array(slots),
    immHi: new Int32Array(slots),
    forms: new Array(slots),
    packed: new Int32Array(slots),
  };
  let pc = 0;
  for (const insn of insns) {
    const form = validate ? checkInstruction(insn, pc) : formOf(insn);
    out.forms[pc] = form;
    out.code[pc] = form ? codeOf(form) : SLOT_INVALID;
    out.dst[pc] = insn.dst;
    out.src[pc] = insn.src;
    out.off[pc] = insn.off;
    out.imm[pc] = insn.imm;
    out.packed[pc] = out.code[pc]! | ((insn.dst & 0xf) << 17) | ((insn.src & 0xf) << 21);
    if (insn.opcode === LDDW_OPCODE) {
      out.immHi[pc] = insn.nextImm ?? 0;
      pc++;
      out.code[pc] = SLOT_LDDW_TAIL;
      out.packed[pc] = SLOT_LDDW_TAIL;
    }
    pc++;
  }
  return out;
}
