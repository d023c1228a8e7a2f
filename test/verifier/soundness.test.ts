import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { verifyProgram } from '../../src/verifier/index.js';
import { VmFault } from '../../src/vm/fault.js';
import { assembleRandom, randomInput, randomProgram, runXdp } from './random-programs.js';

test('soundness: every random program tsbpf accepts runs in the VM without a memory fault', () => {
  let accepted = 0;
  fc.assert(
    fc.property(randomProgram, fc.array(randomInput, { minLength: 3, maxLength: 3 }), (text, inputs) => {
      const insns = assembleRandom(text);
      const result = verifyProgram(insns, { progType: 'xdp' });
      if (result.verdict !== 'accepted') return;
      accepted++;
      for (const input of inputs) {
        try {
          runXdp(insns, input);
        } catch (err) {
          if (err instanceof VmFault) assert.fail(`accepted program faulted: ${err.message}\n${text}`);
          throw err;
        }
      }
    }),
    { numRuns: 200 },
  );
  // the generator must produce accepted programs, or the property says nothing
  assert.ok(accepted >= 40, `only ${accepted} of 200 random programs were accepted`);
});
