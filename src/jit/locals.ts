/**
 * Local variable layout shared by every compiled BPF function. Registers r0..r10 are the first eleven parameters
 * (i64) so a BPF-to-BPF call passes the whole register file without touching memory; the call depth and the
 * remaining instruction budget follow. The declared locals after them are scratch space for the emitters.
 */
import { I32, I64, type ValType } from './wasm-writer.js';

export const DEPTH = 11;
export const BUDGET = 12;
/** Effective address of the current access (i64). */
export const ADDR = 13;
/** Memory size minus 8 (i64): addresses at or below it can be read 8 bytes wide without a wasm trap. */
export const LIMIT = 14;
/** Scratch i64 (the old value of an atomic). */
export const T1 = 15;
/** Dispatcher block index (i32). */
export const NEXT = 16;
/** Scratch i32. */
export const A32 = 17;
/** Why the function left for its fault handler: a FAULT_* kind (i32). */
export const TRAP_KIND = 18;
export const TRAP_PC = 19;
/** frameOk(r10) as of the last call (i32): see FUNC_FRAME_OK. */
export const FRAME_OK = 20;

export const PARAM_TYPES: readonly ValType[] = [I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I32, I64];
/** r0..r5 and the remaining budget: what a callee hands back to its caller. */
export const RESULT_TYPES: readonly ValType[] = [I64, I64, I64, I64, I64, I64, I64];
export const EXTRA_LOCALS: readonly (readonly [number, ValType])[] = [
  [3, I64],
  [5, I32],
];
