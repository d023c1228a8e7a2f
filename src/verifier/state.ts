/**
 * Verifier state (struct bpf_verifier_state): the call frames with their registers and 512-byte stacks, the
 * acquired references, and the branch decisions that led here (for explanations).
 */
import { copyReg, notInit, ptrReg, type Reg } from './reg.js';

export const MAX_BPF_STACK = 512;
export const MAX_CALL_FRAMES = 8;

/** One byte of a stack slot (enum bpf_stack_slot_type). */
export type SlotByte = 'invalid' | 'misc' | 'zero' | 'spill';

export interface StackSlot {
  bytes: SlotByte[];
  /** The register spilled here, when any byte is 'spill'. */
  spilled?: Reg;
}

export interface Frame {
  regs: Reg[];
  /** Slot i covers bytes [-(i+1)*8, -i*8) of the frame. */
  stack: (StackSlot | undefined)[];
  /** Deepest byte written or read, as a positive number (allocated_stack). */
  depth: number;
  /** Index of the call instruction (slot) that made this frame; -1 for the main program. */
  callsite: number;
  subprog: number;
  frameno: number;
}

export interface Reference {
  id: number;
  insn: number;
}

export interface BranchStep {
  pc: number;
  taken: boolean;
}

export interface VerifierState {
  frames: Frame[];
  refs: Reference[];
  path: BranchStep[];
}

/** Branch decisions kept per path (the most recent ones explain a rejection). */
export const MAX_PATH = 64;

export function recordBranch(s: VerifierState, pc: number, taken: boolean): void {
  s.path.push({ pc, taken });
  if (s.path.length > 2 * MAX_PATH) s.path = s.path.slice(-MAX_PATH);
}

export function newFrame(frameno: number, callsite: number, subprog: number): Frame {
  const regs: Reg[] = [];
  for (let i = 0; i < 11; i++) regs.push(notInit());
  regs[10] = ptrReg('stack', { frameno });
  return { regs, stack: [], depth: 0, callsite, subprog, frameno };
}

export function initialState(): VerifierState {
  const frame = newFrame(0, -1, 0);
  frame.regs[1] = ptrReg('ctx');
  return { frames: [frame], refs: [], path: [] };
}

const copySlot = (s: StackSlot | undefined): StackSlot | undefined =>
  s && { bytes: [...s.bytes], spilled: s.spilled && copyReg(s.spilled) };

export function copyFrame(f: Frame): Frame {
  return { ...f, regs: f.regs.map(copyReg), stack: f.stack.map(copySlot) };
}

export function copyState(s: VerifierState): VerifierState {
  return { frames: s.frames.map(copyFrame), refs: s.refs.map((r) => ({ ...r })), path: s.path.slice(-MAX_PATH) };
}

export const curFrame = (s: VerifierState): Frame => s.frames[s.frames.length - 1]!;

/** Every register and spilled register of every frame (bpf_for_each_reg_in_vstate). */
export function* allRegs(s: VerifierState): Generator<Reg> {
  for (const f of s.frames) {
    for (const r of f.regs) yield r;
    for (const slot of f.stack) if (slot?.spilled) yield slot.spilled;
  }
}

export function slotOf(f: Frame, spi: number): StackSlot {
  let slot = f.stack[spi];
  if (!slot) {
    slot = { bytes: new Array<SlotByte>(8).fill('invalid') };
    f.stack[spi] = slot;
  }
  return slot;
}
