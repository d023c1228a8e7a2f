/**
 * The assembler's view of the opcode table: find the form a piece of syntax denotes, and build its instruction
 * with the form's discriminating field (sdiv's off 1, be16's imm 16, a local call's src 1) filled in.
 */
import { FORMS, type InsnForm } from './forms.js';
import type { Instruction } from './instruction.js';

/** The first form satisfying `pred`, or undefined. */
export function findForm(pred: (form: InsnForm) => boolean): InsnForm | undefined {
  return FORMS.find(pred);
}

/** An instruction of `form` with the given operand fields (others zero). */
export function build(form: InsnForm, fields: Partial<Omit<Instruction, 'opcode'>> = {}): Instruction {
  const insn: Instruction = { opcode: form.opcode, dst: 0, src: 0, off: 0, imm: 0, ...fields };
  if (form.match) insn[form.match.field] = form.match.value;
  if (form.kind === 'lddw') insn.nextImm = fields.nextImm ?? 0;
  return insn;
}
