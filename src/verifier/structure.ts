/**
 * The structural pass, before any state is tracked (the kernel's check_subprogs and check_cfg): program size,
 * lddw second slots, subprogram boundaries, jumps out of range, the last instruction of each subprogram,
 * back-edges (refused only for unprivileged programs; privileged loops must be proved bounded later) and
 * unreachable instructions.
 */
import { FORMS_BY_OPCODE } from '../isa/forms.js';
import { type Instruction, slotCount } from '../isa/instruction.js';
import { BPF_PSEUDO_FUNC, LDDW_OPCODE } from '../isa/opcodes.js';
import { VerifierReject } from './errors.js';

export const MAX_INSNS_PRIVILEGED = 1_000_000;
export const MAX_INSNS_UNPRIVILEGED = 4096;

/** The program laid out by slot: `at[pc]` is the instruction starting at slot pc, undefined inside an lddw. */
export interface Layout {
  at: (Instruction | undefined)[];
  slots: number;
  /** Sorted start slots of the subprograms (0 first). */
  subprogs: number[];
}

const JMP = 0x05;
const JMP32 = 0x06;
const isJmpClass = (op: number): boolean => (op & 7) === JMP || (op & 7) === JMP32;
const opOf = (op: number): number => op & 0xf0;

/** Slot targets of a jump (not calls or exit), or undefined. */
export function jumpTarget(insn: Instruction, pc: number): number | undefined {
  if (!isJmpClass(insn.opcode)) return undefined;
  const op = opOf(insn.opcode);
  if (op === 0x80 || op === 0x90) return undefined;
  if (insn.opcode === (JMP32 | 0x00)) return pc + insn.imm + 1;
  return pc + insn.off + 1;
}

export const isCallLocal = (insn: Instruction): boolean => insn.opcode === 0x85 && insn.src === 1;
export const isExit = (insn: Instruction): boolean => insn.opcode === 0x95;
const isUncondJump = (insn: Instruction): boolean => insn.opcode === 0x05 || insn.opcode === 0x06;
export const isCondJump = (insn: Instruction): boolean =>
  isJmpClass(insn.opcode) && !isUncondJump(insn) && opOf(insn.opcode) !== 0x80 && opOf(insn.opcode) !== 0x90;

export function layoutOf(insns: readonly Instruction[]): Layout {
  const at: (Instruction | undefined)[] = [];
  for (const insn of insns) {
    at.push(insn);
    if (slotCount(insn) === 2) at.push(undefined);
  }
  return { at, slots: at.length, subprogs: [0] };
}

/** Runs the structural checks; returns the layout with subprograms found. Throws VerifierReject. */
export function checkStructure(insns: readonly Instruction[], unprivileged: boolean): Layout {
  const layout = layoutOf(insns);
  const { at, slots } = layout;
  if (slots === 0) throw new VerifierReject('program is empty', -1, [], 'a program needs at least `exit`');
  const limit = unprivileged ? MAX_INSNS_UNPRIVILEGED : MAX_INSNS_PRIVILEGED;
  if (slots > limit) {
    throw new VerifierReject(
      `program of ${slots} insns is too large (limit ${limit})`,
      -1,
      [],
      'split the program with tail calls or BPF-to-BPF functions',
    );
  }
  // resolve_pseudo_ldimm64: opcodes the kernel knows at all, lddw pseudo sources
  for (let pc = 0; pc < slots; pc++) {
    const insn = at[pc];
    if (!insn) continue;
    if ((FORMS_BY_OPCODE[insn.opcode & 0xff] ?? []).length === 0) {
      throw new VerifierReject(
        `unknown opcode ${insn.opcode.toString(16).padStart(2, '0')}`,
        pc,
        [],
        'this byte is no eBPF instruction',
      );
    }
    if ((insn.opcode & 7) === 1 && insn.imm !== 0) {
      throw new VerifierReject('BPF_LDX uses reserved fields', pc, [], 'a load has no immediate; imm must be 0');
    }
    if (insn.opcode === LDDW_OPCODE && ![0, 1, 2, 3, 4, 5, 6].includes(insn.src)) {
      throw new VerifierReject(
        'unrecognized bpf_ld_imm64 insn',
        pc,
        [],
        `lddw source ${insn.src} is no pseudo source the kernel knows`,
      );
    }
  }
  // subprograms: targets of local calls and of pseudo-func lddw
  const starts = new Set<number>([0]);
  for (let pc = 0; pc < slots; pc++) {
    const insn = at[pc];
    if (!insn) continue;
    let target: number | undefined;
    if (isCallLocal(insn)) target = pc + insn.imm + 1;
    else if (insn.opcode === LDDW_OPCODE && insn.src === BPF_PSEUDO_FUNC) target = pc + insn.imm + 1;
    if (target === undefined) continue;
    if (target < 0 || target >= slots) {
      throw new VerifierReject(
        'call to invalid destination',
        pc,
        [],
        'a call must land on the first instruction of a function',
      );
    }
    starts.add(target);
  }
  layout.subprogs = [...starts].sort((a, b) => a - b);
  // jumps within their subprogram; each subprogram ends in exit or goto
  for (let s = 0; s < layout.subprogs.length; s++) {
    const begin = layout.subprogs[s]!;
    const end = layout.subprogs[s + 1] ?? slots;
    for (let pc = begin; pc < end; pc++) {
      const insn = at[pc];
      if (!insn) continue;
      const target = jumpTarget(insn, pc);
      if (target !== undefined && (target < begin || target >= end)) {
        throw new VerifierReject(
          `jump out of range from insn ${pc} to ${target}`,
          pc,
          [],
          target < 0 || target >= slots
            ? `the program has ${slots} instructions; the jump must land inside it`
            : 'a jump cannot leave its function; call it instead',
        );
      }
      const last = slotCount(insn) === 2 ? pc + 1 : pc;
      if (last === end - 1 && !isExit(insn) && !isUncondJump(insn)) {
        throw new VerifierReject(
          'last insn is not an exit or jmp',
          pc,
          [],
          'end the function with `exit` (execution would fall off its end)',
        );
      }
    }
  }
  checkCfg(layout, unprivileged);
  return layout;
}

