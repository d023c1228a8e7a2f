/**
 * The functions and globals of a compiled module, by index. The first four functions stand for the host's JS
 * functions (they forward through the imported host table, see host-table.ts); these take i32 arguments (and the
 * budget as an f64): no BigInt crosses the boundary. They throw the interpreter's VmFault when the program must
 * stop; `fault` and `budget` are only called from a function's trap handler, outside its loops.
 */

/**
 * helper(id, idHigh, pc, depth, budget: f64) -> budget: runs a helper on the register file (r1..r5 in, r0 out). The
 * depth and budget go along because a helper may run callbacks of the program, and a tail call runs another program.
 */
export const IMPORT_HELPER = 0;
/** check(addrLo, addrHigh, size, write, pc): the slow path of a memory access; returns if valid, else faults. */
export const IMPORT_CHECK = 1;
/** fault(kind, pc): throws the VmFault `kind` (one of FAULT_*). */
export const IMPORT_FAULT = 2;
/** budget(segmentStartPc, remaining): throws the budget fault at the instruction where the budget runs out. */
export const IMPORT_BUDGET = 3;
/** Number of host functions (they come first in the function index space). */
export const IMPORT_COUNT = 4;
/**
 * slowCheck(addr: i64, packed: i32): the first defined function, a shared wrapper around `check` (packed = pc << 5 |
 * size << 1 | write), so each checked access carries an 8-byte call instead of the 20-byte argument setup: smaller
 * code that V8 decodes and compiles faster. Only the slow path calls it.
 */
export const FUNC_SLOW_CHECK = IMPORT_COUNT;
/** Largest pc `slowCheck` can encode; accesses beyond it call `check` directly. */
export const SLOW_CHECK_MAX_PC = (1 << 26) - 1;
/**
 * frameOk(r10: i64) -> i32: 1 when the 512-byte frame below r10 is 8-aligned, inside the memory and all readable
 * and writable in the shadow map. A function computes it on entry and after every call (only the host changes the
 * shadow map), so its r10-relative accesses inside the frame need one flag test instead of the shadow check.
 */
export const FUNC_FRAME_OK = IMPORT_COUNT + 1;
/** Index of the first BPF function (imports, slowCheck and frameOk counted). */
export const FIRST_FUNC = IMPORT_COUNT + 2;

export const FAULT_OUTSIDE = 0;
export const FAULT_LDDW_TAIL = 1;
export const FAULT_KFUNC = 2;
export const FAULT_CALL_DEPTH = 3;
export const FAULT_NO_PACKET = 4;

/** Set when LD_ABS/LD_IND ended the program from inside a BPF function: callers return at once. */
export const GLOBAL_HALT = 0;
export const GLOBAL_PACKET_START = 1;
/** Packet length, or -1 without a packet. */
export const GLOBAL_PACKET_LENGTH = 2;
/** Set by the helper import when a tail call ran another program in this frame: the caller returns its results. */
export const GLOBAL_TAILED = 3;
