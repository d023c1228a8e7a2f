import { InputError } from '../errors.js';

/** Where in BTF a problem is: file, section (.BTF, .BTF.ext), byte offset inside the section, type id. */
export interface BtfLocation {
  file?: string;
  section?: string;
  offset?: number;
  typeId?: number;
}

/**
 * Malformed or unusable BTF. One line: "FILE: .BTF: type [ID] at offset 0xOFF: DETAIL" (parts that are unknown are
 * left out), so the user can find the bytes.
 */
export class BtfError extends InputError {
  override name = 'BtfError';
  readonly location: BtfLocation;

  constructor(location: BtfLocation, detail: string) {
    super(describe(location) + detail);
    this.location = location;
  }
}

function describe(where: BtfLocation): string {
  let s = '';
  if (where.file !== undefined) s += `${where.file}: `;
  if (where.section !== undefined) s += `${where.section}: `;
  const parts: string[] = [];
  if (where.typeId !== undefined) parts.push(`type [${where.typeId}]`);
  if (where.offset !== undefined) parts.push(`at offset 0x${where.offset.toString(16)}`);
  if (parts.length > 0) s += `${parts.join(' ')}: `;
  return s;
}
