/**
 * Where a uprobe goes: the file offset of a function symbol in an executable or shared library. uprobes take file
 * offsets, not virtual addresses, so as libbpf's elf_sym_offset does we translate the symbol's address through the
 * section that holds it (st_value - sh_addr + sh_offset). Both .symtab and (for stripped binaries) .dynsym are
 * searched; a versioned name (`malloc@@GLIBC_2.2.5`) matches its plain name.
 */
import { readFileSync } from 'node:fs';
import { SHT_DYNSYM, STT_FUNC } from '../elf/constants.js';
import { readElf } from '../elf/read-elf.js';
import type { ElfFile } from '../elf/types.js';
import { AttachTargetError } from './tracefs.js';

const SYMBOL_SIZE = 24;
const STT_GNU_IFUNC = 10;

interface FoundSymbol {
  value: number;
  shndx: number;
}

/** The file offset of function `symbol` in the ELF file at `path`. */
export function symbolFileOffset(path: string, symbol: string): number {
  let elf: ElfFile;
  try {
    elf = readElf(new Uint8Array(readFileSync(path)), { name: path, anyMachine: true });
  } catch (error) {
    throw new AttachTargetError(`uprobe: cannot read ${path} as ELF: ${(error as Error).message}`);
  }
  const found = findIn(elf, symbol);
  if (!found) throw new AttachTargetError(`uprobe: ${path} has no function symbol "${symbol}"`);
  const section = elf.sections[found.shndx];
  if (!section || found.value < section.addr || found.value >= section.addr + Math.max(section.size, 1)) {
    throw new AttachTargetError(`uprobe: symbol "${symbol}" of ${path} lies outside its section`);
  }
  return found.value - section.addr + section.offset;
}

function matches(name: string, wanted: string): boolean {
  return name === wanted || name.startsWith(`${wanted}@`);
}

function findIn(elf: ElfFile, symbol: string): FoundSymbol | undefined {
  for (const s of elf.symbols) {
    if ((s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.shndx !== 0 && matches(s.name, symbol)) return s;
  }
  return findDynamic(elf, symbol);
}

/** Walks .dynsym (which readElf leaves undecoded), bounds-checked against its string table. */
function findDynamic(elf: ElfFile, symbol: string): FoundSymbol | undefined {
  const dynsym = elf.sections.find((s) => s.type === SHT_DYNSYM);
  const strtab = dynsym ? elf.sections[dynsym.link] : undefined;
  if (!dynsym || !strtab) return undefined;
  const view = new DataView(dynsym.data.buffer, dynsym.data.byteOffset, dynsym.data.byteLength);
  const decoder = new TextDecoder();
  for (let at = SYMBOL_SIZE; at + SYMBOL_SIZE <= dynsym.data.length; at += SYMBOL_SIZE) {
    const nameOff = view.getUint32(at, elf.littleEndian);
    const info = view.getUint8(at + 4);
    const shndx = view.getUint16(at + 6, elf.littleEndian);
    const type = info & 0xf;
    if ((type !== STT_FUNC && type !== STT_GNU_IFUNC) || shndx === 0 || nameOff >= strtab.data.length) continue;
    let end = nameOff;
    while (end < strtab.data.length && strtab.data[end] !== 0) end++;
    const name = decoder.decode(strtab.data.subarray(nameOff, end));
    if (matches(name, symbol)) return { value: Number(view.getBigUint64(at + 8, elf.littleEndian)), shndx };
  }
  return undefined;
}
