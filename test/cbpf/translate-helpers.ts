/** Shared by the translation tests: run a classic program through cbpfToEbpf and the reference evaluator. */
import assert from 'node:assert/strict';
import type { CbpfInsn } from '../../src/cbpf/insn.js';
import { type CbpfToEbpfOptions, cbpfToEbpf } from '../../src/cbpf/to-ebpf.js';
import {
  checkInstruction,
  checkJumpTargets,
  decodeProgram,
  encodeProgram,
  type Instruction,
} from '../../src/isa/index.js';
import { runEbpfReference } from './ebpf-reference.js';

/** Every translated instruction must be a valid, encodable eBPF form with in-range jumps. */
export function assertWellFormed(insns: readonly Instruction[]): void {
  for (const [pc, insn] of insns.entries()) checkInstruction(insn, pc);
  checkJumpTargets(insns);
  assert.deepEqual(decodeProgram(encodeProgram(insns)), insns);
}

/** Translates `prog` and runs it on `packet`; returns the verdict (asserting it is a zero-extended u32). */
export function runTranslated(
  prog: readonly CbpfInsn[],
  packet: Uint8Array,
  wirelen: number,
  options: CbpfToEbpfOptions & { ctx?: Uint8Array; helperValue?: number } = {},
): number {
  const insns = cbpfToEbpf(prog, options);
  return runInsns(insns, packet, wirelen, options);
}

export function runInsns(
  insns: readonly Instruction[],
  packet: Uint8Array,
  wirelen: number,
  options: CbpfToEbpfOptions & { ctx?: Uint8Array; helperValue?: number } = {},
): number {
  const mode = options.mode ?? 'skb';
  const { r0 } = runEbpfReference(insns, {
    mode,
    packet,
    wirelen: mode === 'packet' && options.wirelen === 'caplen' ? 0xdead : wirelen,
    ...(options.ctx ? { ctx: options.ctx } : {}),
    ...(options.helperValue !== undefined ? { helperValue: options.helperValue } : {}),
  });
  assert.ok(r0 >= 0n && r0 <= 0xffffffffn, `r0 = 0x${r0.toString(16)} is not a zero-extended 32-bit value`);
  return Number(r0);
}
