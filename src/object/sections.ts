import { SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS } from '../elf/constants.js';
import type { ElfSection } from '../elf/types.js';

/** The kind of global data a section holds, as libbpf classifies sections (`.data.foo` is data, `.bss.x` bss). */
export type GlobalDataKind = '.rodata' | '.data' | '.bss';

/** libbpf's rule: `.data`, `.rodata` and `.bss` and any name with one of them plus a dot as prefix. */
export function globalDataKind(section: ElfSection): GlobalDataKind | undefined {
  const named = (prefix: string): boolean => section.name === prefix || section.name.startsWith(`${prefix}.`);
  if (section.type === SHT_PROGBITS && section.size > 0 && (section.flags & SHF_EXECINSTR) === 0) {
    if (named('.data')) return '.data';
    if (named('.rodata')) return '.rodata';
  }
  if (section.type === SHT_NOBITS && section.size > 0 && named('.bss')) return '.bss';
  return undefined;
}

/** Sections holding code: SHT_PROGBITS with SHF_EXECINSTR and some bytes. `.text` holds subprograms only. */
export function isCodeSection(section: ElfSection): boolean {
  return section.type === SHT_PROGBITS && (section.flags & SHF_EXECINSTR) !== 0 && section.size > 0;
}

export const TEXT_SECTION = '.text';
export const BTF_MAPS_SECTION = '.maps';
export const LEGACY_MAPS_SECTION = 'maps';
