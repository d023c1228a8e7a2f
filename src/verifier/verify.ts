/**
 * verifyProgram: the structural pass, then path-sensitive abstract interpretation of every path with state
 * pruning (do_check + is_state_visited), producing a verdict that explains itself.
 */

import { InputError } from '../errors.js';
import { checkAbnormalReturn, type SubprogBtf } from './abnormal-return.js';
import { strictAlignmentOf } from './align.js';
import { formatLlvm } from '../isa/disasm-llvm.js';
import type { Instruction } from '../isa/instruction.js';
import type { Env, MapInfo } from './env.js';
import { describeReg, mapName } from './env.js';
import { VerifierReject } from './errors.js';
import { computeLiveness } from './liveness.js';
import { StateLog } from './log.js';
import { PROG_TYPES, type ProgTypeName, progTypeFromSection } from './prog-types.js';
import { exactHash, mayBeExactlyEqual, statesEqual } from './prune.js';
import { formatReg } from './reg.js';
import { type BranchStep, copyState, curFrame, initialState, type VerifierState } from './state.js';
import { checkMaxStackDepth } from './stack-depth.js';
import { step } from './step.js';
import { checkStructure, isCondJump, jumpTarget } from './structure.js';

export type { MapInfo } from './env.js';

export const COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** Pending branches the kernel keeps at most (BPF_COMPLEXITY_LIMIT_JMP_SEQ). */
export const COMPLEXITY_LIMIT_JMP_SEQ = 8192;
/** Explored states kept per instruction: older ones are dropped, as the kernel evicts states that never hit. */
const MAX_STATES_PER_INSN = 64;

export interface VerifyOptions {
  /** Program type by name (`xdp`, `socket_filter`) or libbpf section name (`socket`, `kprobe/foo`, `tc`). */
  progType: ProgTypeName | string;
  /** Maps the program refers to: `lddw` map references (src 1/2/5/6) carry an index into this array. */
  maps?: readonly MapInfo[];
  /** Without root: pointer leaks, uninitialised stack, loops and > 4096 instructions are refused. */
  unprivileged?: boolean;
  /** 0: no log; 1: the instructions of each path with changed registers; 2: the full state at each. */
  logLevel?: 0 | 1 | 2;
  /**
   * Load-time prog_flags (BPF_PROG_LOAD's prog_flags): BPF_F_STRICT_ALIGNMENT (1) checks the alignment of every
   * access, BPF_F_ANY_ALIGNMENT (2) turns that off again. Other bits do not change verification here.
   */
  progFlags?: number;
  /**
   * Whether BPF_PSEUDO_MAP_FD/VALUE immediates are indexes into `maps` (default, for assembled programs). Objects
   * pass false: their map references are rewritten to BPF_PSEUDO_MAP_IDX(_VALUE), and a literal fd left in the
   * code points to no map, as it would in the kernel.
   */
  mapFdsAreIndexes?: boolean;
  /**
   * BTF func info of the program's functions (objects built with -g). Without it, LD_ABS and tail calls in
   * subprograms are refused, as the kernel refuses them in a program loaded without BTF.
   */
  funcInfo?: readonly SubprogBtf[];
  /** Source line of each slot (from BTF line info), shown in rejections. */
  btfLineInfo?: readonly { insn: number; line: string }[];
}

export interface RegisterReport {
  reg: number;
  /** The kernel log's text of the register, e.g. `R1=scalar(umax=255)`. */
  state: string;
}

export interface VerifyResult {
  verdict: 'accepted' | 'rejected';
  /** Rejected at something tsbpf does not model (a program type, a helper, a BTF-id load): the kernel decides. */
  unsupported?: boolean;
  /** Slot index of the offending instruction, or -1. */
  insn: number;
  /** llvm-objdump text of that instruction. */
  insnText?: string;
  /** Source line (when line info was given). */
  line?: string;
  /** The kernel's message for the rule broken (empty when accepted). */
  kernelMessage: string;
  /** The whole explanation: instruction, registers, path, suggestion, kernel message. */
  message: string;
  suggestion?: string;
  regs: RegisterReport[];
  /** Branch decisions on the rejected path, oldest first (`insn 4: taken`). */
  path: BranchStep[];
  processedInsns: number;
  /** Kernel-shaped state log at logLevel >= 1. */
  log: string;
  /**
   * Accepted programs: the pcs (slot indexes) of loads and stores proven in bounds on every path through memory
   * the userspace VM lays out exactly as the kernel does (stack, map values, packet, ring-buffer records), whose
   * bounds checks the JIT may therefore leave out.
   */
  safeAccesses?: number[];
}

