/**
 * The control-flow view of a predecoded program the JIT compiles from: basic blocks, the BPF functions (entry 0,
 * every local-call target and every function reference of an lddw src=4) with the blocks each reaches, and the budget segments inside blocks.
 *
 * eBPF jumps may land anywhere, including outside the program or on the second slot of an lddw; the interpreter
 * faults there (after charging the instruction budget for that pc). Such targets become one-slot "virtual" blocks
 * whose only content is that fault, so the compiled code reproduces the interpreter at every pc.
 */
import { BPF_PSEUDO_FUNC } from '../isa/opcodes.js';
import type { Predecoded } from '../vm/predecode.js';
import { SLOT_LDDW_TAIL } from '../vm/predecode.js';
import { JitCompileError } from './errors.js';
import type { JitForm } from './forms.js';

export type VirtualKind = 'outside' | 'lddw-tail';

export interface Block {
  /** Index in `Cfg.blocks`. */
  readonly index: number;
  /** pc of the first instruction. */
  readonly start: number;
  /** pcs of the instructions, in order (lddw occupies two slots but is one instruction). */
  readonly pcs: number[];
  /** Successor block indexes: [] after exit, [next] for a fall-through or ja, [fall-through, taken] for jcond. */
  succ: readonly number[];
  /** Set for the blocks that only fault (a pc outside the program, or an lddw's second slot). */
  readonly virtual?: VirtualKind;
}

export interface BpfFunction {
  /** pc of the entry. */
  readonly entry: number;
  /** Reachable blocks, the entry block first, the rest in pc order. */
  blocks: Block[];
}

export interface Cfg {
  readonly blocks: Block[];
  /** The block starting at a pc (in the program or a virtual one), if any function reaches it. */
  readonly blockAt: (pc: number) => Block | undefined;
  /** The main program (entry 0) first. */
  readonly functions: BpfFunction[];
  readonly functionAt: Map<number, BpfFunction>;
}

/** Whether a form of this kind ends a basic block (string compares: cheaper than a Set lookup on this hot path). */
const isTerminator = (kind: string): boolean => kind === 'jcond' || kind === 'ja' || kind === 'exit' || kind === 'ja32';

/** Where a jump or local call at `pc` goes (slot-relative), or undefined. */
export function targetOf(p: Predecoded, forms: readonly (JitForm | undefined)[], pc: number): number | undefined {
  const form = forms[pc];
  if (!form) return undefined;
  switch (form.kind) {
    case 'ja':
    case 'jcond':
      return pc + 1 + p.off[pc]!;
    case 'ja32':
    case 'call_local':
      return pc + 1 + p.imm[pc]!;
    default:
      return undefined;
  }
}

/** The successors of a block without any (shared: never written). */
const NO_SUCC: readonly number[] = [];

const slots = (forms: readonly (JitForm | undefined)[], pc: number): number => (forms[pc]?.kind === 'lddw' ? 2 : 1);

/**
 * `entries`: more function entries than calls and lddw src=4 show, such as the callbacks of a program whose
 * function references a linker already resolved to addresses (the VM collection's programs).
 */
