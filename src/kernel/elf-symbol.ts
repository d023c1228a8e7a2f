/**
 * Where a uprobe goes: the file offset of a function symbol in an executable or shared library. uprobes take file
 * offsets, not virtual addresses, so as libbpf's elf_sym_offset does we translate the symbol's address through the
 * section that holds it (st_value - sh_addr + sh_offset). Both .symtab and (for stripped binaries) .dynsym are
 * searched; a versioned name (`malloc@@GLIBC_2.2.5`) matches its plain name.
 *
 * This reads only what it needs (the section headers and the symbol tables) rather than going through readElf:
 * that reader is for BPF objects and rejects what linked programs legitimately contain (a `.rela.dyn` that applies
 * to no one section, for one). Every read is bounds-checked, so a truncated or foreign file is a one-line error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { AttachTargetError } from './tracefs.js';

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const HEADER_SIZE = 64;
const SECTION_SIZE = 64;
const SYMBOL_SIZE = 24;

interface Section {
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
}

/** The file offset of function `symbol` in the ELF file at `path`. */
export function symbolFileOffset(path: string, symbol: string): number {
  if (!existsSync(path)) throw new AttachTargetError(`uprobe: no such file ${path}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new AttachTargetError(`uprobe: cannot read ${path}: ${(error as Error).message}`);
  }
  const fail = (why: string): never => {
    throw new AttachTargetError(`uprobe: cannot read ${path} as ELF: ${why}`);
  };
  const sections = sectionHeaders(bytes, fail);
  const found =
    findIn(bytes, sections, SHT_SYMTAB, symbol, fail) ?? findIn(bytes, sections, SHT_DYNSYM, symbol, fail);
  if (!found) throw new AttachTargetError(`uprobe: ${path} has no function symbol "${symbol}"`);
  const section = sections[found.shndx];
  if (!section || found.value < section.addr || found.value >= section.addr + Math.max(section.size, 1)) {
    throw new AttachTargetError(`uprobe: symbol "${symbol}" of ${path} lies outside its section`);
  }
  return found.value - section.addr + section.offset;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sectionHeaders(bytes: Uint8Array, fail: (why: string) => never): Section[] {
  if (bytes.length < HEADER_SIZE || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    fail('no ELF magic');
  }
  if (bytes[4] !== 2) fail('not a 64-bit ELF file');
  if (bytes[5] !== 1 && bytes[5] !== 2) fail(`unknown data encoding ${bytes[5]}`);
  const le = bytes[5] === 1;
  const v = view(bytes);
  const shoff = Number(v.getBigUint64(0x28, le));
  const shentsize = v.getUint16(0x3a, le);
  let shnum = v.getUint16(0x3c, le);
  if (shoff === 0) fail('no section headers');
  if (shentsize !== SECTION_SIZE) fail(`e_shentsize ${shentsize} is not ${SECTION_SIZE}`);
  if (shoff > bytes.length - SECTION_SIZE) fail(`section headers at 0x${shoff.toString(16)} past end of file`);
  if (shnum === 0) shnum = Number(v.getBigUint64(shoff + 32, le));
  if (shnum > (bytes.length - shoff) / SECTION_SIZE) fail(`${shnum} section headers do not fit in the file`);
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * SECTION_SIZE;
    sections.push({
      type: v.getUint32(h + 4, le),
      addr: Number(v.getBigUint64(h + 16, le)),
      offset: Number(v.getBigUint64(h + 24, le)),
      size: Number(v.getBigUint64(h + 32, le)),
      link: v.getUint32(h + 40, le),
    });
  }
  return sections;
}

function matches(name: string, wanted: string): boolean {
  return name === wanted || name.startsWith(`${wanted}@`);
}

/** The first function symbol named `symbol` in the symbol tables of type `type`. */
function findIn(
  bytes: Uint8Array,
  sections: Section[],
  type: number,
  symbol: string,
  fail: (why: string) => never,
): { value: number; shndx: number } | undefined {
  const le = bytes[5] === 1;
  const v = view(bytes);
  const wanted = new TextEncoder().encode(symbol);
  const decoder = new TextDecoder();
  for (const table of sections) {
    if (table.type !== type) continue;
    const strings = sections[table.link];
    if (!strings) fail(`symbol table links to section ${table.link}, which does not exist`);
    if (table.offset + table.size > bytes.length || strings.offset + strings.size > bytes.length) {
      fail('a symbol table or its strings lie past the end of the file');
    }
    for (let at = table.offset + SYMBOL_SIZE; at + SYMBOL_SIZE <= table.offset + table.size; at += SYMBOL_SIZE) {
      const info = v.getUint8(at + 4);
      const shndx = v.getUint16(at + 6, le);
      const kind = info & 0xf;
      if ((kind !== STT_FUNC && kind !== STT_GNU_IFUNC) || shndx === SHN_UNDEF || shndx >= SHN_LORESERVE) continue;
      const nameOff = v.getUint32(at, le);
      if (nameOff >= strings.size) continue;
      const start = strings.offset + nameOff;
      // Cheap prefix test before decoding: most symbols differ in their first bytes.
      let same = true;
      for (let i = 0; i < wanted.length && same; i++) same = bytes[start + i] === wanted[i];
      if (!same) continue;
      let end = start;
      const limit = strings.offset + strings.size;
      while (end < limit && bytes[end] !== 0) end++;
      if (matches(decoder.decode(bytes.subarray(start, end)), symbol)) {
        return { value: Number(v.getBigUint64(at + 8, le)), shndx };
      }
    }
  }
  return undefined;
}