/** Pointer kinds whose proven accesses stay inside the VM region backing them. */
const VM_EXACT_KINDS = new Set(['stack', 'map_value', 'pkt', 'pkt_meta', 'ringbuf_mem']);

/** Bad options (an unknown program type). */
export class VerifyOptionsError extends InputError {
  override name = 'VerifyOptionsError';
}

interface Checkpoint {
  /** The remembered state; dropped (null) once evicted, the node only counting branches then. */
  state: VerifierState | null;
  /** exactHash of the state, to skip most exact comparisons (computed when first needed). */
  hash: number | undefined;
  branches: number;
  parent: Checkpoint | null;
}

const NO_CHECKPOINTS: readonly Checkpoint[] = [];

interface Pending {
  pc: number;
  state: VerifierState;
  parent: Checkpoint | null;
}

/** Verifies one program. Never throws for bad bytecode: a rejection is a result. */
export function verifyProgram(insns: readonly Instruction[], options: VerifyOptions): VerifyResult {
  const typeName = progTypeFromSection(options.progType);
  if (!typeName) throw new VerifyOptionsError(`unknown program type '${options.progType}'`);
  const prog = PROG_TYPES[typeName];
  const priv = !options.unprivileged;
  const maps = options.maps ?? [];
  const log = new StateLog(options.logLevel ?? 0);
  let env: Env | undefined;
  try {
    if (!priv && typeName !== 'socket_filter' && typeName !== 'cgroup_skb') {
      throw new VerifierReject(
        `unprivileged users may only load socket_filter and cgroup_skb programs, not ${typeName}`,
        -1,
        [],
      );
    }
    const layout = checkStructure(insns, !priv);
    checkAbnormalReturn(layout, options.funcInfo);
    env = {
      layout,
      prog,
      maps,
      priv,
      strictAlignment: strictAlignmentOf(options.progFlags ?? 0),
      mapFdsAreIndexes: options.mapFdsAreIndexes ?? true,
      idGen: 0,
      subprogStackDepth: [],
      processed: 0,
      pc: 0,
      insn: layout.at[0]!,
      state: initialState(),
      accessKinds: new Map(),
    };
    log.start(env);
    explore(env, log);
    checkMaxStackDepth(env);
    return {
      verdict: 'accepted',
      insn: -1,
      kernelMessage: '',
      message: 'accepted',
      regs: [],
      path: [],
      processedInsns: env.processed,
      log: log.finish(env.processed),
      safeAccesses: [...env.accessKinds]
        .filter(([, kinds]) => [...kinds].every((k) => VM_EXACT_KINDS.has(k)))
        .map(([pc]) => pc)
        .sort((a, b) => a - b),
    };
  } catch (error) {
    if (!(error instanceof VerifierReject)) throw error;
    return rejection(error, insns, env, options, log);
  }
}

