import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ElfError,
  EM_BPF,
  findSection,
  R_BPF_64_32,
  R_BPF_64_64,
  readElf,
  relocationsFor,
  SHT_NOBITS,
  SHT_PROGBITS,
  STB_GLOBAL,
  STT_FUNC,
  STT_OBJECT,
  symbolsIn,
} from '../../src/elf/index.js';
import { InputError } from '../../src/errors.js';

function load(name: string): Uint8Array {
  const b = readFileSync(`test/fixtures/btf/${name}`);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Section names in order, as `llvm-objdump -h test/fixtures/btf/maps.o` lists them. */
const MAPS_SECTIONS = [
  '',
  '.strtab',
  '.text',
  'kprobe/do_sys_open',
  '.relkprobe/do_sys_open',
  'tracepoint/syscalls/sys_enter_execve',
  '.reltracepoint/syscalls/sys_enter_execve',
  '.bss',
  '.rodata',
  '.data',
  '.maps',
  'license',
  '.debug_loclists',
  '.debug_abbrev',
  '.debug_info',
  '.rel.debug_info',
  '.debug_rnglists',
  '.debug_str_offsets',
  '.rel.debug_str_offsets',
  '.debug_str',
  '.debug_addr',
  '.rel.debug_addr',
  '.BTF',
  '.rel.BTF',
  '.BTF.ext',
  '.rel.BTF.ext',
  '.debug_frame',
  '.rel.debug_frame',
  '.debug_line',
  '.rel.debug_line',
  '.debug_line_str',
  '.llvm_addrsig',
  '.symtab',
];

describe('readElf', () => {
  it('reads the section headers and names of a clang object', () => {
    const elf = readElf(load('maps.o'), { name: 'maps.o' });
    assert.equal(elf.machine, EM_BPF);
    assert.equal(elf.littleEndian, true);
    assert.deepEqual(
      elf.sections.map((s) => s.name),
      MAPS_SECTIONS,
    );
    const prog = findSection(elf, 'kprobe/do_sys_open')!;
    assert.equal(prog.type, SHT_PROGBITS);
    assert.equal(prog.size, 0x180);
    assert.equal(prog.data.length, 0x180);
    const bss = findSection(elf, '.bss')!;
    assert.equal(bss.type, SHT_NOBITS);
    assert.equal(bss.size, 12);
    assert.equal(bss.data.length, 0);
  });

  it('reads symbols with names, bindings and sections', () => {
    const elf = readElf(load('maps.o'));
    const byName = new Map(elf.symbols.map((s) => [s.name, s]));
    const traceOpen = byName.get('trace_open')!;
    assert.equal(traceOpen.type, STT_FUNC);
    assert.equal(traceOpen.bind, STB_GLOBAL);
    assert.equal(elf.sections[traceOpen.shndx]!.name, 'kprobe/do_sys_open');
    assert.equal(traceOpen.value, 0);
    assert.equal(traceOpen.size, 0x180);
    const maps = symbolsIn(elf, findSection(elf, '.maps')!).filter((s) => s.type === STT_OBJECT);
    assert.deepEqual(
      maps.map((s) => [s.name, s.value, s.size]),
      [
        ['events', 0, 32],
        ['counters', 32, 32],
        ['rb', 64, 16],
      ],
    );
  });

  it('reads REL relocations against map and function symbols', () => {
    const elf = readElf(load('maps.o'));
    const relocs = relocationsFor(elf, findSection(elf, 'kprobe/do_sys_open')!);
    assert.ok(relocs.length > 0);
    const names = relocs.map((r) => r.symbol.name);
    assert.ok(names.includes('events'));
    assert.ok(names.includes('counters'));
    for (const r of relocs) {
      assert.ok([R_BPF_64_64, R_BPF_64_32].includes(r.type), `type ${r.type}`);
      assert.equal(r.offset % 8, 0);
      assert.equal(r.addend, 0);
    }
    const rs = elf.relocationSections.find((s) => s.section.name === '.relkprobe/do_sys_open')!;
    assert.equal(rs.target.name, 'kprobe/do_sys_open');
    assert.equal(rs.relocations.length, rs.section.size / 16);
  });

  it('reads big-endian objects to the same sections and symbols', () => {
    const le = readElf(load('kinds.o'));
    const be = readElf(load('kinds.eb.o'));
    assert.equal(be.littleEndian, false);
    assert.deepEqual(
      be.sections.map((s) => [s.name, s.type, s.size]),
      le.sections.map((s) => [s.name, s.type, s.size]),
    );
    assert.deepEqual(
      be.symbols.map((s) => [s.name, s.value, s.size, s.bind, s.type]),
      le.symbols.map((s) => [s.name, s.value, s.size, s.bind, s.type]),
    );
    assert.deepEqual(
      be.relocationSections.map((r) => r.relocations.map((x) => [x.offset, x.type, x.symbol.name])),
      le.relocationSections.map((r) => r.relocations.map((x) => [x.offset, x.type, x.symbol.name])),
    );
  });

  it('accepts e_machine 0 (old LLVM) and rejects other machines', () => {
    const bytes = load('maps.o').slice();
    bytes[18] = 0;
    bytes[19] = 0;
    assert.equal(readElf(bytes).machine, 0);
    bytes[18] = 62; // EM_X86_64
    assert.throws(() => readElf(bytes, { name: 'x.o' }), /^ElfError: x\.o: e_machine 62 at offset 0x12/);
    assert.equal(readElf(bytes, { anyMachine: true }).machine, 62);
  });
});

describe('readElf on malformed input', () => {
  const maps = load('maps.o');
  const view = () => {
    const copy = maps.slice();
    return { copy, dv: new DataView(copy.buffer) };
  };

  it('names file, section and offset when section contents run past the end', () => {
    const { copy, dv } = view();
    const elf = readElf(maps);
    const text = findSection(elf, 'kprobe/do_sys_open')!;
    const hdr = Number(dv.getBigUint64(40, true)) + text.index * 64;
    dv.setBigUint64(hdr + 24, BigInt(copy.length - 0x10), true);
    const err = assert.throws(
      () => readElf(copy, { name: 'prog.o' }),
      (e: unknown) =>
        e instanceof ElfError &&
        e.message ===
          `prog.o: section kprobe/do_sys_open: offset 0x${(copy.length - 0x10).toString(16)} + size 0x180 past end of file (0x${copy.length.toString(16)} bytes)`,
    );
    void err;
  });

  it('rejects truncated files, bad magic, class and section tables', () => {
    assert.throws(() => readElf(maps.subarray(0, 10), { name: 'a.o' }), /a\.o: not an ELF file/);
    assert.throws(() => readElf(maps.subarray(0, 40), { name: 'a.o' }), /ELF header: offset 0x0 \+ size 0x40 past end/);
    assert.throws(
      () => readElf(maps.subarray(0, 0x200), { name: 'a.o' }),
      /section header table: offset 0x[0-9a-f]+ \+ size/,
    );
    const { copy } = view();
    copy[4] = 1;
    assert.throws(() => readElf(copy), /unsupported ELF class 1/);
    const bad = maps.slice();
    bad[0] = 0;
    assert.throws(() => readElf(bad), /bad magic/);
  });

  it('rejects out-of-range string table, symbol section and relocation symbol indices', () => {
    let { copy, dv } = view();
    dv.setUint16(62, 999, true);
    assert.throws(() => readElf(copy), /e_shstrndx 999 at offset 0x3e is not a section/);

    ({ copy, dv } = view());
    const elf = readElf(maps);
    const symtab = elf.sections.find((s) => s.name === '.symtab')!;
    dv.setUint16(symtab.offset + 24 + 6, 0xfe00, true); // symbol 1's st_shndx
    assert.throws(() => readElf(copy), /symbol 1 at offset 0x[0-9a-f]+: st_shndx 65024 is not a section/);

    ({ copy, dv } = view());
    const rel = elf.relocationSections[0]!.section;
    dv.setBigUint64(rel.offset + 8, (100000n << 32n) | 1n, true);
    assert.throws(() => readElf(copy), /relocation 0 at offset 0x[0-9a-f]+: symbol 100000 out of range/);
  });

  it('only ever returns a result or throws an InputError on mutated bytes', () => {
    const objects = [maps, load('kinds.eb.o')];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, edits, cut) => {
          const bytes = objects[which]!.slice();
          // Bias edits towards the header and section header table, where offsets live.
          const shoff = Number(new DataView(bytes.buffer).getBigUint64(40, bytes[5] === 1));
          for (const [pos, value] of edits) {
            const target = pos % 3 === 0 ? pos % 64 : pos % 3 === 1 ? shoff + (pos % (bytes.length - shoff)) : pos;
            bytes[target % bytes.length] = value;
          }
          const input = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
          try {
            readElf(input, { name: 'fuzz.o' });
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
