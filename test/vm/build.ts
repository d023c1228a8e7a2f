import { FORMS_BY_MNEMONIC } from '../../src/isa/forms.js';
import { type Instruction, lddw } from '../../src/isa/instruction.js';

/**
 * Builds an instruction by ubpf mnemonic: `I('add32', { dst: 1, imm: 5 })`, `I('jeq', { dst: 1, src: 2, off: 3 })`.
 * A `src` field selects the register form where an operation has both.
 */
export function I(
  mnemonic: string,
  fields: { dst?: number; src?: number; off?: number; imm?: number } = {},
): Instruction {
  const forms = FORMS_BY_MNEMONIC.get(mnemonic);
  if (!forms) throw new Error(`unknown mnemonic ${mnemonic}`);
  const wantX = fields.src !== undefined;
  const form = forms.find((f) => f.x === wantX) ?? forms[0]!;
  const insn: Instruction = {
    opcode: form.opcode,
    dst: fields.dst ?? 0,
    src: fields.src ?? 0,
    off: fields.off ?? 0,
    imm: fields.imm ?? 0,
  };
  if (form.match) insn[form.match.field] = form.match.value;
  return insn;
}

export { lddw };
export const EXIT = I('exit');