export function buildCfg(p: Predecoded, forms: readonly (JitForm | undefined)[], entries: Iterable<number> = []): Cfg {
  const n = p.length;
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  const callTargets: number[] = [0];
  for (const entry of entries) {
    if (!Number.isInteger(entry) || entry < 0 || entry >= n || forms[entry] === undefined) {
      throw new JitCompileError(`function entry ${entry} is not an instruction of the program`);
    }
    leader[entry] = 1;
    callTargets.push(entry);
  }
  for (let pc = 0; pc < n; pc += slots(forms, pc)) {
    const form = forms[pc]!;
    const target = targetOf(p, forms, pc);
    if (target !== undefined) {
      if (target >= 0 && target < n) leader[target] = 1;
      if (form.kind === 'call_local') callTargets.push(target);
    }
    if (isTerminator(form.kind)) leader[pc + 1] = 1;
    // a function reference (lddw src=4) makes its target a callback entry
    if (form.kind === 'lddw' && p.src[pc] === BPF_PSEUDO_FUNC) callTargets.push(pc + 1 + p.imm[pc]!);
  }

  const blocks: Block[] = [];
  const inRange = new Array<Block | undefined>(n);
  const outside = new Map<number, Block>();
  const succPcs: number[][] = [];
  const work: Block[] = [];
  const lookup = (start: number): Block | undefined => (start >= 0 && start < n ? inRange[start] : outside.get(start));
  const blockFor = (start: number): Block => {
    const existing = lookup(start);
    if (existing) return existing;
    const block = makeBlock(p, forms, start, leader, blocks.length);
    blocks.push(block);
    if (start >= 0 && start < n) inRange[start] = block;
    else outside.set(start, block);
    succPcs.push(successorPcs(p, forms, block));
    work.push(block);
    return block;
  };

  const functions: BpfFunction[] = [];
  const functionAt = new Map<number, BpfFunction>();
  for (const entry of callTargets) {
    if (functionAt.has(entry)) continue;
    blockFor(entry);
    while (work.length > 0) for (const s of succPcs[work.pop()!.index]!) blockFor(s);
    const fn: BpfFunction = { entry, blocks: [] };
    functions.push(fn);
    functionAt.set(entry, fn);
  }
  for (const b of blocks) {
    const pcs = succPcs[b.index]!;
    if (pcs.length === 1) b.succ = [lookup(pcs[0]!)!.index];
    else if (pcs.length === 2) b.succ = [lookup(pcs[0]!)!.index, lookup(pcs[1]!)!.index];
  }
  const seen = new Int32Array(blocks.length).fill(-1);
  for (const [i, fn] of functions.entries()) fn.blocks = reachable(blocks, inRange, lookup(fn.entry)!, seen, i);
  return { blocks, blockAt: lookup, functions, functionAt };
}

function makeBlock(
  p: Predecoded,
  forms: readonly (JitForm | undefined)[],
  start: number,
  leader: Uint8Array,
  index: number,
): Block {
  if (start < 0 || start >= p.length) return { index, start, pcs: [start], succ: NO_SUCC, virtual: 'outside' };
  if (p.code[start] === SLOT_LDDW_TAIL) return { index, start, pcs: [start], succ: NO_SUCC, virtual: 'lddw-tail' };
  // count first, then fill an array of the exact size (growing one by push leaves garbage per block)
  let count = 0;
  for (let pc = start; ; ) {
    count++;
    const kind = forms[pc]!.kind;
    pc += slots(forms, pc);
    if (isTerminator(kind) || pc >= p.length || leader[pc]) break;
  }
  const pcs = new Array<number>(count);
  for (let i = 0, pc = start; i < count; i++, pc += slots(forms, pc)) pcs[i] = pc;
  return { index, start, pcs, succ: NO_SUCC };
}

function successorPcs(p: Predecoded, forms: readonly (JitForm | undefined)[], b: Block): number[] {
  if (b.virtual) return [];
  const last = b.pcs[b.pcs.length - 1]!;
  const kind = forms[last]!.kind;
  const next = last + slots(forms, last);
  switch (kind) {
    case 'exit':
      return [];
    case 'ja':
    case 'ja32':
      return [targetOf(p, forms, last)!];
    case 'jcond':
      return [next, targetOf(p, forms, last)!];
    default:
      return [next];
  }
}

/** Blocks reachable from `entry`: the entry first, then the others by pc (virtual blocks last). */
function reachable(
  blocks: Block[],
  byStart: readonly (Block | undefined)[],
  entry: Block,
  seen: Int32Array,
  mark: number,
): Block[] {
  seen[entry.index] = mark;
  const found = [entry];
  const virtual: Block[] = [];
  for (let i = 0; i < found.length; i++) {
    for (const s of found[i]!.succ) {
      if (seen[s] !== mark) {
        seen[s] = mark;
        const b = blocks[s]!;
        found.push(b);
        if (b.virtual) virtual.push(b);
      }
    }
  }
  // pc order: a scan of the program's block starts (no comparison sort) unless the function is small next to the
  // program (many functions would make the scans quadratic); the few virtual blocks sorted after
  const out = [entry];
  if (found.length * 16 >= byStart.length) {
    for (const b of byStart) if (b !== undefined && b !== entry && !b.virtual && seen[b.index] === mark) out.push(b);
  } else {
    const real = found.filter((b) => b !== entry && !b.virtual).sort((a, b) => a.start - b.start);
    for (const b of real) out.push(b);
  }
  if (virtual.length > 1) virtual.sort((a, b) => a.start - b.start);
  for (const b of virtual) if (b !== entry) out.push(b);
  return out;
}
