/**
 * Compiles one BPF function (the main program or a local-call target) into the body of one wasm function.
 *
 * Control flow: structured (real wasm loops and blocks, see structure.ts) when the CFG is reducible, otherwise a
 * dispatcher loop over the blocks.
 *
 * Budget: a block is cut into segments that end after each instruction with an observable effect (a store, a checked
 * load, a call, a packet load). Each segment first charges its length to the budget; if the budget is short, the
 * fault is raised at the pc where the interpreter would raise it. Nothing before that pc inside the segment has an
 * observable effect, so skipping it is invisible.
 */
import { MAX_CALL_FRAMES, STACK_FRAME_SIZE, TAIL_CALL_HELPER } from '../vm/interpreter.js';
import type { Predecoded } from '../vm/predecode.js';
import type { Block, BpfFunction } from './cfg.js';
import { emitAlu, emitCondition, emitConst, emitEnd, emitMovsx, emitNeg } from './emit-alu.js';
import { emitAtomic, emitLoad, emitPacketLoad, emitStore } from './emit-memory.js';
import type { JitForm } from './forms.js';
import {
  FAULT_CALL_DEPTH,
  FAULT_KFUNC,
  FAULT_LDDW_TAIL,
  FAULT_OUTSIDE,
  FUNC_FRAME_OK,
  GLOBAL_HALT,
  GLOBAL_TAILED,
  IMPORT_BUDGET,
  IMPORT_FAULT,
  IMPORT_HELPER,
} from './imports.js';
import { BUDGET, DEPTH, FRAME_OK, LIMIT, NEXT, TRAP_KIND, TRAP_PC } from './locals.js';
import { analyze, type Structure } from './structure.js';
import { OP, VOID } from './wasm-ops.js';
import { type ByteWriter, I32, sleb32At, ulebAt } from './wasm-writer.js';

export interface ProgramContext {
  readonly p: Predecoded;
  /** The form of every slot, in the JIT's fixed shape. */
  readonly forms: readonly (JitForm | undefined)[];
  /** pcs whose memory access needs no check. */
  readonly verified: ReadonlySet<number> | undefined;
  /** Fault when the budget runs out (otherwise only count). */
  readonly budgetChecks: boolean;
  /** Structure reducible control flow (otherwise always use the dispatcher). */
  readonly structured: boolean;
  /** Address of the register file in the address space. */
  readonly registers: number;
  /** LD_ABS/LD_IND (here or in a tail-call target) may end the run: callers check the halt flag after a call. */
  readonly mayHalt: boolean;
  /** Tail calls are possible: `call 12` and callx may replace the program (spill all registers, check after). */
  readonly tailCalls: boolean;
  /** Callbacks are possible: a helper may run a function of the program, which sees r0 and r6..r10 too. */
  readonly spillAll: boolean;
  /** Wasm function index (imports counted) of each BPF function, by entry pc. */
  readonly funcIndex: ReadonlyMap<number, number>;
}

/**
 * Labels of an if/else (never a branch target), the trap block and the dispatcher loop: above every block index,
 * below 2^30 so that V8 keeps them as small integers.
 */
const IF_LABEL = 0x3fffffff;
const TRAP_LABEL = 0x3ffffffe;
const DISPATCH_LABEL = 0x3ffffffd;
/** The block a short budget leaves with the segment's start pc as its i32 result. */
const BUDGET_LABEL = 0x3ffffffc;
/** Above this many blocks the dispatcher is used (structuring them would not pay off). */
const MAX_STRUCTURED_BLOCKS = 50_000;

const NONE: readonly Block[] = [];

/**
 * The labels of the open wasm control structures, with the depth of each named one in O(1): positions kept in
 * arrays by block index (a loop's label is its block index, a merge block's its complement) rather than a Map,
 * since every branch looks one up.
 */
class LabelStack {
  private readonly stack: number[] = [];
  /** Stack position of the loop headed by block i, of the `block` followed by block i, of each special label. */
  private readonly loopAt: Int32Array;
  private readonly blockAt: Int32Array;
  private readonly specialAt = new Int32Array(4).fill(-1);

