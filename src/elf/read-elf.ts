import {
  ELF_MAGIC,
  ELF64_HEADER_SIZE,
  ELF64_REL_SIZE,
  ELF64_RELA_SIZE,
  ELF64_SECTION_HEADER_SIZE,
  ELF64_SYMBOL_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  EM_BPF,
  EM_NONE,
  SHN_LORESERVE,
  SHN_XINDEX,
  SHT_NOBITS,
  SHT_NULL,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
} from './constants.js';
import { ElfError, hex } from './errors.js';
import type { ElfFile, ElfRelocation, ElfRelocationSection, ElfSection, ElfSymbol } from './types.js';

export interface ReadElfOptions {
  /** Name of the file for error messages (default "<elf>"). */
  name?: string;
  /** Accept any e_machine, not only EM_BPF and EM_NONE (default false). */
  anyMachine?: boolean;
}

/** SHT_SYMTAB_SHNDX: the extended section indices of symbols whose st_shndx is SHN_XINDEX. */
const SHT_SYMTAB_SHNDX = 18;

/**
 * Parses an ELF64 object (either byte order). Every offset and size read from the file is checked against the file
 * before it is used; a violation throws `ElfError` naming the file, the section and the byte offset. Sections,
 * symbols and relocations are decoded eagerly so that a returned `ElfFile` is fully valid.
 */
