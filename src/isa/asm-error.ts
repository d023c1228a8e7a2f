import { InputError } from '../errors.js';

/**
 * An assembly source error: what is wrong and where, as `[FILE: ]line 3, column 9: expected register`. Lines and
 * columns count from 1; the column points at the offending token.
 */
export class AsmError extends InputError {
  override name = 'AsmError';
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}line ${line}, column ${column}: ${reason}`);
  }
}
