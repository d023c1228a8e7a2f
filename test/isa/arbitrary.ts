import fc from 'fast-check';
import { FORMS, type InsnForm } from '../../src/isa/forms.js';
import type { Instruction } from '../../src/isa/instruction.js';
import { fieldUse } from '../../src/isa/validate.js';

/** Integers in [min, max], biased toward the edges and small values where encodings tend to break. */
function edgy(min: number, max: number): fc.Arbitrary<number> {
  const edges = [min, max, 0, 1, -1, 8, -8, 0x7f, -0x80].filter((v) => v >= min && v <= max);
  return fc.oneof(fc.constantFrom(...edges), fc.integer({ min, max }));
}

const S16 = edgy(-0x8000, 0x7fff);
const S32 = edgy(-0x80000000, 0x7fffffff);
const REG = fc.integer({ min: 0, max: 10 });

/** A valid instruction of `form`: operand fields random, reserved fields zero, the discriminating field set. */
export function arbInstructionOf(form: InsnForm): fc.Arbitrary<Instruction> {
  const use = fieldUse(form);
  const zero = fc.constant(0);
  return fc
    .record({
      dst: use.dst ? REG : zero,
      src: form.kind === 'lddw' ? fc.integer({ min: 0, max: 6 }) : use.src ? REG : zero,
      off: use.off ? S16 : zero,
      imm: use.imm ? S32 : zero,
      nextImm: S32,
    })
    .map(({ nextImm, ...fields }) => {
      const insn: Instruction = { opcode: form.opcode, ...fields };
      if (form.match) insn[form.match.field] = form.match.value;
      if (form.kind === 'lddw') insn.nextImm = nextImm;
      return insn;
    });
}

/** A valid instruction of any form (every form equally likely). */
export const arbInstruction: fc.Arbitrary<Instruction> = fc
  .constantFrom(...FORMS)
  .chain((form) => arbInstructionOf(form));

/**
 * A valid program: random instructions whose jumps and local calls are re-aimed at instruction starts inside the
 * program (the random offset picks which one), so it passes decodeProgram's jump checks.
 */
export const arbProgram: fc.Arbitrary<Instruction[]> = fc
  .array(arbInstruction, { minLength: 1, maxLength: 40 })
  .map((insns) => {
    const starts: number[] = [];
    let slots = 0;
    for (const insn of insns) {
      starts.push(slots);
      slots += insn.opcode === 0x18 ? 2 : 1;
    }
    return insns.map((insn, i) => {
      const form = FORMS.find((f) => f.opcode === insn.opcode && (!f.match || insn[f.match.field] === f.match.value))!;
      const field =
        form.kind === 'ja' || form.kind === 'jcond'
          ? 'off'
          : form.kind === 'ja32' || form.kind === 'call_local'
            ? 'imm'
            : undefined;
      if (!field) return insn;
      const target = starts[Math.abs(insn[field]) % starts.length]!;
      return { ...insn, [field]: target - (starts[i]! + 1) };
    });
  });
