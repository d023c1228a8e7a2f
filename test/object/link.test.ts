import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formOf } from '../../src/isa/forms.js';
import { slotIndexes } from '../../src/isa/instruction.js';
import type { ProgramSpec } from '../../src/object/types.js';
import { HelperTable } from '../../src/vm/helper.js';
import { MemoryRunner } from '../../src/vm/run-memory.js';
import { fixtureNames, loadFixture } from './fixtures.js';

/** Every local call of a linked program lands on the first instruction of one of its functions. */
function checkCalls(p: ProgramSpec): void {
  const slots = slotIndexes(p.instructions);
  const starts = new Set(p.functions!.map((f) => slots[f.insn]));
  p.instructions.forEach((insn, i) => {
    const form = formOf(insn);
    if (form?.kind === 'call_local' || (insn.opcode === 0x18 && insn.src === 4)) {
      const target = slots[i]! + insn.imm + 1;
      assert.ok(starts.has(target), `${p.name}: insn ${i} calls slot ${target}, not a function start`);
    }
  });
}

const input = (a: number, b: number, c: number): Uint8Array => {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, a, true);
  view.setInt32(4, b, true);
  view.setInt32(8, c, true);
  return bytes;
};

describe('linking subprograms', () => {
  it('appends reachable subprograms depth first, as libbpf does', () => {
    const spec = loadFixture('globals');
    const sum = spec.programs.find((p) => p.name === 'sum')!;
    assert.deepEqual(
      sum.functions!.map((f) => f.name),
      ['sum', 'add_squares', 'square', 'triple'],
    );
    const tweak = spec.programs.find((p) => p.name === 'tweak')!;
    assert.deepEqual(
      tweak.functions!.map((f) => f.name),
      ['tweak', 'square'],
    );
  });

  it('func_info starts each linked function and line_info stays inside the program', () => {
    for (const name of fixtureNames()) {
      for (const p of loadFixture(name).programs) {
        if (p.funcInfo.length === 0) continue;
        assert.deepEqual(
          p.funcInfo.map((f) => f.insn),
          p.functions!.map((f) => f.insn),
          `${name}/${p.name}`,
        );
        for (const l of p.lineInfo) assert.ok(l.insn >= 0 && l.insn < p.instructions.length);
        for (let i = 1; i < p.lineInfo.length; i++) assert.ok(p.lineInfo[i]!.insn >= p.lineInfo[i - 1]!.insn);
      }
    }
  });

  it('every call of every fixture program lands on a linked function', () => {
    for (const name of fixtureNames()) for (const p of loadFixture(name).programs) checkCalls(p);
  });

  it('runs the linked program: a² + b² + 3c through a global and two static subprograms', () => {
    const sum = loadFixture('globals').programs.find((p) => p.name === 'sum')!;
    const runner = new MemoryRunner(sum.instructions, new HelperTable());
    for (const [a, b, c] of [
      [1, 2, 3],
      [7, -4, 100],
      [0, 0, 0],
      [1000, 3, -5],
    ] as const) {
      const result = runner.run(input(a, b, c));
      assert.equal(BigInt.asIntN(32, result.r0), BigInt(a * a + b * b + 3 * c), `${a} ${b} ${c}`);
    }
  });
});
