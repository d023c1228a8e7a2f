/** ELF64 reader for eBPF objects: sections, symbols, relocations; both byte orders. */
export * from './constants.js';
export { ElfError, type ElfLocation } from './errors.js';
export { findSection, relocationsFor, requireSection, sectionOf, symbolsIn } from './query.js';
export { type ReadElfOptions, readElf } from './read-elf.js';
export type { ElfFile, ElfRelocation, ElfRelocationSection, ElfSection, ElfSymbol } from './types.js';
