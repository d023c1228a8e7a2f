import { ElfError } from './errors.js';
import type { ElfFile, ElfRelocation, ElfSection, ElfSymbol } from './types.js';

/** Finds a section by name (the first one, as libbpf does). */
export function findSection(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** Like `findSection`, but a missing section is an `ElfError`. */
export function requireSection(elf: ElfFile, name: string): ElfSection {
  const section = findSection(elf, name);
  if (!section) throw new ElfError({ file: elf.name }, `no section ${name}`);
  return section;
}

/** Every relocation that applies to `target`, from all REL/RELA sections whose sh_info names it. */
export function relocationsFor(elf: ElfFile, target: ElfSection): ElfRelocation[] {
  const out: ElfRelocation[] = [];
  for (const rs of elf.relocationSections) if (rs.target.index === target.index) out.push(...rs.relocations);
  return out;
}

/** The symbols defined in a section, in symbol table order. */
export function symbolsIn(elf: ElfFile, section: ElfSection): ElfSymbol[] {
  return elf.symbols.filter((s) => s.index !== 0 && s.shndx === section.index);
}

/** The section a symbol is defined in, if it is an ordinary section index. */
export function sectionOf(elf: ElfFile, symbol: ElfSymbol): ElfSection | undefined {
  return symbol.shndx > 0 && symbol.shndx < elf.sections.length ? elf.sections[symbol.shndx] : undefined;
}
