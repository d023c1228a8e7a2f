import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BTF_VAR_STATIC, BtfKind, btfFromElf, fixupDatasecs } from '../../src/btf/index.js';
import { findSection, readElf, STT_OBJECT } from '../../src/elf/index.js';
import { fixture } from './helpers.js';

describe('fixupDatasecs', () => {
  for (const name of ['maps.o', 'kinds.o', 'kinds.eb.o']) {
    it(`gives every DATASEC of ${name} its ELF section size and its variables their symbol offsets`, () => {
      const elf = readElf(fixture(name), { name });
      const btf = btfFromElf(elf);
      fixupDatasecs(btf, elf);
      let datasecs = 0;
      for (const t of btf.types()) {
        if (t.kind !== BtfKind.Datasec) continue;
        datasecs++;
        const section = findSection(elf, t.name)!;
        assert.equal(t.size, section.size, `${t.name} size`);
        const offsets = t.vars.map((v) => v.offset);
        assert.deepEqual(
          offsets,
          [...offsets].sort((a, b) => a - b),
          `${t.name} sorted by offset`,
        );
        for (const v of t.vars) {
          const symbol = elf.symbols.find((s) => s.type === STT_OBJECT && s.name === btf.name(v.type))!;
          assert.equal(v.offset, symbol.value, `${btf.name(v.type)} offset`);
          assert.equal(v.size, symbol.size, `${btf.name(v.type)} size`);
        }
      }
      assert.ok(datasecs >= 4);
    });
  }

  it('orders .bss by offset: total_events (0) before last_pid (8)', () => {
    const elf = readElf(fixture('maps.o'));
    const btf = btfFromElf(elf);
    fixupDatasecs(btf, elf);
    const bss = btf.type(btf.find('.bss', BtfKind.Datasec)!);
    assert.ok(bss.kind === BtfKind.Datasec);
    assert.deepEqual(
      bss.vars.map((v) => [btf.name(v.type), v.offset, v.size]),
      [
        ['total_events', 0, 8],
        ['last_pid', 8, 4],
      ],
    );
  });

  it('marks hidden globals static, like libbpf', () => {
    const elf = readElf(fixture('maps.o'));
    const sym = elf.symbols.find((s) => s.name === 'last_pid')!;
    sym.visibility = 2; // STV_HIDDEN
    const btf = btfFromElf(elf);
    fixupDatasecs(btf, elf);
    const v = btf.type(btf.find('last_pid', BtfKind.Var)!);
    assert.ok(v.kind === BtfKind.Var && v.linkage === BTF_VAR_STATIC);
  });

  it('fails with a BtfError when a section or symbol is missing', () => {
    const elf = readElf(fixture('maps.o'), { name: 'maps.o' });
    const btf = btfFromElf(elf);
    const renamed = { ...elf, sections: elf.sections.map((s) => (s.name === '.bss' ? { ...s, name: '.bss2' } : s)) };
    assert.throws(
      () => fixupDatasecs(btf, renamed),
      /maps\.o: \.BTF: type \[\d+\] at offset 0x[0-9a-f]+: DATASEC '\.bss': no ELF section/,
    );
    const btf2 = btfFromElf(elf);
    const noSyms = { ...elf, symbols: elf.symbols.filter((s) => s.name !== 'banner') };
    assert.throws(() => fixupDatasecs(btf2, noSyms), /DATASEC '\.data': no ELF symbol for VAR 'banner'/);
  });
});
