/**
 * compileJit: eBPF instructions to a WebAssembly module over the collection's address space, and the JitProgram
 * that runs it with the interpreter's options, results and faults.
 */
import type { Instruction } from '../isa/instruction.js';
import type { Executor } from '../vm/executor.js';
import { VmFault } from '../vm/fault.js';
import type { HelperTable } from '../vm/helper.js';
import {
  DEFAULT_BUDGET,
  type InterpreterLinks,
  MAX_CALL_FRAMES,
  MAX_TAIL_CALLS,
  type PacketWindow,
  type RunOptions,
  type RunResult,
  STACK_FRAME_SIZE,
  TAIL_CALL_HELPER,
} from '../vm/interpreter.js';
import type { AddressSpace, Region } from '../vm/memory.js';
import { type Predecoded, predecode } from '../vm/predecode.js';
import { fromBig, out, toBig } from '../vm/u64.js';
import { JitCompileError } from './errors.js';
import { RegisterFileCall } from './helper-call.js';
import { type HostFunctions, hostTable } from './host-table.js';
import { FAULT_CALL_DEPTH, FAULT_KFUNC, FAULT_LDDW_TAIL, FAULT_NO_PACKET, FAULT_OUTSIDE } from './imports.js';
import { emitModule, type ModuleLayout } from './module.js';

export interface JitOptions {
  space: AddressSpace;
  helpers: HelperTable;
  /** Register file to use (e.g. shared with an interpreter of the same program); reserved in `space` if absent. */
  registers?: number;
  /** Stack region to use; allocated in `space` (before the register file, as the interpreter does) if absent. */
  stack?: Region;
  /** pcs whose memory accesses the verifier proved safe: their bounds checks are left out. */
  verifiedAccesses?: ReadonlySet<number>;
  /**
   * Check the instruction budget (default true). Without the checks the count is still kept (insnsExecuted stays
   * exact) but a run never stops for the budget: for programs the verifier proved to terminate.
   */
  budgetChecks?: boolean;
  /** 'auto' (default): structured control flow when the CFG is reducible; 'dispatcher' forces the fallback. */
  controlFlow?: 'auto' | 'dispatcher';
  /** Tail-call targets and callback functions, as for the interpreter. */
  links?: InterpreterLinks;
  /**
   * Callback entry pcs of a program (this one or a tail-call target) that its code does not show: a loader that
   * resolved lddw src=4 function references to addresses (as the VM collection does) names them here.
   */
  callbackEntries?: (program: Predecoded) => Iterable<number> | undefined;
}

/** Wall-clock cost of a compilation, in milliseconds. */
export interface CompileTimes {
  /** Our part: analysis and writing the wasm bytes. */
  emitMs: number;
  /** V8's part: WebAssembly.Module compilation and instantiation (function bodies compile lazily on first call). */
  wasmMs: number;
}

interface ModuleExports {
  run(budget: number, packetStart: number, packetLength: number, ...args: number[]): number;
  enter(depth: number, budget: number, packetStart: number, packetLength: number): number;
  invoke(
    fn: number,
    depth: number,
    budget: number,
    packetStart: number,
    packetLength: number,
    ...args: number[]
  ): number;
  halt: WebAssembly.Global;
  tailed: WebAssembly.Global;
}

/** State of one run shared by the programs it reaches through tail calls. */
interface SharedRun {
  budget: number;
  tailCalls: number;
  packet: PacketWindow | undefined;
  /** The program executing now (the root, a tail-call target or a callback's program), for fault reports. */
  active: Predecoded;
  /** Tail-call targets compiled so far, by program. */
  readonly compiled: Map<Predecoded, JitProgram>;
}

/** Thrown through helpers and wasm frames when a packet load inside a callback ends the whole run. */
class RunAborted {
  constructor(readonly remaining: number) {}
}

const ENOENT = 2;

/** A program compiled to WebAssembly, interchangeable with the Interpreter. */
export class JitProgram implements Executor {
  readonly program: Predecoded;
  readonly stack: Region;
  readonly registers: number;
  /** The module's bytes (for inspection with wasm tools). */
  readonly wasm: Uint8Array;
  readonly times: CompileTimes;
  private readonly exports: ModuleExports;
  private readonly layout: ModuleLayout;
  private readonly call: RegisterFileCall;
  private readonly shared: SharedRun;
  /** r1..r5 of the next run or callback as 32-bit halves (no BigInt crosses into wasm). */
  private readonly argWords = new Int32Array(10);
  // the caller's depth and remaining budget while a helper runs (callbacks continue from them)
  private depthNow = 0;
  private budgetNow = 0;

