import { InputError } from '../errors.js';

/**
 * An invalid instruction encoding. `offset` is the byte offset of the offending slot in the program, `pc` its slot
 * index; the message says what is wrong with it.
 */
export class IsaError extends InputError {
  override name = 'IsaError';
  constructor(
    readonly reason: string,
    readonly pc: number,
    readonly offset: number = pc * 8,
  ) {
    super(`invalid instruction at pc ${pc} (byte offset ${offset}): ${reason}`);
  }
}