export function readElf(bytes: Uint8Array, options: ReadElfOptions = {}): ElfFile {
  const file = options.name ?? '<elf>';
  const fail = (detail: string, section?: string, offset?: number): never => {
    throw new ElfError({ file, section, offset }, detail);
  };
  if (bytes.length < 16) fail(`not an ELF file: ${bytes.length} bytes is too short for e_ident`, undefined, 0);
  for (let i = 0; i < 4; i++) if (bytes[i] !== ELF_MAGIC[i]) fail('not an ELF file: bad magic at offset 0x0');
  if (bytes[4] !== ELFCLASS64) fail(`unsupported ELF class ${bytes[4]} at offset 0x4 (only ELF64)`, undefined, 4);
  if (bytes[5] !== ELFDATA2LSB && bytes[5] !== ELFDATA2MSB) {
    fail(`unsupported ELF data encoding ${bytes[5]} at offset 0x5`, undefined, 5);
  }
  const le = bytes[5] === ELFDATA2LSB;
  if (bytes.length < ELF64_HEADER_SIZE) {
    fail(`ELF header: offset 0x0 + size 0x40 past end of file (${hex(bytes.length)} bytes)`, undefined, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (off: number): number => Number(view.getBigUint64(off, le));

  const type = view.getUint16(16, le);
  const machine = view.getUint16(18, le);
  if (!options.anyMachine && machine !== EM_BPF && machine !== EM_NONE) {
    fail(`e_machine ${machine} at offset 0x12 is not EM_BPF (247)`, undefined, 0x12);
  }
  const flags = view.getUint32(48, le);
  const shoff = u64(40);
  const shentsize = view.getUint16(58, le);
  let shnum = view.getUint16(60, le);
  let shstrndx = view.getUint16(62, le);

  /** Checks that [offset, offset + size) lies inside the file. */
  const checkRange = (offset: number, size: number, what: string, section?: string): void => {
    if (offset > bytes.length || size > bytes.length - offset) {
      fail(
        `${what}offset ${hex(offset)} + size ${hex(size)} past end of file (${hex(bytes.length)} bytes)`,
        section,
        offset,
      );
    }
  };

  const sections: ElfSection[] = [];
  const nameOffsets: number[] = [];
  if (shoff !== 0) {
    if (shentsize !== ELF64_SECTION_HEADER_SIZE) {
      fail(`e_shentsize ${shentsize} at offset 0x3a is not ${ELF64_SECTION_HEADER_SIZE}`, undefined, 0x3a);
    }
    checkRange(shoff, ELF64_SECTION_HEADER_SIZE, 'section header table: ');
    // Files with 0xff00 or more sections keep the real count and string table index in section 0.
    if (shnum === 0) shnum = u64(shoff + 32);
    if (shstrndx === SHN_XINDEX) shstrndx = view.getUint32(shoff + 40, le);
    if (shnum > (bytes.length - shoff) / ELF64_SECTION_HEADER_SIZE) {
      checkRange(shoff, shnum * ELF64_SECTION_HEADER_SIZE, 'section header table: ');
    }
    for (let i = 0; i < shnum; i++) {
      const h = shoff + i * ELF64_SECTION_HEADER_SIZE;
      const sectionType = view.getUint32(h + 4, le);
      const offset = u64(h + 24);
      const size = u64(h + 32);
      const section: ElfSection = {
        index: i,
        name: '',
        type: sectionType,
        flags: u64(h + 8),
        addr: u64(h + 16),
        offset,
        size,
        link: view.getUint32(h + 40, le),
        info: view.getUint32(h + 44, le),
        addralign: u64(h + 48),
        entsize: u64(h + 56),
        data: new Uint8Array(0),
      };
      nameOffsets.push(view.getUint32(h, le));
      sections.push(section);
    }
  }
  const hasContents = (s: ElfSection): boolean => s.type !== SHT_NOBITS && s.type !== SHT_NULL;
  const attachContents = (s: ElfSection): void => {
    checkRange(s.offset, s.size, '', s.name || `#${s.index}`);
    s.data = bytes.subarray(s.offset, s.offset + s.size);
  };

  // Section names come from the section header string table.
  if (sections.length > 0 && shstrndx !== 0) {
    if (shstrndx >= sections.length) {
      fail(`e_shstrndx ${shstrndx} at offset 0x3e is not a section (${sections.length} sections)`, undefined, 0x3e);
    }
    const shstrtab = sections[shstrndx]!;
    if (hasContents(shstrtab)) attachContents(shstrtab);
    for (const section of sections) {
      const nameOffset = nameOffsets[section.index]!;
      section.name = readString(shstrtab, nameOffset, (detail) =>
        fail(`name ${detail}`, `#${section.index}`, shstrtab.offset + nameOffset),
      );
    }
  }

  for (const section of sections) if (hasContents(section) && section.index !== shstrndx) attachContents(section);

  const symbols = readSymbols(sections, view, le, fail);
  const relocationSections: ElfRelocationSection[] = [];
  for (const section of sections) {
    if (section.type !== SHT_REL && section.type !== SHT_RELA) continue;
    relocationSections.push(readRelocations(section, sections, symbols, view, le, fail));
  }
  return { name: file, bytes, littleEndian: le, type, machine, flags, sections, symbols, relocationSections };
}

type Fail = (detail: string, section?: string, offset?: number) => never;

/** Reads a NUL-terminated string at `offset` of a string table section. */
function readString(table: ElfSection, offset: number, fail: (detail: string) => never): string {
  if (table.type !== SHT_STRTAB && table.type !== SHT_NULL)
    fail(`table ${table.name || `#${table.index}`} is not SHT_STRTAB`);
  const data = table.data;
  if (offset >= data.length) {
    if (offset === 0) return '';
    fail(`offset ${hex(offset)} outside string table ${table.name || `#${table.index}`} (${hex(data.length)} bytes)`);
  }
  let end = offset;
  while (end < data.length && data[end] !== 0) end++;
  if (end === data.length) fail(`at offset ${hex(offset)} is not NUL-terminated in ${table.name || `#${table.index}`}`);
  return latin1OrUtf8(data, offset, end);
}

/** Decodes bytes as UTF-8, with a fast path for the ASCII names that make up nearly every symbol table. */
export function latin1OrUtf8(data: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (data[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return new TextDecoder().decode(data.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(data[i]!);
  return s;
}

function readSymbols(sections: ElfSection[], view: DataView, le: boolean, fail: Fail): ElfSymbol[] {
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return [];
  const where = symtab.name || `#${symtab.index}`;
  if (symtab.entsize !== 0 && symtab.entsize !== ELF64_SYMBOL_SIZE) {
    fail(`sh_entsize ${symtab.entsize} is not ${ELF64_SYMBOL_SIZE}`, where);
  }
  if (symtab.size % ELF64_SYMBOL_SIZE !== 0) {
    fail(`size ${hex(symtab.size)} is not a multiple of ${ELF64_SYMBOL_SIZE}`, where, symtab.offset);
  }
  if (symtab.link >= sections.length) fail(`sh_link ${symtab.link} is not a section`, where);
  const strtab = sections[symtab.link]!;
  const shndxTable = sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
  const base = symtab.data.byteOffset - view.byteOffset;
  const count = symtab.size / ELF64_SYMBOL_SIZE;
  const symbols: ElfSymbol[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const p = base + i * ELF64_SYMBOL_SIZE;
    const nameOffset = view.getUint32(p, le);
    const info = view.getUint8(p + 4);
    let shndx = view.getUint16(p + 6, le);
    if (shndx === SHN_XINDEX && shndxTable) {
      if ((i + 1) * 4 > shndxTable.data.length) fail(`no extended index for symbol ${i}`, shndxTable.name);
      shndx = new DataView(shndxTable.data.buffer, shndxTable.data.byteOffset).getUint32(i * 4, le);
    }
    if (shndx < SHN_LORESERVE && shndx >= sections.length && shndx !== 0) {
      fail(
        `symbol ${i} at offset ${hex(symtab.offset + i * ELF64_SYMBOL_SIZE)}: st_shndx ${shndx} is not a section`,
        where,
        symtab.offset + i * ELF64_SYMBOL_SIZE,
      );
    }
    symbols[i] = {
      index: i,
      name: readString(strtab, nameOffset, (detail) =>
        fail(`symbol ${i} name ${detail}`, where, symtab.offset + i * ELF64_SYMBOL_SIZE),
      ),
      value: Number(view.getBigUint64(p + 8, le)),
      size: Number(view.getBigUint64(p + 16, le)),
      bind: info >> 4,
      type: info & 0xf,
      visibility: view.getUint8(p + 5) & 3,
      shndx,
    };
  }
  return symbols;
}

function readRelocations(
  section: ElfSection,
  sections: ElfSection[],
  symbols: ElfSymbol[],
  view: DataView,
  le: boolean,
  fail: Fail,
): ElfRelocationSection {
  const where = section.name || `#${section.index}`;
  const rela = section.type === SHT_RELA;
  const entry = rela ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
  if (section.size % entry !== 0)
    fail(`size ${hex(section.size)} is not a multiple of ${entry}`, where, section.offset);
  if (section.info >= sections.length || section.info === 0) {
    fail(`sh_info ${section.info} is not a section to relocate`, where);
  }
  const target = sections[section.info]!;
  const base = section.data.byteOffset - view.byteOffset;
  const count = section.size / entry;
  const relocations: ElfRelocation[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const p = base + i * entry;
    const offset = Number(view.getBigUint64(p, le));
    const info = view.getBigUint64(p + 8, le);
    const symbolIndex = Number(info >> 32n);
    const at = section.offset + i * entry;
    const symbol = symbols[symbolIndex];
    if (symbol === undefined) {
      fail(
        `relocation ${i} at offset ${hex(at)}: symbol ${symbolIndex} out of range (${symbols.length} symbols)`,
        where,
        at,
      );
    }
    if (target.type !== SHT_NOBITS && offset >= target.size) {
      fail(
        `relocation ${i} at offset ${hex(at)}: r_offset ${hex(offset)} outside ${target.name} (${hex(target.size)} bytes)`,
        where,
        at,
      );
    }
    relocations[i] = {
      offset,
      type: Number(info & 0xffffffffn),
      symbolIndex,
      symbol: symbol!,
      addend: rela ? Number(view.getBigInt64(p + 16, le)) : 0,
    };
  }
  return { section, target, relocations };
}
