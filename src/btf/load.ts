import { type ElfFile, findSection, readElf } from '../elf/index.js';
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { type BtfExt, parseBtfExt } from './ext.js';
import { parseBtf } from './parse.js';

export interface LoadBtfOptions {
  /** File name for error messages. */
  name?: string;
  /** Base BTF for split BTF. */
  base?: Btf;
}

/** The .BTF section of an ELF object, parsed. Throws `BtfError` if there is none. */
export function btfFromElf(elf: ElfFile, options: { base?: Btf } = {}): Btf {
  const section = findSection(elf, '.BTF');
  if (!section) throw new BtfError({ file: elf.name }, 'no .BTF section');
  return parseBtf(section.data, { base: options.base, file: elf.name, section: '.BTF' });
}

/** The .BTF.ext section of an ELF object, parsed against its BTF; undefined when the object has none. */
export function btfExtFromElf(elf: ElfFile, btf: Btf): BtfExt | undefined {
  const section = findSection(elf, '.BTF.ext');
  if (!section) return undefined;
  return parseBtfExt(section.data, btf, { file: elf.name, section: '.BTF.ext' });
}

/** True when the bytes start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/**
 * BTF from a file's bytes: an ELF object's .BTF section, or a raw BTF blob such as /sys/kernel/btf/vmlinux.
 * The ELF's DATASECs are left as clang wrote them (as bpftool shows them); see `fixupDatasecs`.
 */
export function loadBtf(bytes: Uint8Array, options: LoadBtfOptions = {}): Btf {
  if (isElf(bytes)) return btfFromElf(readElf(bytes, { name: options.name }), { base: options.base });
  return parseBtf(bytes, { base: options.base, file: options.name, section: 'BTF' });
}
