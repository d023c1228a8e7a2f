import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BtfKind, formatBtfC, formatBtfRaw, parseBtf } from '../../src/btf/index.js';
import { BtfBuilder } from './builder.js';
import { fixture, fixtureText } from './helpers.js';

/** Base: [1] int, [2] struct task { int pid; }. */
function base() {
  const b = new BtfBuilder();
  b.add(b.int('int', 4, true));
  b.add(b.struct('task', 4, [['pid', 1, 0]]));
  return parseBtf(b.build(), { file: 'vmlinux' });
}

describe('split BTF', () => {
  const vmlinux = base();
  const m = new BtfBuilder(vmlinux.strings.end);
  m.add(m.ref(BtfKind.Ptr, 2)); // [3] task *
  m.add(
    m.struct('mod_state', 16, [
      ['owner', 3, 0],
      ['count', 1, 64],
    ]),
  ); // [4]
  m.add(m.ref(BtfKind.Typedef, 4, 'mod_state_t')); // [5]
  const moduleBytes = m.build();

  it('continues the base type ids and string offsets', () => {
    const mod = parseBtf(moduleBytes, { base: vmlinux, file: 'mod' });
    assert.equal(mod.firstId, 3);
    assert.equal(mod.typeCount, 6);
    assert.equal(mod.name(2), 'task');
    assert.equal(mod.name(4), 'mod_state');
    assert.equal(mod.memberName(4, 0), 'owner');
    assert.equal(mod.memberName(2, 0), 'pid'); // a base type through the split
    assert.equal(mod.resolve(5), 4);
    assert.equal(mod.sizeof(5), 16);
    assert.deepEqual(mod.findByName('task'), [2]);
    assert.equal(mod.memberOffset(5, 'count').bitOffset, 64);
  });

  it('dumps only its own types in raw format, everything in C', () => {
    const mod = parseBtf(moduleBytes, { base: vmlinux });
    assert.equal(
      formatBtfRaw(mod),
      "[3] PTR '(anon)' type_id=2\n" +
        "[4] STRUCT 'mod_state' size=16 vlen=2\n\t'owner' type_id=3 bits_offset=0\n\t'count' type_id=1 bits_offset=64\n" +
        "[5] TYPEDEF 'mod_state_t' type_id=4\n",
    );
    const c = formatBtfC(mod);
    assert.match(
      c,
      /struct task \{\n\tint pid;\n\};\n\nstruct mod_state \{\n\tstruct task \*owner;\n\tint count;\n\};\n\ntypedef struct mod_state mod_state_t;\n/,
    );
  });

  it('rejects ids and string offsets beyond base plus split', () => {
    const bad = new BtfBuilder(vmlinux.strings.end);
    bad.add(bad.ref(BtfKind.Ptr, 4));
    assert.throws(
      () => parseBtf(bad.build(), { base: vmlinux, file: 'mod' }),
      /mod: \.BTF: type \[3\].*type id 4 out of range \(last id is 3\)/,
    );
    assert.throws(
      () => parseBtf(moduleBytes),
      /string section does not start with an empty string|outside the string section/,
    );
  });

  it("equals bpftool's dumps of the recorded split BTF fixture (bpftool -B base)", () => {
    const fixtureBase = parseBtf(fixture('split-base.btf'));
    const mod = parseBtf(fixture('split-module.btf'), { base: fixtureBase });
    assert.equal(formatBtfRaw(mod), fixtureText('split-module.raw.txt'));
    assert.equal(formatBtfC(mod), fixtureText('split-module.h.txt'));
  });
});
