import fc from 'fast-check';
import { FORMS } from '../../src/isa/forms.js';
import type { Instruction } from '../../src/isa/instruction.js';
import { fieldUse } from '../../src/isa/validate.js';

/** Random valid ALU-family instructions (alu, neg, end, movsx) on r0..r9, with edge-case immediates. */
export const arbAluInsn: fc.Arbitrary<Instruction> = fc
  .record({
    form: fc.constantFrom(...FORMS.filter((f) => ['alu', 'neg', 'end', 'movsx'].includes(f.kind))),
    dst: fc.integer({ min: 0, max: 9 }),
    src: fc.integer({ min: 0, max: 9 }),
    imm: fc.oneof(
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      fc.constantFrom(0, 1, -1, 31, 32, 63, 64, -0x80000000),
    ),
  })
  .map(({ form, dst, src, imm }): Instruction => {
    const use = fieldUse(form);
    const insn: Instruction = { opcode: form.opcode, dst, src: use.src ? src : 0, off: 0, imm: use.imm ? imm : 0 };
    if (form.match) insn[form.match.field] = form.match.value;
    return insn;
  });

/** Random 64-bit register values, biased towards the edges. */
export const arbU64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, 1n << 63n, (1n << 64n) - 1n, 0x80000000n, 0xffffffffn),
);