  private constructor(blocks: number) {
    this.loopAt = new Int32Array(blocks).fill(-1);
    this.blockAt = new Int32Array(blocks).fill(-1);
  }

  /**
   * An empty stack for `blocks` block indexes. One instance is reused (compilation is synchronous): every function
   * of every module would otherwise allocate arrays as long as the whole program's block list.
   */
  static empty(blocks: number): LabelStack {
    let s = LabelStack.shared;
    if (!s || s.loopAt.length < blocks) s = LabelStack.shared = new LabelStack(Math.max(blocks, 256));
    s.truncate(0); // after a compilation that threw, the positions of the labels it left open go back to -1
    return s;
  }

  private static shared: LabelStack | undefined;

  get length(): number {
    return this.stack.length;
  }

  push(label: number): void {
    if (label !== IF_LABEL) this.setPosition(label, this.stack.length);
    this.stack.push(label);
  }

  pop(): void {
    const label = this.stack.pop()!;
    if (label !== IF_LABEL) this.setPosition(label, -1);
  }

  private setPosition(label: number, at: number): void {
    if (label < 0) this.blockAt[~label] = at;
    else if (label >= BUDGET_LABEL) this.specialAt[label - BUDGET_LABEL] = at;
    else this.loopAt[label] = at;
  }

  private position(label: number): number {
    if (label < 0) return this.blockAt[~label] ?? -1;
    if (label >= BUDGET_LABEL) return this.specialAt[label - BUDGET_LABEL]!;
    return this.loopAt[label] ?? -1;
  }

  truncate(length: number): void {
    while (this.stack.length > length) this.pop();
  }

  top(): number | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** The `br` depth of an open structure. */
  depthOf(label: number): number {
    const at = this.position(label);
    if (at < 0) throw new Error(`JIT: no enclosing label ${label}`);
    return this.stack.length - 1 - at;
  }
}

const MEMORY_KINDS = new Set(['ldx', 'st', 'stx', 'atomic']);
const CALL_KINDS = new Set(['call', 'callx', 'call_local', 'call_kfunc', 'ld_abs', 'ld_ind']);

export class FunctionEmitter {
  /**
   * Open wasm control structures, innermost last: a block index for a loop headed by that block, its complement
   * (~index) for a `block` followed by that block, IF_LABEL for an if/else.
   */
  private readonly labels: LabelStack;
  private structure: Structure | undefined;
  private hasChecks = false;
  /** The function maintains FRAME_OK (see scanAccesses). */
  private frameFast = false;

  constructor(
    private readonly ctx: ProgramContext,
    private readonly fn: BpfFunction,
    private readonly cfgBlocks: readonly Block[],
    /** Where the body goes (the module's writer). */
    private readonly w: ByteWriter,
  ) {
    this.labels = LabelStack.empty(cfgBlocks.length);
  }

  private checked(pc: number): boolean {
    return this.ctx.verified === undefined || !this.ctx.verified.has(pc);
  }

  /** Whether the instruction at pc ends a budget segment (something after it could observe the budget). */
  /**
   * Whether the instruction at pc ends a budget segment: it has an effect that a budget fault after it must not
   * undo (a store, even a verified one; a call; a packet load) or it may fault itself (a checked load).
   */
  private endsSegment(pc: number): boolean {
    const kind = this.ctx.forms[pc]!.kind;
    if (kind === 'ldx') return this.checked(pc);
    return CALL_KINDS.has(kind) || MEMORY_KINDS.has(kind);
  }

