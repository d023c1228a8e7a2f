import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConformanceFile } from '../../src/conformance/data-file.js';
import { conformanceHelpers, runConformanceTest } from '../../src/conformance/run.js';
import { assemble } from '../../src/isa/asm.js';
import { JitMemoryRunner } from '../../src/jit/run-memory.js';
import { MemoryRunner } from '../../src/vm/run-memory.js';

const DIR = '../shared/conformance';

describe('JIT: the bpf_conformance suite', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.data'))
    .sort();
  const tests = files.map((f) => parseConformanceFile(readFileSync(`${DIR}/${f}`, 'utf8'), f));
  const asm = (text: string) => assemble(text, { syntax: 'ubpf', allowLargeShifts: true }).insns;

  it('passes every file the interpreter passes, with the same r0 or the same error', async () => {
    const helpers = conformanceHelpers();
    const failures: string[] = [];
    let passed = 0;
    for (const test of tests) {
      const jit = await runConformanceTest(
        test,
        asm,
        (insns, mem) => new JitMemoryRunner(insns, helpers, mem.length).run(mem).r0,
      );
      const vm = await runConformanceTest(
        test,
        asm,
        (insns, mem) => new MemoryRunner(insns, helpers, mem.length).run(mem).r0,
      );
      if (jit.status === 'passed') passed++;
      if (jit.status !== vm.status || jit.got !== vm.got || jit.error !== vm.error) {
        failures.push(`${test.name}: jit ${JSON.stringify(jit)} vm ${JSON.stringify(vm)}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(passed >= tests.length - 1, `${passed} of ${tests.length} passed`);
  });
});
