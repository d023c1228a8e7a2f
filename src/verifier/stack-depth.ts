/**
 * The stack limit of call chains (check_max_stack_depth), checked as the kernel does: after every path has been
 * verified, by a static walk of the call graph from the main program, adding each function's deepest stack use.
 * The walk follows every call instruction in a function's code, taken or not, so a recursion that is bounded at
 * run time (and verified as such) is still refused once the graph is 8 frames deep.
 */
import { BPF_PSEUDO_FUNC } from '../isa/index.js';
import type { Instruction } from '../isa/instruction.js';
import { type Env, reject } from './env.js';
import type { ProgTypeName } from './prog-types.js';
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from './state.js';

/** Helper id of bpf_tail_call. */
const TAIL_CALL = 12;
/** A function whose frame is at least this big gets a private stack where the kernel offers them. */
const PRIV_STACK_MIN_SIZE = 64;
/** Beyond this many bytes of caller frames a tail call could overflow the kernel stack (32 tail calls deep). */
const TAIL_CALL_STACK_LIMIT = 256;
/**
 * Program types whose main call chain may use private stacks on x86-64 (bpf_enable_priv_stack): they do not
 * run on a trampoline, and the JIT gives each big-enough function its own per-CPU stack.
 */
const PRIV_STACK_TYPES: ReadonlySet<ProgTypeName> = new Set(['kprobe', 'tracepoint', 'perf_event', 'raw_tracepoint']);

const isLocalCall = (insn: Instruction): boolean => insn.opcode === 0x85 && insn.src === 1;
const isPseudoFunc = (insn: Instruction): boolean => insn.opcode === 0x18 && insn.src === BPF_PSEUDO_FUNC;
const isTailCall = (insn: Instruction): boolean => insn.opcode === 0x85 && insn.src === 0 && insn.imm === TAIL_CALL;

/**
 * A function's stack as the JIT reserves it (round_up_stack_depth with jit_requested: x86-64 always JITs, and
 * rounds to 16 bytes; the interpreter's 32-byte rounding never applies here).
 */
const roundUpStackDepth = (depth: number): number => Math.ceil(depth / 16) * 16;

/** Records that a frame of subprogram `subprog` reached `bytes` below its frame pointer (grow_stack_state). */
export function growSubprogStack(env: Env, subprog: number, bytes: number): void {
  const size = Math.ceil(bytes / 8) * 8;
  if ((env.subprogStackDepth[subprog] ?? 0) < size) env.subprogStackDepth[subprog] = size;
}

/** check_max_stack_depth for the main program's call graph (tsbpf models no async callbacks). */
export function checkMaxStackDepth(env: Env): void {
  const { layout } = env;
  const starts = layout.subprogs;
  const end = (idx: number): number => starts[idx + 1] ?? layout.slots;
  const hasTailCall = starts.map((_, idx) => {
    for (let pc = starts[idx]!; pc < end(idx); pc++) if (layout.at[pc] && isTailCall(layout.at[pc]!)) return true;
    return false;
  });
  const privSupported = !hasTailCall.includes(true) && PRIV_STACK_TYPES.has(env.prog.name);
  const privStack = new Array<boolean>(starts.length).fill(false);
  const retInsn: number[] = [];
  const retProg: number[] = [];
  let depth = 0;
  let frame = 0;
  let idx = 0;
  let i = 0;
  const fail = (message: string, suggestion: string): never => {
    env.pc = -1;
    env.state.path = [];
    return reject(env, message, [], suggestion);
  };
  for (;;) {
    // process_func: entering function idx at depth `frame`
    if (idx && hasTailCall[idx] && depth >= TAIL_CALL_STACK_LIMIT) {
      fail(
        `tail_calls are not allowed when call stack of previous frames is ${depth} bytes. Too large`,
        `the functions calling this one use ${depth} bytes of stack; a function that tail-calls may only be reached with less than ${TAIL_CALL_STACK_LIMIT}`,
      );
    }
    const own = roundUpStackDepth(env.subprogStackDepth[idx] ?? 0);
    if (privSupported && own >= PRIV_STACK_MIN_SIZE) privStack[idx] = true;
    if (!privStack[idx]) {
      depth += own;
      if (depth > MAX_BPF_STACK) {
        fail(
          `combined stack size of ${frame + 1} calls is ${depth}. Too large`,
          'the stacks of all functions in a call chain share 512 bytes; use a per-CPU array map for big buffers',
        );
      }
    }
    // continue_func: the next call in function idx from instruction i, or the return to the caller
    let called = false;
    while (!called) {
      for (; i < end(idx); i++) {
        const insn = layout.at[i];
        if (!insn || !(isLocalCall(insn) || isPseudoFunc(insn))) continue;
        retInsn[frame] = i + 1;
        retProg[frame] = idx;
        i = i + insn.imm + 1;
        idx = starts.indexOf(i);
        frame++;
        if (frame >= MAX_CALL_FRAMES) {
          fail(
            `the call stack of ${frame} frames is too deep !`,
            `the call graph reaches ${MAX_CALL_FRAMES} nested functions (counting every call, also recursive ones bounded at run time); flatten it`,
          );
        }
        called = true;
        break;
      }
      if (called) break;
      if (frame === 0) return;
      if (!privStack[idx]) depth -= roundUpStackDepth(env.subprogStackDepth[idx] ?? 0);
      frame--;
      i = retInsn[frame]!;
      idx = retProg[frame]!;
    }
  }
}