  /**
   * One scan of the function's instructions: `hasChecks` (a checked memory access: LIMIT is needed) and
   * `frameFast` (FRAME_OK pays off and stays true to r10: checked r10-relative loads or stores and no instruction
   * that could write r10; conservatively any with dst r10 but a store or a conditional jump, and any atomic naming
   * r10). r10 arrives only as the caller's r10 (minus a frame), so frameOk checks it anyway.
   */
  private scanAccesses(): void {
    const { p, forms } = this.ctx;
    let checks = false;
    let frameUses = false;
    let writesR10 = false;
    for (const b of this.fn.blocks) {
      if (b.virtual) continue;
      for (const pc of b.pcs) {
        const kind = forms[pc]!.kind;
        const d = p.dst[pc]!;
        if (kind === 'ldx' || kind === 'st' || kind === 'stx') {
          if (this.checked(pc)) {
            checks = true;
            if ((kind === 'ldx' ? p.src[pc] : d) === 10) frameUses = true;
          }
          if (kind === 'ldx' && d === 10) writesR10 = true;
        } else if (kind === 'atomic') {
          if (this.checked(pc)) checks = true;
          if (d === 10 || p.src[pc] === 10) writesR10 = true;
        } else if (d === 10 && kind !== 'jcond') writesR10 = true;
      }
    }
    this.hasChecks = checks;
    this.frameFast = frameUses && !writesR10;
  }

  /** FRAME_OK = frameOk(r10): on entry and after each call (the host may have changed the shadow map). */
  private refreshFrame(): void {
    this.w.u8(OP.local_get).uleb(10).u8(OP.call).uleb(FUNC_FRAME_OK).u8(OP.local_set).uleb(FRAME_OK);
  }

  compile(): void {
    const w = this.w;
    this.scanAccesses();
    if (this.hasChecks) this.refreshLimit();
    if (this.frameFast) this.refreshFrame();
    // every fault leaves through these blocks to one call site at the end, so hot loops contain no calls for them
    w.u8x2(OP.block, I32);
    this.labels.push(BUDGET_LABEL);
    w.u8x2(OP.block, VOID);
    this.labels.push(TRAP_LABEL);
    const blocks = this.fn.blocks;
    const structure =
      this.ctx.structured && blocks.length <= MAX_STRUCTURED_BLOCKS ? analyze(blocks[0]!, this.cfgBlocks) : undefined;
    let structured = false;
    if (structure) {
      this.structure = structure;
      const mark = w.length;
      const hintMark = w.hintLen;
      const depth = this.labels.length;
      try {
        this.doTree(blocks[0]!);
        structured = true;
      } catch (err) {
        // structuring recurses along the dominator tree: a very deep one falls back to the dispatcher
        if (!(err instanceof RangeError)) throw err;
        w.length = mark;
        w.hintLen = hintMark;
        this.labels.truncate(depth);
      }
    }
    if (!structured) this.dispatch(blocks);
    w.u8(OP.unreachable).u8(OP.end);
    this.labels.pop();
    // the fault handler: TRAP_KIND (a FAULT_* kind) at TRAP_PC
    w.u8(OP.local_get).uleb(TRAP_KIND).u8(OP.local_get).uleb(TRAP_PC).u8(OP.call).uleb(IMPORT_FAULT);
    w.u8(OP.unreachable).u8(OP.end);
    this.labels.pop();
    // the budget handler: the segment's start pc is on the stack, the budget not yet charged is what remains
    w.u8(OP.local_get).uleb(BUDGET).u8(OP.i32_wrap_i64).u8(OP.call).uleb(IMPORT_BUDGET).u8(OP.unreachable);
  }

  // ---- structured control flow (reducible CFGs) ----

  private doTree(b: Block): void {
    const w = this.w;
    const merges = this.structure!.mergeChildren[b.index] ?? NONE;
    if (this.structure!.loopHeader[b.index]) {
      w.u8x2(OP.loop, VOID);
      this.labels.push(b.index);
      this.nodeWithin(b, merges, 0);
      this.labels.pop();
      w.u8(OP.end);
    } else {
      this.nodeWithin(b, merges, 0);
    }
  }

  /** b's code nested in one `block` per merge child (highest RPO outermost), each merge child after its block. */
  private nodeWithin(b: Block, merges: readonly Block[], i: number): void {
    if (i < merges.length) {
      const y = merges[i]!;
      this.w.u8x2(OP.block, VOID);
      this.labels.push(~y.index);
      this.nodeWithin(b, merges, i + 1);
      this.labels.pop();
      this.w.u8(OP.end);
      this.doTree(y);
      return;
    }
    this.emitBody(b);
    this.emitExit(b, undefined);
  }

