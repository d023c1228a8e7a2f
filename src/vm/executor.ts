import type { RunOptions, RunResult } from './interpreter.js';
import type { Region } from './memory.js';

/**
 * What runs a loaded program: the interpreter or the JIT. Both take the same options, produce the same result and
 * fault the same way, so callers (test runs, hooks, the CLI) pick a backend without caring which.
 */
export interface Executor {
  /** The program's stack (8 frames of 512 bytes); r10 starts at its end. */
  readonly stack: Region;
  /** Address of the register file (r0..r10, 64-bit little endian) where helpers read their arguments. */
  readonly registers: number;
  run(options?: RunOptions): RunResult;
}
