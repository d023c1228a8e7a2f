import { InputError } from '../errors.js';

/** A program the JIT cannot compile. The message names the instruction (pc) and why. */
export class JitCompileError extends InputError {
  override name = 'JitCompileError';
  constructor(
    readonly reason: string,
    readonly pc?: number,
  ) {
    super(pc === undefined ? `JIT: ${reason}` : `JIT: cannot compile instruction at pc ${pc}: ${reason}`);
  }
}