  private branch(from: Block, target: number): void {
    const s = this.structure!;
    if (s.rpo[target]! <= s.rpo[from.index]!) {
      this.br(target); // back edge: continue the loop headed by target
    } else if (s.merge[target]) {
      this.br(~target); // forward to a merge node: leave the block it follows
    } else {
      this.doTree(this.cfgBlocks[target]!);
    }
  }

  private br(label: number): void {
    this.w.u8(OP.br).uleb(this.labels.depthOf(label));
  }

  // ---- dispatcher (any CFG) ----

  /**
   * Blocks laid out in order inside nested wasm `block`s, so a jump to a later block is a direct `br`; a jump
   * backwards sets the dispatcher local and re-enters a `loop` whose `br_table` selects the block.
   */
  private dispatch(blocks: readonly Block[]): void {
    const w = this.w;
    const labels = this.labels;
    const n = blocks.length;
    const position = new Map<number, number>();
    for (const [i, b] of blocks.entries()) position.set(b.index, i);
    const backward = blocks.some((b, i) => b.succ.some((s) => position.get(s)! <= i));
    if (backward) {
      w.u8(OP.i32_const).sleb32(0).u8(OP.local_set).uleb(NEXT).u8x2(OP.loop, VOID);
      labels.push(DISPATCH_LABEL);
    }
    // block j's code follows the end of the wasm block labelled ~j
    for (let j = n - 1; j >= 0; j--) {
      w.u8x2(OP.block, VOID);
      labels.push(~blocks[j]!.index);
    }
    if (backward) {
      w.u8(OP.local_get).uleb(NEXT).u8(OP.br_table).uleb(n);
      for (let i = 0; i < n; i++) w.uleb(i);
      w.uleb(0);
    }
    for (let i = 0; i < n; i++) {
      w.u8(OP.end);
      labels.pop();
      const goto = (target: number): void => {
        const j = position.get(target)!;
        if (j > i) {
          // a forward jump leaves the blocks up to the target's; falling into the next block needs no code
          if (labels.top() !== ~target || j !== i + 1) this.br(~target);
        } else {
          w.u8(OP.i32_const).sleb32(j).u8(OP.local_set).uleb(NEXT);
          this.br(DISPATCH_LABEL);
        }
      };
      this.emitBody(blocks[i]!);
      this.emitExit(blocks[i]!, goto);
    }
    if (backward) {
      w.u8(OP.end);
      labels.pop();
    }
  }

  private refreshLimit(): void {
    this.w
      .u8x2(OP.memory_size, 0)
      .u8(OP.i64_extend_i32_u)
      .u8(OP.i64_const)
      .sleb32(16)
      .u8(OP.i64_shl)
      .u8(OP.i64_const)
      .sleb32(8)
      .u8(OP.i64_sub)
      .u8(OP.local_set)
      .uleb(LIMIT);
  }

  private emitReturn = (): void => {
    const w = this.w;
    for (let r = 0; r <= 5; r++) w.u8(OP.local_get).uleb(r);
    w.u8(OP.local_get).uleb(BUDGET).u8(OP.return);
  };

  /** Leaves for the trap handler with FAULT_* `kind` at `pc`. */
  private fault = (kind: number, pc: number): void => {
    const w = this.w;
    w.u8(OP.i32_const).sleb32(kind).u8(OP.local_set).uleb(TRAP_KIND);
    w.u8(OP.i32_const).sleb32(pc).u8(OP.local_set).uleb(TRAP_PC);
    this.br(TRAP_LABEL);
  };

  /**
   * Charges `count` instructions starting at `startPc`, faulting where the budget runs out. The most frequent
   * sequence of all, so written straight into the buffer (one capacity check, no call per byte).
   */
  private charge(startPc: number, count: number): void {
    const w = this.w;
    w.reserve(40);
    const b = w.bytes;
    let o = w.length;
    if (this.ctx.budgetChecks) {
      // br_if carries the pc to the budget handler; on the usual path it is dropped (11 bytes instead of 25)
      b[o++] = OP.i32_const;
      o = sleb32At(b, o, startPc);
      b[o++] = OP.local_get;
      b[o++] = BUDGET; // locals below 128 are one LEB128 byte
      b[o++] = OP.i64_const;
      o = sleb32At(b, o, count);
      b[o++] = OP.i64_lt_s;
      w.hintAt(o - w.bodyStart, false);
      b[o++] = OP.br_if;
      o = ulebAt(b, o, this.budgetDepth());
      b[o++] = OP.drop;
    }
    b[o++] = OP.local_get;
    b[o++] = BUDGET;
    b[o++] = OP.i64_const;
    o = sleb32At(b, o, count);
    b[o++] = OP.i64_sub;
    b[o++] = OP.local_set;
    b[o++] = BUDGET;
    w.length = o;
  }

