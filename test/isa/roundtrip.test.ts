import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assemble, disassemble } from '../../src/isa/asm.js';
import { decodeProgram } from '../../src/isa/decode.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { FORMS } from '../../src/isa/forms.js';
import { arbInstructionOf, arbProgram } from './arbitrary.js';

describe('round trips over random valid instructions', () => {
  it('decode(encode(x)) == x for every form', () => {
    for (const form of FORMS) {
      fc.assert(
        fc.property(arbInstructionOf(form), (insn) => {
          assert.deepEqual(decodeProgram(encodeProgram([insn]), { checkJumps: false }), [insn]);
        }),
        { numRuns: 40 },
      );
    }
  });

  for (const syntax of ['llvm', 'ubpf'] as const) {
    it(`assemble(disassemble(x)) gives the same bytes in the ${syntax} syntax, every form`, () => {
      for (const form of FORMS) {
        fc.assert(
          fc.property(arbInstructionOf(form), (insn) => {
            const text = disassemble([insn], { syntax }).join('\n');
            const bytes = encodeProgram(assemble(text, { syntax, allowLargeShifts: true }).insns);
            assert.deepEqual(bytes, encodeProgram([insn]), text);
          }),
          { numRuns: 40 },
        );
      }
    });

    it(`assembles disassembled whole programs back to the same bytes (${syntax}, jumps in range)`, () => {
      fc.assert(
        fc.property(arbProgram, (insns) => {
          const bytes = encodeProgram(insns);
          assert.deepEqual(decodeProgram(bytes), insns);
          const text = disassemble(insns, { syntax }).join('\n');
          assert.deepEqual(encodeProgram(assemble(text, { syntax, allowLargeShifts: true }).insns), bytes, text);
        }),
        { numRuns: 300 },
      );
    });
  }
});
