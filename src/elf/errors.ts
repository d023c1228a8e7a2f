import { InputError } from '../errors.js';

/** Where in an ELF file a problem is: the file's name, optionally a section's name and a byte offset in the file. */
export interface ElfLocation {
  file: string;
  section?: string;
  offset?: number;
}

/**
 * A malformed ELF file. The message is one line, "FILE: section NAME: DETAIL", so a user can find the bytes:
 * `prog.o: section .text: offset 0x1234 + size 0x40 past end of file (0x1200 bytes)`.
 */
export class ElfError extends InputError {
  override name = 'ElfError';
  readonly file: string;
  readonly section: string | undefined;
  readonly offset: number | undefined;

  constructor(where: ElfLocation, detail: string) {
    super(`${where.file}: ${where.section !== undefined ? `section ${where.section}: ` : ''}${detail}`);
    this.file = where.file;
    this.section = where.section;
    this.offset = where.offset;
  }
}

/** Formats a byte offset or size the way readelf does: lower-case hex with a 0x prefix. */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