  /** The `br` depth of the budget handler's block: always the outermost label. */
  private budgetDepth(): number {
    return this.labels.length - 1;
  }

  /** The block's instructions (all but its exit), in budget segments; a virtual block's fault. */
  private emitBody(b: Block): void {
    if (b.virtual) {
      this.charge(b.start, 1);
      this.fault(b.virtual === 'outside' ? FAULT_OUTSIDE : FAULT_LDDW_TAIL, b.start);
      return;
    }
    const pcs = b.pcs;
    let segStart = 0;
    for (let i = 0; i < pcs.length; i++) {
      if (i === segStart) {
        let end = i;
        while (end < pcs.length - 1 && !this.endsSegment(pcs[end]!)) end++;
        this.charge(pcs[i]!, end - i + 1);
        segStart = end + 1;
      }
      this.emitInstruction(pcs[i]!);
    }
  }

  /**
   * The block's exit: return, or `goto` its successors (a conditional jump inside an if/else). Without `goto`, the
   * structured branch (no closure per block on this hot path).
   */
  private emitExit(b: Block, goto: ((target: number) => void) | undefined): void {
    if (b.virtual) return;
    const w = this.w;
    const p = this.ctx.p;
    const last = b.pcs[b.pcs.length - 1]!;
    const form = this.ctx.forms[last]!;
    if (form.kind === 'exit') {
      this.emitReturn();
    } else if (form.kind === 'jcond') {
      const [fall, taken] = b.succ as [number, number];
      emitCondition(w, form, p.dst[last]!, p.src[last]!, p.imm[last]!);
      w.u8x2(OP.if, VOID);
      this.labels.push(IF_LABEL);
      if (goto) goto(taken);
      else this.branch(b, taken);
      w.u8(OP.else);
      if (goto) goto(fall);
      else this.branch(b, fall);
      this.labels.pop();
      w.u8(OP.end);
    } else {
      if (goto) goto(b.succ[0]!);
      else this.branch(b, b.succ[0]!);
    }
  }

  private emitInstruction(pc: number): void {
    const w = this.w;
    const p = this.ctx.p;
    const form = this.ctx.forms[pc]!;
    const d = p.dst[pc]!;
    const s = p.src[pc]!;
    const off = p.off[pc]!;
    const k = p.imm[pc]!;
    switch (form.kind) {
      case 'alu':
        emitAlu(w, form, d, s, k);
        return;
      case 'neg':
        emitNeg(w, form.is64, d);
        return;
      case 'movsx':
        emitMovsx(w, form.is64, form.size, d, s);
        return;
      case 'end':
        emitEnd(w, form.op !== 0, form.size, d);
        return;
      case 'lddw':
        emitConst(w, d, k, p.immHi[pc]!);
        return;
      case 'ldx':
        emitLoad(w, form, d, s, off, pc, this.checked(pc), this.frameFast);
        return;
      case 'st':
      case 'stx':
        emitStore(w, form, d, s, off, k, pc, this.checked(pc), this.frameFast);
        return;
      case 'atomic':
        emitAtomic(w, form, d, s, off, pc, this.checked(pc));
        return;
      case 'ld_abs':
      case 'ld_ind':
        emitPacketLoad(w, form, s, k, this.emitReturn, (kind) => {
          this.labels.push(IF_LABEL);
          this.fault(kind, pc);
          this.labels.pop();
        });
        return;
      case 'call':
      case 'callx':
        this.emitHelperCall(form.kind === 'callx', d, k, pc);
        return;
      case 'call_local':
        this.emitLocalCall(pc + 1 + k, pc);
        return;
      case 'call_kfunc':
        this.fault(FAULT_KFUNC, pc);
        return;
      case 'ja':
      case 'ja32':
      case 'jcond':
      case 'exit':
        return; // block exits, emitted by emitExit
    }
  }

