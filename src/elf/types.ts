/** One section header with its name and contents. `data` is empty for SHT_NOBITS (.bss) and SHT_NULL. */
export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  /** Byte offset of the contents in the file. */
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** The section's bytes (a view into the file, not a copy). */
  data: Uint8Array;
}

/** One entry of the symbol table, with its name resolved through the linked string table. */
export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  /** STB_* binding (st_info >> 4). */
  bind: number;
  /** STT_* type (st_info & 0xf). */
  type: number;
  /** STV_* visibility (st_other & 3). */
  visibility: number;
  /** Section index (st_shndx, or the SHT_SYMTAB_SHNDX entry); SHN_* values for special sections. */
  shndx: number;
}

/** One REL or RELA entry. `addend` is 0 for REL entries (the addend lives in the relocated bytes). */
export interface ElfRelocation {
  /** Offset of the relocated bytes in the target section. */
  offset: number;
  /** R_BPF_* relocation type. */
  type: number;
  symbolIndex: number;
  symbol: ElfSymbol;
  addend: number;
}

/** A REL or RELA section together with the section it applies to (its sh_info). */
export interface ElfRelocationSection {
  section: ElfSection;
  target: ElfSection;
  relocations: ElfRelocation[];
}

export interface ElfFile {
  /** Name used in error messages (usually the path). */
  name: string;
  bytes: Uint8Array;
  littleEndian: boolean;
  /** e_type: ET_REL for compiled eBPF objects. */
  type: number;
  machine: number;
  flags: number;
  sections: ElfSection[];
  /** The SHT_SYMTAB entries (index 0 is the null symbol); empty when the file has no symbol table. */
  symbols: ElfSymbol[];
  /** Every REL and RELA section, decoded, in section order. */
  relocationSections: ElfRelocationSection[];
}
