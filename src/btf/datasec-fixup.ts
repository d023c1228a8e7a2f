import {
  type ElfFile,
  type ElfSymbol,
  findSection,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_OBJECT,
  STV_HIDDEN,
} from '../elf/index.js';
import type { Btf } from './btf.js';
import { BTF_VAR_GLOBAL_EXTERN, BTF_VAR_STATIC, BtfKind } from './kinds.js';

/** STV_INTERNAL: like hidden, for linkage purposes. */
const STV_INTERNAL = 1;

/** Datasecs whose layout libbpf builds itself from extern declarations; clang's zeros are expected there. */
const EXTERN_DATASECS = new Set(['.kconfig', '.ksyms']);

/**
 * Fills in what clang leaves zero in an object's BTF, as libbpf does when it opens the object: each DATASEC's size
 * (from the ELF section of the same name) and its variables' offsets (from their ELF symbols), then sorts the
 * variables by offset. A global variable whose symbol is hidden becomes static, as in libbpf.
 *
 * Unlike libbpf, static variables get their offsets too (from the local symbol in that section), so typed views
 * of .data/.bss can find them. Datasecs that already have a size are left alone (the static linker fills them).
 * Mutates `btf` in place; throws `BtfError` when a section or symbol is missing.
 */
export function fixupDatasecs(btf: Btf, elf: ElfFile): void {
  for (let id = btf.firstId; id < btf.typeCount; id++) {
    if (btf.kind(id) !== BtfKind.Datasec) continue;
    const name = btf.name(id);
    if (EXTERN_DATASECS.has(name)) {
      sortVars(btf, id);
      continue;
    }
    if (btf.sizeOrType(id) !== 0) {
      sortVars(btf, id);
      continue;
    }
    const section = findSection(elf, name);
    if (!section || section.size === 0) {
      throw btf.error(`DATASEC '${name}': no ELF section of that name with a size to take`, id);
    }
    if (section.size > 0xffffffff) throw btf.error(`DATASEC '${name}': section size does not fit 32 bits`, id);
    btf.patch(id, 2, section.size);
    const vlen = btf.vlen(id);
    for (let i = 0; i < vlen; i++) {
      const varId = btf.extra(id, i * 3);
      if (btf.kind(varId) !== BtfKind.Var) throw btf.error(`DATASEC '${name}': entry ${i} is not a VAR`, id);
      const linkage = btf.extra(varId, 0);
      if (linkage === BTF_VAR_GLOBAL_EXTERN) continue;
      const varName = btf.name(varId);
      const symbol = linkage === BTF_VAR_STATIC ? findStatic(elf, varName, section.index) : findGlobal(elf, varName);
      if (!symbol) {
        if (linkage === BTF_VAR_STATIC) continue; // libbpf never looks static variables up; keep clang's offset
        throw btf.error(`DATASEC '${name}': no ELF symbol for VAR '${varName}'`, id);
      }
      btf.patch(id, 3 + i * 3 + 1, symbol.value);
      if (linkage !== BTF_VAR_STATIC && (symbol.visibility === STV_HIDDEN || symbol.visibility === STV_INTERNAL)) {
        btf.patch(varId, 3, BTF_VAR_STATIC);
      }
    }
    sortVars(btf, id);
  }
}

/** libbpf's find_elf_var_sym: a global or weak object symbol with this name. */
function findGlobal(elf: ElfFile, name: string): ElfSymbol | undefined {
  return elf.symbols.find(
    (s) => s.type === STT_OBJECT && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && s.name === name,
  );
}

function findStatic(elf: ElfFile, name: string, shndx: number): ElfSymbol | undefined {
  return elf.symbols.find((s) => s.type === STT_OBJECT && s.bind === STB_LOCAL && s.shndx === shndx && s.name === name);
}

/** Stable sort of a DATASEC's (type, offset, size) entries by offset. */
function sortVars(btf: Btf, id: number): void {
  const vlen = btf.vlen(id);
  const entries: [number, number, number][] = [];
  for (let i = 0; i < vlen; i++)
    entries.push([btf.extra(id, i * 3), btf.extra(id, i * 3 + 1), btf.extra(id, i * 3 + 2)]);
  entries.sort((a, b) => a[1] - b[1]);
  entries.forEach((e, i) => {
    btf.patch(id, 3 + i * 3, e[0]);
    btf.patch(id, 4 + i * 3, e[1]);
    btf.patch(id, 5 + i * 3, e[2]);
  });
}