  private emitHelperCall(indirect: boolean, d: number, k: number, pc: number): void {
    const w = this.w;
    const regs = this.ctx.registers;
    const mayTail = this.ctx.tailCalls && (indirect || k === TAIL_CALL_HELPER);
    const all = this.ctx.spillAll || mayTail;
    for (let r = all ? 0 : 1; r <= (all ? 10 : 5); r++) {
      w.u8(OP.i32_const)
        .sleb32(0)
        .u8(OP.local_get)
        .uleb(r)
        .u8(OP.i64_store)
        .u8(0)
        .uleb(regs + 8 * r);
    }
    if (mayTail) w.u8(OP.i32_const).sleb32(0).u8(OP.global_set).uleb(GLOBAL_TAILED);
    if (indirect) {
      w.u8(OP.local_get).uleb(d).u8(OP.i32_wrap_i64);
      w.u8(OP.local_get).uleb(d).u8(OP.i64_const).sleb32(32).u8(OP.i64_shr_u).u8(OP.i32_wrap_i64);
    } else {
      w.u8(OP.i32_const).sleb32(k).u8(OP.i32_const).sleb32(0);
    }
    w.u8(OP.i32_const).sleb32(pc).u8(OP.local_get).uleb(DEPTH);
    w.u8(OP.local_get).uleb(BUDGET).u8(OP.f64_convert_i64_s);
    w.u8(OP.call).uleb(IMPORT_HELPER).u8(OP.i64_trunc_f64_s).u8(OP.local_set).uleb(BUDGET);
    if (mayTail) {
      // the tail-call target ran in this frame: its r0..r5 are this function's results
      w.u8(OP.global_get).uleb(GLOBAL_TAILED).hint(false).u8x2(OP.if, VOID);
      for (let r = 0; r <= 5; r++) {
        w.u8(OP.i32_const)
          .sleb32(0)
          .u8(OP.i64_load)
          .u8(0)
          .uleb(regs + 8 * r)
          .u8(OP.local_set)
          .uleb(r);
      }
      this.emitReturn();
      w.u8(OP.end);
    }
    w.u8(OP.i32_const).sleb32(0).u8(OP.i64_load).u8(0).uleb(regs).u8(OP.local_set).uleb(0);
    if (this.hasChecks) this.refreshLimit(); // a helper may have grown the memory
    if (this.frameFast) this.refreshFrame();
  }

  private emitLocalCall(target: number, pc: number): void {
    const w = this.w;
    w.u8(OP.local_get)
      .uleb(DEPTH)
      .u8(OP.i32_const)
      .sleb32(MAX_CALL_FRAMES - 1)
      .u8(OP.i32_ge_u)
      .hint(false)
      .u8x2(OP.if, VOID);
    this.labels.push(IF_LABEL);
    this.fault(FAULT_CALL_DEPTH, pc);
    this.labels.pop();
    w.u8(OP.end);
    for (let r = 0; r <= 9; r++) w.u8(OP.local_get).uleb(r);
    w.u8(OP.local_get).uleb(10).u8(OP.i64_const).sleb32(STACK_FRAME_SIZE).u8(OP.i64_sub);
    w.u8(OP.local_get).uleb(DEPTH).u8(OP.i32_const).sleb32(1).u8(OP.i32_add);
    w.u8(OP.local_get).uleb(BUDGET);
    w.u8(OP.call).uleb(this.ctx.funcIndex.get(target)!);
    w.u8(OP.local_set).uleb(BUDGET);
    for (let r = 5; r >= 0; r--) w.u8(OP.local_set).uleb(r);
    if (this.ctx.mayHalt) {
      w.u8(OP.global_get).uleb(GLOBAL_HALT).hint(false).u8x2(OP.if, VOID);
      this.emitReturn();
      w.u8(OP.end);
    }
    if (this.hasChecks) this.refreshLimit();
    if (this.frameFast) this.refreshFrame();
  }
}
