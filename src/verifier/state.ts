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

// The copies below are written out field by field and loop by loop rather than with spreads and map(): states
// are copied at every branch and checkpoint, and this is the verifier's hottest allocation path.

function copySlot(s: StackSlot | undefined): StackSlot | undefined {
  if (!s) return undefined;
  return { bytes: s.bytes.slice(), spilled: s.spilled && copyReg(s.spilled) };
}

export function copyFrame(f: Frame): Frame {
  const regs = new Array<Reg>(f.regs.length);
  for (let i = 0; i < regs.length; i++) regs[i] = copyReg(f.regs[i]!);
  const stack = new Array<StackSlot | undefined>(f.stack.length);
  for (let i = 0; i < stack.length; i++) stack[i] = copySlot(f.stack[i]);
  return { regs, stack, depth: f.depth, callsite: f.callsite, subprog: f.subprog, frameno: f.frameno };
}

export function copyState(s: VerifierState): VerifierState {
  const frames = new Array<Frame>(s.frames.length);
  for (let i = 0; i < frames.length; i++) frames[i] = copyFrame(s.frames[i]!);
  const refs = new Array<Reference>(s.refs.length);
  for (let i = 0; i < refs.length; i++) refs[i] = { id: s.refs[i]!.id, insn: s.refs[i]!.insn };
  return { frames, refs, path: s.path.length > MAX_PATH ? s.path.slice(-MAX_PATH) : s.path.slice() };
}

export const curFrame = (s: VerifierState): Frame => s.frames[s.frames.length - 1]!;

/**
 * Every register and spilled register of every frame (bpf_for_each_reg_in_vstate), as an array: callers run at
 * every conditional jump, where a generator's per-item cost showed in profiles.
 */
export function allRegs(s: VerifierState): Reg[] {
  const out: Reg[] = [];
  for (const f of s.frames) {
    for (const r of f.regs) out.push(r);
    for (const slot of f.stack) if (slot?.spilled) out.push(slot.spilled);
  }
  return out;
}

export function slotOf(f: Frame, spi: number): StackSlot {
  let slot = f.stack[spi];
  if (!slot) {
    slot = { bytes: new Array<SlotByte>(8).fill('invalid') };
    f.stack[spi] = slot;
  }
  return slot;
}