/**
 * Depth-first walk from every subprogram start: back-edges (unprivileged) and unreachable instructions. Successors
 * are tabulated once and the walk's stack is a typed array: this runs for every program verified.
 */
function checkCfg(layout: Layout, unprivileged: boolean): void {
  const { at, slots } = layout;
  const state = new Uint8Array(slots); // 0 unseen, 1 on stack, 2 done
  // succ[2*pc], succ[2*pc+1]: the successors in walk order, -1 for none.
  const succ = new Int32Array(2 * slots).fill(-1);
  for (let pc = 0; pc < slots; pc++) {
    const insn = at[pc];
    if (!insn) {
      if (pc + 1 < slots) succ[2 * pc] = pc + 1;
      continue;
    }
    if (isExit(insn)) continue;
    const next = pc + slotCount(insn);
    const target = jumpTarget(insn, pc);
    if (target === undefined) {
      if (next < slots) succ[2 * pc] = next;
    } else if (isUncondJump(insn)) succ[2 * pc] = target;
    else {
      succ[2 * pc] = next;
      succ[2 * pc + 1] = target;
    }
  }
  // Walk stack of (pc, index of the next successor to try).
  const stackPc = new Int32Array(slots);
  const stackI = new Uint8Array(slots);
  const visit = (root: number): void => {
    let sp = 0;
    stackPc[0] = root;
    stackI[0] = 0;
    sp = 1;
    state[root] = 1;
    while (sp) {
      const pc = stackPc[sp - 1]!;
      const i = stackI[sp - 1]!;
      const t = i < 2 ? succ[2 * pc + i]! : -1;
      if (t < 0) {
        state[pc] = 2;
        sp--;
        continue;
      }
      stackI[sp - 1] = i + 1;
      if (!at[t]) {
        throw new VerifierReject(
          `jump into the middle of ldimm64 insn ${t - 1}`,
          pc,
          [],
          'a jump lands inside the 16-byte lddw; jump to its first half',
        );
      }
      if (state[t] === 1) {
        if (unprivileged) {
          throw new VerifierReject(
            `back-edge from insn ${pc} to ${t}`,
            pc,
            [],
            'unprivileged programs cannot loop; unroll the loop',
          );
        }
        continue;
      }
      if (state[t] === 0) {
        state[t] = 1;
        stackPc[sp] = t;
        stackI[sp] = 0;
        sp++;
      }
    }
  };
  for (const s of layout.subprogs) if (state[s] === 0) visit(s);
  for (let pc = 0; pc < slots; pc++) {
    if (at[pc] && state[pc] === 0) {
      throw new VerifierReject(`unreachable insn ${pc}`, pc, [], 'remove the dead code or jump to it');
    }
  }
}