function explore(env: Env, log: StateLog): void {
  const { layout } = env;
  const live = computeLiveness(layout);
  const prunePoint = new Uint8Array(layout.slots);
  for (let pc = 0; pc < layout.slots; pc++) {
    const insn = layout.at[pc];
    if (!insn) continue;
    const t = jumpTarget(insn, pc);
    if (t !== undefined && t >= 0 && t < layout.slots) prunePoint[t] = 1;
    if (isCondJump(insn)) prunePoint[pc] = 1;
  }
  // Checkpoints per prune point, indexed by slot.
  const visited: (Checkpoint[] | undefined)[] = new Array(layout.slots);
  const pending: Pending[] = [];
  const finish = (cp: Checkpoint | null): void => {
    for (let c = cp; c; c = c.parent) {
      c.branches--;
      if (c.branches > 0) break;
    }
  };
  let cur: Pending | undefined = { pc: 0, state: env.state, parent: null };
  let jumpsSince = 0;
  let insnsSince = 0;
  while (cur) {
    const pc = cur.pc;
    env.pc = pc;
    env.state = cur.state;
    if (prunePoint[pc]) {
      const list = visited[pc];
      let pruned = false;
      // Hashes are taken only when an exact comparison (a loop still being explored) may need them.
      let hash: number | undefined;
      for (const cp of list ?? NO_CHECKPOINTS) {
        if (!cp.state) continue;
        if (cp.branches === 0) {
          if (statesEqual(cp.state, cur.state, live[pc]!, env.priv)) {
            pruned = true;
            break;
          }
        } else if (
          (cp.hash ??= exactHash(cp.state)) === (hash ??= exactHash(cur.state)) &&
          mayBeExactlyEqual(cp.state, cur.state) &&
          statesEqual(cp.state, cur.state, live[pc]!, env.priv, true)
        ) {
          throw new VerifierReject(
            `infinite loop detected at insn ${pc}`,
            pc,
            [],
            'the loop returns to this instruction in exactly the same state; make sure it makes progress toward its exit condition',
          );
        }
      }
      if (pruned) {
        log.pruned(pc);
        finish(cur.parent);
        cur = nextPending(pending, log, env);
        continue;
      }
      // Like the kernel, remember a new state only every few jumps and instructions (or at the first visit).
      if (jumpsSince >= 2 && insnsSince >= 8) {
        const cp: Checkpoint = {
          state: copyState(cur.state),
          hash,
          branches: 1,
          parent: cur.parent,
        };
        if (!list) visited[pc] = [cp];
        else {
          list.push(cp);
          if (list.length > MAX_STATES_PER_INSN) list.shift()!.state = null;
        }
        cur.parent = cp;
        jumpsSince = 0;
        insnsSince = 0;
      }
    }
    insnsSince++;
    const atInsn = layout.at[pc];
    if (atInsn && ((atInsn.opcode & 7) === 5 || (atInsn.opcode & 7) === 6)) jumpsSince++;
    if (++env.processed > COMPLEXITY_LIMIT_INSNS) {
      throw new VerifierReject(
        `BPF program is too large. Processed ${env.processed} insn`,
        pc,
        [],
        'the verifier explored 1,000,000 instructions without finishing: bound loops with a constant limit the verifier can see, or reduce the number of branch combinations',
      );
    }
    const before = log.enabled ? copyState(cur.state) : undefined;
    const result = step(env, pc);
    if (before) log.insn(env, pc, before, env.state);
    if (result.next === 'end') {
      finish(cur.parent);
      cur = nextPending(pending, log, env);
      continue;
    }
    if ('fork' in result && result.fork) {
      if (pending.length >= COMPLEXITY_LIMIT_JMP_SEQ) {
        throw new VerifierReject(
          `The sequence of ${COMPLEXITY_LIMIT_JMP_SEQ + 1} jumps is too complex.`,
          pc,
          [],
          'too many branches are pending at once; simplify the control flow',
        );
      }
      pending.push({ pc: result.fork.pc, state: result.fork.state, parent: cur.parent });
      if (cur.parent) cur.parent.branches++;
      log.fork(pc, result.fork.pc);
    }
    // The same record moves on: it is nobody else's (pending holds its own), and one allocation per insn is saved.
    cur.pc = result.next;
    cur.state = env.state;
  }
}

function nextPending(pending: Pending[], log: StateLog, env: Env): Pending | undefined {
  const p = pending.pop();
  if (p) log.resume(env, p.pc, p.state);
  return p;
}

function rejection(
  error: VerifierReject,
  insns: readonly Instruction[],
  env: Env | undefined,
  options: VerifyOptions,
  log: StateLog,
): VerifyResult {
  const pc = error.pc;
  // Only the offending instruction is disassembled: a rejection is an ordinary result and should stay cheap.
  let insnText: string | undefined;
  for (let i = 0, slot = 0; i < insns.length && slot <= pc; i++) {
    if (slot === pc) insnText = formatLlvm(insns[i]!, slot);
    slot += insns[i]!.opcode === 0x18 ? 2 : 1;
  }
  const line = options.btfLineInfo ? [...options.btfLineInfo].reverse().find((l) => l.insn <= pc)?.line : undefined;
  const regs: RegisterReport[] = [];
  if (env) {
    for (const r of error.regs) {
      if (r >= 0 && r <= 10) regs.push({ reg: r, state: describeReg(env, r) });
    }
  }
  const path = env?.state.path ?? [];
  const parts: string[] = [];
  parts.push(pc >= 0 ? `insn ${pc}: ${insnText ?? '(middle of lddw)'}` : 'program');
  if (line) parts.push(`  source: ${line}`);
  parts.push(`  kernel: ${error.kernelMessage.split('\n').join(' / ')}`);
  for (const r of regs) parts.push(`  ${r.state}`);
  if (path.length)
    parts.push(`  path: ${path.map((p) => `insn ${p.pc} ${p.taken ? 'taken' : 'not taken'}`).join(', ')}`);
  if (error.suggestion) parts.push(`  suggestion: ${error.suggestion}`);
  if (env) log.error(error.kernelMessage);
  return {
    verdict: 'rejected',
    insn: pc,
    insnText,
    line,
    kernelMessage: error.kernelMessage,
    message: parts.join('\n'),
    suggestion: error.suggestion,
    regs,
    path: [...path],
    processedInsns: env?.processed ?? 0,
    log: log.finish(env?.processed ?? 0),
    ...(error.unsupported ? { unsupported: true } : {}),
  };
}

export { curFrame, formatReg, mapName };