  constructor(
    insns: readonly Instruction[] | Predecoded,
    private readonly options: JitOptions,
    shared?: SharedRun,
  ) {
    const t0 = performance.now();
    const space = options.space;
    this.program = Array.isArray(insns) ? predecode(insns as Instruction[]) : (insns as Predecoded);
    this.stack = options.stack ?? space.alloc(STACK_FRAME_SIZE * MAX_CALL_FRAMES, 'stack', 'stack');
    this.registers = options.registers ?? space.reserve(11 * 8);
    this.shared = shared ?? {
      budget: DEFAULT_BUDGET,
      tailCalls: 0,
      packet: undefined,
      active: this.program,
      compiled: new Map(),
    };
    this.call = new RegisterFileCall(space, this.registers, (fn, args) => this.invoke(fn, args));
    const links = options.links;
    const built = emitModule(this.program, {
      registers: this.registers,
      frameTop: this.frameTop,
      verified: options.verifiedAccesses,
      budgetChecks: options.budgetChecks ?? true,
      structured: options.controlFlow !== 'dispatcher',
      tailCalls: links?.tailCallTarget !== undefined,
      callbacks: links?.functionAt !== undefined,
      entries: options.callbackEntries?.(this.program),
    });
    this.wasm = built.bytes;
    this.layout = built.layout;
    const t1 = performance.now();
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(this.wasm as Uint8Array<ArrayBuffer>);
    } catch (err) {
      // V8 limits a function body to about 7.6 MB of code: roughly 150,000 BPF instructions in one function
      throw new JitCompileError(
        `WebAssembly rejected the module (${this.wasm.length} bytes): ${(err as Error).message}`,
      );
    }
    const instance = new WebAssembly.Instance(module, {
      env: { memory: space.memory, host: hostTable(this.hostFunctions(space, options.helpers)) },
    });
    this.exports = instance.exports as unknown as ModuleExports;
    this.times = { emitMs: t1 - t0, wasmMs: performance.now() - t1 };
  }

  get frameTop(): number {
    return this.stack.start + this.stack.size;
  }

  /**
   * The program executing now: this one, or the tail-call target or callback program a fault came from (as the
   * interpreter's `active`). Left as it was when a run throws, so the fault can be attributed.
   */
  get active(): Predecoded {
    return this.shared.active;
  }

  run(options: RunOptions = {}): RunResult {
    const w = this.argWords;
    setArgs(w, options.args);
    const budget = options.budget ?? DEFAULT_BUDGET;
    const shared = this.shared;
    shared.budget = budget;
    shared.tailCalls = 0;
    shared.active = this.program;
    const packet = (shared.packet = options.packet);
    const wasmBudget = Math.max(0, Math.min(budget, Number.MAX_SAFE_INTEGER));
    let remaining: number;
    try {
      remaining = this.exports.run(
        wasmBudget,
        packet ? packet.start : 0,
        packet ? packet.length : -1,
        w[0]!,
        w[1]!,
        w[2]!,
        w[3]!,
        w[4]!,
        w[5]!,
        w[6]!,
        w[7]!,
        w[8]!,
        w[9]!,
      );
    } catch (err) {
      if (!(err instanceof RunAborted)) throw err;
      const r = this.call.file();
      r[0] = 0;
      r[1] = 0;
      return { r0: 0n, insnsExecuted: wasmBudget - err.remaining };
    }
    const r = this.call.file();
    const hi = r[1]!;
    return { r0: hi === 0 ? BigInt(r[0]! >>> 0) : toBig(r[0]!, hi), insnsExecuted: wasmBudget - remaining };
  }

  private hostFunctions(space: AddressSpace, helpers: HelperTable): HostFunctions {
    const call = this.call;
    const program = this.program;
    const tailCalls = this.options.links?.tailCallTarget !== undefined;
    return {
      helper: (id: number, high: number, pc: number, depth: number, budget: number): number => {
        if (id === TAIL_CALL_HELPER && high === 0 && tailCalls) return this.tailCall(depth, budget);
        const helper = high !== 0 || id < 0 ? undefined : helpers.get(id);
        if (!helper) throw new VmFault('helper', pc, `call to unknown helper ${id}`);
        call.pc = pc;
        this.depthNow = depth;
        this.budgetNow = budget;
        const r0 = helper.fn(call);
        const regs = call.file();
        if (typeof r0 === 'number' && Number.isSafeInteger(r0) && r0 >= -0x80000000 && r0 <= 0xffffffff) {
          regs[0] = r0;
          regs[1] = r0 < 0 ? -1 : 0;
        } else {
          fromBig(BigInt.asUintN(64, BigInt(r0)));
          regs[0] = out.lo;
          regs[1] = out.hi;
        }
        return this.budgetNow;
      },
      check: (lo: number, high: number, size: number, write: number, pc: number): void => {
        space.refresh();
        if (high === 0) {
          const a = lo >>> 0;
          if (a + size <= space.u8.length && space.check(a, size, write !== 0)) return;
        }
        const addr = (BigInt(high >>> 0) << 32n) | BigInt(lo >>> 0);
        const near = addr < BigInt(Number.MAX_SAFE_INTEGER) ? space.nearestRegion(Number(addr)) : undefined;
        throw VmFault.memory(write !== 0 ? 'write' : 'read', pc, addr, size, near);
      },
      fault: (kind: number, pc: number): void => {
        throw faultOf(kind, pc, program);
      },
      budget: (startPc: number, remaining: number): void => {
        let pc = startPc;
        for (let i = 0; i < remaining; i++) pc += program.forms[pc]?.kind === 'lddw' ? 2 : 1;
        throw new VmFault('budget', pc, `instruction budget of ${this.shared.budget} exhausted`);
      },
    };
  }

  /**
   * bpf_tail_call(ctx, prog_array, index) as the interpreter does it: the target runs in this frame with these
   * registers (spilled to the register file by the caller), and its results become the frame's. Not taken:
   * r0 = -ENOENT and the program goes on.
   */
  private tailCall(depth: number, budget: number): number {
    const links = this.options.links!;
    const regs = this.call.file();
    const shared = this.shared;
    const target =
      shared.tailCalls < MAX_TAIL_CALLS && regs[7] === 0
        ? links.tailCallTarget!(toBig(regs[4]!, regs[5]!), regs[6]! >>> 0)
        : undefined;
    if (!target) {
      regs[0] = -ENOENT;
      regs[1] = -1;
      return budget;
    }
    shared.tailCalls++;
    const jit = this.compiledFor(target);
    shared.active = target;
    const packet = shared.packet;
    const remaining = jit.exports.enter(depth, budget, packet ? packet.start : 0, packet ? packet.length : -1);
    if (jit.exports.halt.value) this.exports.halt.value = 1;
    this.exports.tailed.value = 1;
    return remaining;
  }

  /** HelperCall.invoke: runs a callback function of the program in a new frame and returns its r0. */
  private invoke(fn: bigint, args: readonly (number | bigint)[]): bigint {
    const pc = this.call.pc;
    const target = this.options.links?.functionAt?.(fn);
    const jit = target && (target.program === this.program ? this : this.compiledFor(target.program));
    const index = target && jit?.layout.functionIndex.get(target.pc);
    if (!jit || index === undefined) {
      throw new VmFault('helper', pc, `0x${fn.toString(16)} is not a function of the program`);
    }
    if (this.depthNow >= MAX_CALL_FRAMES - 1) {
      throw new VmFault('call-depth', pc, `more than ${MAX_CALL_FRAMES} nested calls (callback)`);
    }
    const saved = this.call.file().slice(2, 22);
    const savedActive = this.shared.active;
    this.shared.active = jit.program;
    const w = new Int32Array(10);
    setArgs(w, args);
    const packet = this.shared.packet;
    const remaining = jit.exports.invoke(
      index,
      this.depthNow + 1,
      this.budgetNow,
      packet ? packet.start : 0,
      packet ? packet.length : -1,
      ...w,
    );
    if (jit.exports.halt.value) throw new RunAborted(remaining);
    jit.exports.tailed.value = 0;
    const regs = this.call.file();
    const r0 = toBig(regs[0]!, regs[1]!);
    regs.set(saved, 2);
    this.shared.active = savedActive;
    this.budgetNow = remaining;
    this.call.pc = pc;
    return r0;
  }

  /** The compiled form of another program of the same run (tail-call target), sharing stack and registers. */
  private compiledFor(program: Predecoded): JitProgram {
    const cache = this.shared.compiled;
    let jit = cache.get(program);
    if (!jit) {
      const { verifiedAccesses: _ignored, ...rest } = this.options;
      jit = new JitProgram(program, { ...rest, registers: this.registers, stack: this.stack }, this.shared);
      cache.set(program, jit);
    }
    return jit;
  }
}

