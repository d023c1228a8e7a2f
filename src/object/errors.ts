import { InputError } from '../errors.js';

/** Where in an object file a problem is: the file's name, a section, a byte offset inside that section. */
export interface ObjectLocation {
  file: string;
  section?: string;
  offset?: number;
}

/**
 * An ELF object that cannot be turned into an ObjectSpec: a relocation against nothing we know, a map definition
 * with an unknown field, a call into the middle of a function... One line, "FILE: section NAME: offset 0xOFF: DETAIL",
 * so the user can find the bytes (`llvm-objdump -r -d` shows the same offsets).
 */
export class ObjectError extends InputError {
  override name = 'ObjectError';
  readonly file: string;
  readonly section: string | undefined;
  readonly offset: number | undefined;

  constructor(where: ObjectLocation, detail: string, options?: ErrorOptions) {
    super(`${describe(where)}${detail}`, options);
    this.file = where.file;
    this.section = where.section;
    this.offset = where.offset;
  }
}

function describe(where: ObjectLocation): string {
  let s = `${where.file}: `;
  if (where.section !== undefined) s += `section ${where.section}: `;
  if (where.offset !== undefined) s += `offset 0x${where.offset.toString(16)}: `;
  return s;
}
