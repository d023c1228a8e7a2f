/**
 * End to end with the object loader: `loadObjectSpec` reads the CO-RE fixture into ProgramSpecs, and
 * `applyCoreRelocations` relocates them in place against the hand-built shifted target, keeping the loader's
 * map references on their lddw instructions when poisoned lddws grow by a slot.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { applyCoreRelocations, CoreCandidateCache } from '../../src/btf/core.js';
import { slotIndexes } from '../../src/isa/index.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { CORE_FIXTURES, loadCoreFixture } from './core-fixture.js';
import { buildShiftedTarget } from './core-target.js';

describe('CO-RE on ProgramSpecs from loadObjectSpec', () => {
  it('relocates the loaded programs exactly as the section-level reading does', () => {
    const file = `${CORE_FIXTURES}/core.bpf.o`;
    const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { name: file });
    assert.ok(spec.btf);
    const target = buildShiftedTarget().btf;
    const cache = new CoreCandidateCache(target);
    const direct = loadCoreFixture();
    for (const name of ['read_task', 'read_types']) {
      const program = spec.programs.find((p) => p.name === name);
      assert.ok(program, name);
      const mapRefsBefore = program.mapReferences.map((r) => program.instructions[r.insn]!.opcode);
      const slots = slotIndexes(program.instructions).at(-1);
      const report = applyCoreRelocations(program, spec.btf, target, { cache });
      const reference = applyCoreRelocations(
        direct.programs.find((p) => p.name === name)!,
        direct.btf,
        buildShiftedTarget().btf,
      );
      assert.deepEqual(
        report.relocations.map((r) => [r.pc, r.kindName, r.access, r.targetValue, r.poisoned]),
        reference.relocations.map((r) => [r.pc, r.kindName, r.access, r.targetValue, r.poisoned]),
      );
      assert.equal(slotIndexes(program.instructions).at(-1), slots);
      assert.deepEqual(
        program.mapReferences.map((r) => program.instructions[r.insn]!.opcode),
        mapRefsBefore,
        'map references still name their lddw',
      );
    }
  });
});
