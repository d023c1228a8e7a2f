import type { Btf } from '../btf/btf.js';
import type { BtfExt } from '../btf/ext.js';
import type { ElfFile, ElfSection } from '../elf/types.js';
import { ObjectError } from './errors.js';

/** What every step of loading an object shares: the parsed file, its BTF, and a way to fail with a location. */
export interface ObjectContext {
  file: string;
  elf: ElfFile;
  btf?: Btf;
  btfExt?: BtfExt;
}

/** An ObjectError in `section` (a name or a section) at a byte offset inside it. */
export function objectError(
  ctx: ObjectContext,
  section: ElfSection | string | undefined,
  offset: number | undefined,
  detail: string,
): ObjectError {
  const name = typeof section === 'string' || section === undefined ? section : section.name;
  return new ObjectError({ file: ctx.file, section: name, offset }, detail);
}
