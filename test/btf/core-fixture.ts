/**
 * The CO-RE fixture as programs: one `CoreProgram` per section of test/fixtures/core/core.bpf.o (each holds one
 * fully inlined function), read straight from the ELF with the relocations of .BTF.ext turned from byte offsets
 * into instruction indexes. This stands in for the object loader, which does the same for linked programs.
 */
import { readFileSync } from 'node:fs';
import type { Btf } from '../../src/btf/btf.js';
import type { CoreProgram } from '../../src/btf/core.js';
import { btfExtFromElf, btfFromElf } from '../../src/btf/index.js';
import { findSection, readElf, symbolsIn } from '../../src/elf/index.js';
import { decodeProgram, slotIndexes } from '../../src/isa/index.js';

export const CORE_FIXTURES = 'test/fixtures/core';

export interface CoreFixture {
  btf: Btf;
  programs: CoreProgram[];
}

export interface ExpectedRelocation {
  program: string;
  relo: number;
  poisoned: boolean;
  local: string;
  target?: string;
  pc: number;
  form?: string;
  insnValue?: string;
  targetValue?: string;
}

export interface CoreExpectations {
  kernel: string;
  vmlinuxSha256: string;
  bpftool: string;
  taskStructMembers: Record<string, { bitsOffset: number; bitfieldSize: number }>;
  relocations: ExpectedRelocation[];
}

export function loadCoreFixture(): CoreFixture {
  const file = `${CORE_FIXTURES}/core.bpf.o`;
  const buffer = readFileSync(file);
  const elf = readElf(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), { name: file });
  const btf = btfFromElf(elf);
  const ext = btfExtFromElf(elf, btf);
  if (!ext) throw new Error(`${file} has no .BTF.ext`);
  const programs = ext.coreRelos.map(({ section, records }) => {
    const sec = findSection(elf, section);
    if (!sec) throw new Error(`${file}: no section ${section}`);
    const instructions = decodeProgram(sec.data);
    const slots = slotIndexes(instructions);
    const indexOfSlot = new Map(slots.map((slot, i) => [slot, i]));
    const fn = symbolsIn(elf, sec).find((s) => s.type === 2 && s.value === 0);
    return {
      name: fn?.name ?? section,
      instructions,
      coreRelocations: records.map((r) => {
        const insn = indexOfSlot.get(r.insnOff / 8);
        if (insn === undefined) throw new Error(`${section}: relocation at byte ${r.insnOff} is not an instruction`);
        return { insn, typeId: r.typeId, accessString: r.accessStr, kind: r.kind };
      }),
    };
  });
  return { btf, programs };
}

export function loadCoreExpectations(): CoreExpectations {
  return JSON.parse(readFileSync(`${CORE_FIXTURES}/core.expected.json`, 'utf8')) as CoreExpectations;
}
