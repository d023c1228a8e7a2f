import type { InsnForm } from './forms.js';
import type { Instruction } from './instruction.js';
import { MAX_REG } from './opcodes.js';

/**
 * Which fields an instruction form reads. Any field not read must be zero (the kernel rejects reserved fields
 * that are set: "BPF_ALU uses reserved fields" and friends).
 */
interface FieldUse {
  dst: boolean;
  src: boolean;
  off: boolean;
  imm: boolean;
}

export function fieldUse(form: InsnForm): FieldUse {
  const matchField = form.match?.field;
  const use = (dst: boolean, src: boolean, off: boolean, imm: boolean): FieldUse => ({
    dst,
    src: src || matchField === 'src',
    off: off || matchField === 'off',
    imm: imm || matchField === 'imm',
  });
  switch (form.kind) {
    case 'alu':
      return use(true, form.x, false, !form.x);
    case 'neg':
      return use(true, false, false, false);
    case 'movsx':
      return use(true, true, false, false);
    case 'end':
      return use(true, false, false, false);
    case 'ldx':
      return use(true, true, true, false);
    case 'st':
      return use(true, false, true, true);
    case 'stx':
    case 'atomic':
      return use(true, true, true, false);
    case 'lddw':
      return use(true, true, false, true);
    case 'ja':
      return use(false, false, true, false);
    case 'ja32':
      return use(false, false, false, true);
    case 'jcond':
      return use(true, form.x, true, !form.x);
    case 'call':
    case 'call_local':
    case 'call_kfunc':
      return use(false, false, false, true);
    case 'callx':
      return use(true, false, false, false);
    case 'exit':
      return use(false, false, false, false);
    case 'ld_abs':
      return use(false, false, false, true);
    case 'ld_ind':
      return use(false, true, false, true);
  }
}

/** Why an instruction's fields don't fit its form, or undefined when they do. */
export function fieldProblem(form: InsnForm, insn: Instruction): string | undefined {
  const use = fieldUse(form);
  if (insn.dst > MAX_REG) return `invalid destination register r${insn.dst}`;
  if (insn.src > MAX_REG && use.src && form.kind !== 'lddw') return `invalid source register r${insn.src}`;
  if (!use.dst && insn.dst !== 0) return `reserved dst field is ${insn.dst}, must be 0`;
  if (!use.src && insn.src !== 0) return `reserved src field is ${insn.src}, must be 0`;
  if (!use.off && insn.off !== 0) return `reserved off field is ${insn.off}, must be 0`;
  if (!use.imm && insn.imm !== 0) return `reserved imm field is ${insn.imm}, must be 0`;
  if (form.kind === 'lddw' && insn.src > 6) return `lddw with unknown pseudo source ${insn.src}`;
  return undefined;
}

/** Describes why no form matches the opcode and discriminating field. */
export function unknownFormReason(insn: Instruction, candidates: readonly InsnForm[]): string {
  const hex = `0x${insn.opcode.toString(16).padStart(2, '0')}`;
  if (candidates.length === 0) return `unknown opcode ${hex}`;
  const field = candidates.find((f) => f.match)?.match?.field;
  if (!field) return `unknown opcode ${hex}`;
  const allowed = candidates
    .filter((f) => f.match)
    .map((f) => f.match!.value)
    .join(', ');
  return `opcode ${hex} with ${field} ${insn[field]} (expected ${field} ${allowed})`;
}
