/**
 * What the checker carries while it runs (struct bpf_verifier_env): the program, its maps and type, the
 * privilege level, id generation, counters and the log.
 */
import type { Instruction } from '../isa/instruction.js';
import { VerifierReject } from './errors.js';
import type { ProgTypeInfo } from './prog-types.js';
import { formatReg } from './reg.js';
import type { VerifierState } from './state.js';
import { curFrame } from './state.js';
import type { Layout } from './structure.js';

/** What the verifier needs to know about a map (the loader fills it from the object's map definitions). */
export interface MapInfo {
  /** MapType value (src/maps/types.ts). */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name?: string;
  flags?: number;
  /** ARRAY_OF_MAPS / HASH_OF_MAPS: index (in the same list) of the inner map template a lookup yields. */
  inner?: number;
}

export interface Env {
  readonly layout: Layout;
  readonly prog: ProgTypeInfo;
  readonly maps: readonly MapInfo[];
  /** Root (CAP_BPF, CAP_PERFMON): pointer leaks, uninitialised stack reads and bounded loops are allowed. */
  readonly priv: boolean;
  /** BPF_F_STRICT_ALIGNMENT: every pointer type is alignment-checked, not only the stack. */
  readonly strictAlignment: boolean;
  /** BPF_PSEUDO_MAP_FD/VALUE immediates index `maps` (assembled programs); false for objects (see VerifyOptions). */
  readonly mapFdsAreIndexes: boolean;
  idGen: number;
  /** Deepest stack use of each subprogram on any path, in bytes rounded to 8 (subprog_info[].stack_depth). */
  subprogStackDepth: number[];
  processed: number;
  /** The instruction being checked (slot index). */
  pc: number;
  insn: Instruction;
  state: VerifierState;
  /** Pointer kinds each memory-access pc was seen with, on every explored path. */
  accessKinds: Map<number, Set<string>>;
}

export function newId(env: Env): number {
  return ++env.idGen;
}

/**
 * Throws the rejection for the current instruction. A rejection is a result, not a fault, and verifyProgram
 * always catches it, so its JavaScript stack is never shown: it is built without one (capturing it costs more
 * than verifying a small program does).
 */
export function reject(env: Env, message: string, regs: readonly number[] = [], suggestion?: string): never {
  throwReject(env, message, regs, suggestion, false);
}

/**
 * Stops at something tsbpf does not model (a helper without a prototype here, a BTF-id load): a rejection marked
 * `unsupported`, so the program is not passed, yet not reported as one the kernel would refuse.
 */
export function notModelled(env: Env, message: string, suggestion: string): never {
  throwReject(env, message, [], suggestion, true);
}

function throwReject(
  env: Env,
  message: string,
  regs: readonly number[],
  suggestion: string | undefined,
  unsupported: boolean,
): never {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let error: VerifierReject;
  try {
    error = new VerifierReject(message, env.pc, regs, suggestion, unsupported);
  } finally {
    Error.stackTraceLimit = limit;
  }
  throw error;
}

export function mapName(env: Env, index: number): string {
  const m = env.maps[index];
  return m?.name ?? `map${index}`;
}

/** `R1=ctx()` style text of one register of the current frame. */
export function describeReg(env: Env, regno: number): string {
  const r = curFrame(env.state).regs[regno];
  return r ? `R${regno}=${formatReg(r, (i) => mapName(env, i))}` : `R${regno}`;
}
