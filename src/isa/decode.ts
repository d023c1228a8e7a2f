import { IsaError } from './errors.js';
import { FORMS_BY_OPCODE, formOf, type InsnForm } from './forms.js';
import type { Instruction } from './instruction.js';
import { LDDW_OPCODE } from './opcodes.js';
import { fieldProblem, unknownFormReason } from './validate.js';

export interface DecodeOptions {
  /** Byte order of the encoding (default little endian). Big-endian objects swap the register nibbles too. */
  littleEndian?: boolean;
  /** Check that every instruction is a valid form with its reserved fields clear (default true). */
  validate?: boolean;
  /** Check that every jump lands on an instruction inside the program (default true, needs `validate`). */
  checkJumps?: boolean;
}

/** Reads one 8-byte slot without validating it. */
export function readSlot(view: DataView, byteOffset: number, littleEndian = true): Instruction {
  const regs = view.getUint8(byteOffset + 1);
  return {
    opcode: view.getUint8(byteOffset),
    dst: littleEndian ? regs & 0x0f : regs >> 4,
    src: littleEndian ? regs >> 4 : regs & 0x0f,
    off: view.getInt16(byteOffset + 2, littleEndian),
    imm: view.getInt32(byteOffset + 4, littleEndian),
  };
}

/**
 * Decodes a program: a sequence of 8-byte slots, lddw taking two. Throws `IsaError` naming the byte offset of the
 * first invalid slot: unknown opcode, reserved field set, bad register, lddw missing or with a malformed second
 * slot, a jump out of the program or into the middle of an lddw.
 */
export function decodeProgram(bytes: Uint8Array, options: DecodeOptions = {}): Instruction[] {
  const littleEndian = options.littleEndian ?? true;
  const validate = options.validate ?? true;
  if (bytes.length % 8 !== 0) {
    const whole = bytes.length - (bytes.length % 8);
    throw new IsaError(`truncated program: ${bytes.length} bytes is not a multiple of 8`, whole / 8, whole);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slots = bytes.length / 8;
  const insns: Instruction[] = [];
  for (let pc = 0; pc < slots; pc++) {
    const insn = readSlot(view, pc * 8, littleEndian);
    if (insn.opcode === LDDW_OPCODE) {
      if (pc + 1 >= slots) throw new IsaError('lddw without its second slot', pc);
      const next = readSlot(view, (pc + 1) * 8, littleEndian);
      if (validate && (next.opcode !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0)) {
        throw new IsaError('second slot of lddw must be zero except imm', pc + 1);
      }
      insn.nextImm = next.imm;
      if (validate) checkInstruction(insn, pc);
      insns.push(insn);
      pc++;
      continue;
    }
    if (validate) checkInstruction(insn, pc);
    insns.push(insn);
  }
  if (validate && (options.checkJumps ?? true)) checkJumpTargets(insns);
  return insns;
}

/** The form of an instruction, or an IsaError saying why it has none or misuses its fields. */
export function checkInstruction(insn: Instruction, pc: number): InsnForm {
  const form = formOf(insn);
  if (!form) throw new IsaError(unknownFormReason(insn, FORMS_BY_OPCODE[insn.opcode & 0xff]!), pc);
  const problem = fieldProblem(form, insn);
  if (problem) throw new IsaError(problem, pc);
  return form;
}

/** Slot-relative target of a jump or local call, or undefined for other instructions. */
export function branchTarget(insn: Instruction, form: InsnForm, pc: number): number | undefined {
  switch (form.kind) {
    case 'ja':
    case 'jcond':
      return pc + 1 + insn.off;
    case 'ja32':
    case 'call_local':
      return pc + 1 + insn.imm;
    default:
      return undefined;
  }
}

/** Checks that every jump and local call lands on the first slot of an instruction of the program. */
export function checkJumpTargets(insns: readonly Instruction[]): void {
  let slots = 0;
  const starts: boolean[] = [];
  for (const insn of insns) {
    starts[slots] = true;
    slots += insn.opcode === LDDW_OPCODE ? 2 : 1;
  }
  let pc = 0;
  for (const insn of insns) {
    const form = formOf(insn);
    const target = form && branchTarget(insn, form, pc);
    if (target !== undefined) {
      if (target < 0 || target >= slots) {
        throw new IsaError(`jump to ${target} is out of range (program has ${slots} slots)`, pc);
      }
      if (!starts[target]) throw new IsaError(`jump to ${target} lands in the middle of lddw`, pc);
    }
    pc += insn.opcode === LDDW_OPCODE ? 2 : 1;
  }
}