/** Writes r1..r5 as 32-bit halves (missing ones 0), the interpreter's conversion. */
function setArgs(w: Int32Array, args: readonly (number | bigint)[] | undefined): void {
  w.fill(0);
  if (!args) return;
  for (let i = 0; i < args.length && i < 5; i++) {
    const a = args[i]!;
    if (typeof a === 'number' && a >= 0 && a <= 0xffffffff && Number.isInteger(a)) {
      w[2 * i] = a;
    } else {
      fromBig(BigInt.asUintN(64, BigInt(a)));
      w[2 * i] = out.lo;
      w[2 * i + 1] = out.hi;
    }
  }
}

/** The interpreter's fault for each FAULT_* kind. */
function faultOf(kind: number, pc: number, program: Predecoded): VmFault {
  switch (kind) {
    case FAULT_OUTSIDE:
      return new VmFault('instruction', pc, `pc ${pc} is outside the program (${program.length} slots)`);
    case FAULT_LDDW_TAIL:
      return new VmFault('instruction', pc, 'jump into the middle of lddw');
    case FAULT_KFUNC:
      return new VmFault(
        'instruction',
        pc,
        `kfunc call (BTF id ${program.imm[pc]}) is not supported by the userspace VM`,
      );
    case FAULT_CALL_DEPTH:
      return new VmFault('call-depth', pc, `more than ${MAX_CALL_FRAMES} nested calls`);
    case FAULT_NO_PACKET:
      return new VmFault('instruction', pc, 'LD_ABS/LD_IND needs a packet (socket filter context)');
    default:
      return new VmFault('instruction', pc, `unknown JIT fault ${kind}`);
  }
}

/** Compiles a program for the address space and helper table it will run with. */
export function compileJit(insns: readonly Instruction[] | Predecoded, options: JitOptions): JitProgram {
  return new JitProgram(insns, options);
}
