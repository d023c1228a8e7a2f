import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeObject } from '../../src/object/summary.js';
import { expectations, fixtureNames, loadFixture } from './fixtures.js';

/** libbpf's skeleton identifiers: a map's name with every character that is not alphanumeric made '_', sans dot. */
const skeletonIdent = (name: string): string => name.replace(/^\./, '').replace(/[^A-Za-z0-9_]/g, '_');

describe('fixture objects agree with llvm-objdump and bpftool', () => {
  const names = fixtureNames();
  it('has the fixtures the assignment lists', () => {
    for (const n of ['execve', 'unlink', 'signals', 'sockex', 'bitesize', 'xdp_parse', 'globals', 'tailcall']) {
      assert.ok(names.includes(n), n);
    }
    assert.ok(names.length >= 12);
  });
  for (const name of names) {
    describe(name, () => {
      const spec = loadFixture(name);
      const expect = expectations(name);
      const summary = summarizeObject(spec);
      it('programs are the functions of SEC() sections, in libbpf order', () => {
        const entries = expect.functions.filter((f) => f.section !== '.text');
        const bySection = [...entries].sort((a, b) => {
          const ia = expect.sections.findIndex((s) => s.name === a.section);
          const ib = expect.sections.findIndex((s) => s.name === b.section);
          return ia - ib || a.offset - b.offset;
        });
        assert.deepEqual(
          summary.programs.map((p) => [p.name, p.section]),
          bySection.map((f) => [f.name, f.section]),
        );
        if (expect.skeleton)
          assert.deepEqual(
            summary.programs.map((p) => p.name),
            expect.skeleton.programs,
          );
      });
      it('instruction counts are the entry plus the subprograms linked in (llvm-objdump symbol sizes)', () => {
        for (const p of summary.programs) {
          const sizes = p.functions.map((fn) => {
            const f = expect.functions.find((x) => x.name === fn);
            assert.ok(f, `${fn} in llvm-objdump's symbol table`);
            return f.insns;
          });
          assert.equal(
            p.insns,
            sizes.reduce((a, b) => a + b, 0),
            p.name,
          );
          assert.equal(p.functions[0], p.name);
        }
      });
      it('maps match the skeleton', { skip: expect.skeleton === null && expect.skeletonError }, () => {
        assert.deepEqual(
          summary.maps.map((m) => skeletonIdent(m.name)),
          expect.skeleton!.maps,
        );
      });
      it('global data maps have the size of their sections', () => {
        for (const m of spec.maps.filter((x) => x.globalData && x.globalData !== '.kconfig')) {
          const section = expect.sections.find((s) => s.name === m.name);
          assert.ok(section, m.name);
          assert.equal(m.valueSize, section.size);
          assert.equal(m.initialData?.length, section.size);
        }
      });
      it('every map reference names a map of the object', () => {
        const maps = new Set(spec.maps.map((m) => m.name));
        for (const p of spec.programs) {
          for (const r of p.mapReferences) {
            assert.ok(maps.has(r.map), r.map);
            const insn = p.instructions[r.insn]!;
            assert.equal(insn.opcode, 0x18);
            assert.equal(insn.src, r.kind === 'map' ? 1 : 2);
            assert.equal(insn.imm, 0);
          }
        }
      });
      it('license is GPL', () => assert.equal(spec.license, 'GPL'));
    });
  }
});
