import type { Instruction } from '../isa/instruction.js';
import { VmFault } from './fault.js';
import type { HelperCall, HelperTable } from './helper.js';
import { type AddressSpace, type Region, SHADOW_READ, SHADOW_WRITE } from './memory.js';
import { CODE, type Predecoded, predecode, SLOT_LDDW_TAIL } from './predecode.js';
import { bswap16, bswap32, divmods64, divmodu64, fromBig, lts64, ltu64, mul64, out, toBig } from './u64.js';

/** Size of one BPF stack frame, and the deepest call chain the kernel allows. */
export const STACK_FRAME_SIZE = 512;
export const MAX_CALL_FRAMES = 8;
export const DEFAULT_BUDGET = 1_000_000;

/** The legacy packet (LD_ABS/LD_IND) a run reads: start address and length in the address space. */
export interface PacketWindow {
  start: number;
  length: number;
}

export interface RunOptions {
  /** Initial r1..r5 (numbers are taken as unsigned addresses or small integers). */
  args?: readonly (number | bigint)[];
  /** Instruction budget: the run faults after this many executed instructions (default 1,000,000). */
  budget?: number;
  /** What LD_ABS/LD_IND read; without it they fault. */
  packet?: PacketWindow;
}

/**
 * What a loaded program can reach beyond the helper table, supplied by the runtime that loaded it (optional: a bare
 * interpreter runs without them). Tail calls switch to another program; callbacks (bpf_loop, for_each_map_elem)
 * enter a function of the running program through the value an lddw src=4 loaded.
 */
export interface InterpreterLinks {
  /** bpf_tail_call: the program at `index` of the prog array whose address is `map`, or undefined (no such entry). */
  tailCallTarget?(map: bigint, index: number): Predecoded | undefined;
  /** A function pointer (what lddw src=4 loaded) as the program holding it and the function's first pc. */
  functionAt?(value: bigint): { program: Predecoded; pc: number } | undefined;
}

/** The kernel's limit on chained tail calls (MAX_TAIL_CALL_CNT): the 34th in a chain fails. */
export const MAX_TAIL_CALLS = 33;
/** Helper id of bpf_tail_call, which the interpreter executes itself (it replaces the running program). */
export const TAIL_CALL_HELPER = 12;
const ENOENT = 2;

/** Thrown through nested executions when a legacy packet load ends the whole program (caught by run()). */
const ABORT_RUN = Symbol('abort-run');

export interface RunResult {
  /** r0 at exit, unsigned. */
  r0: bigint;
  insnsExecuted: number;
}

const READ_MASK = SHADOW_READ | SHADOW_WRITE;

/**
 * execute()'s switch spells predecode's derived codes as number literals (`case 0x104: // CODE.SDIV64_K`). V8 builds
 * a jump table only from the literal labels before the first non-literal one, and only if their range is at most
 * about 3 times the number of cases; every other label is compared in sequence. With `case CODE.X:` labels (or a
 * `case 0xffff:`) dispatch cost grew with an opcode's position in the switch: a jump or a call went through a hundred
 * comparisons. test/vm/interpreter-dispatch.test.ts keeps the labels literal; this assignment stops compiling if
 * predecode.ts renumbers a code.
 */
const _LITERAL_CODES: {
  SDIV32_K: 0x100;
  SDIV32_X: 0x101;
  SMOD32_K: 0x102;
  SMOD32_X: 0x103;
  SDIV64_K: 0x104;
  SDIV64_X: 0x105;
  SMOD64_K: 0x106;
  SMOD64_X: 0x107;
  MOVSX32: 0x108;
  MOVSX64: 0x109;
  LE: 0x10a;
  BE: 0x10b;
  BSWAP: 0x10c;
  ATOMIC32: 0x10d;
  ATOMIC64: 0x10e;
  CALL_HELPER: 0x10f;
  CALL_LOCAL: 0x110;
  CALL_KFUNC: 0x111;
} = CODE;

/**
 * The eBPF interpreter. One instance runs one program in one address space; it owns a stack region (8 frames of
 * 512 bytes) and a register file in host-only memory, where helpers read their arguments.
 */
export class Interpreter {
  readonly program: Predecoded;
  readonly stack: Region;
  /** Address of the register file: r0..r10 as 64-bit little-endian values. */
  readonly registers: number;
  private regs: Int32Array;
  private readonly helperCall: HelperCall;
  private pc = 0;
  /**
   * Saved caller state of local calls, preallocated so a call allocates nothing: 10 words a frame, the return pc
   * (complemented, ~pc, when the caller is in framePrograms) then r6..r9 and r10's low half.
   */
  private readonly frames = new Int32Array(MAX_CALL_FRAMES * 10);
  /**
   * The program a frame returns into, written only when that is not the program its execute() entered (a tail call
   * in a subprogram switched programs): most calls store no object reference.
   */
  private readonly framePrograms: Predecoded[] = new Array(MAX_CALL_FRAMES);
  /** The program executing now: `program`, or the target of the last tail call (for fault reports). */
  active: Predecoded;
  /** Tail calls taken in the current run. */
  tailCalls = 0;
  // State shared by nested executions (callbacks), synchronised around helper calls.
  private remaining = 0;
  private budget = DEFAULT_BUDGET;
  private depth = 0;
  private packet: PacketWindow | undefined;

  constructor(
    insns: readonly Instruction[] | Predecoded,
    readonly space: AddressSpace,
    readonly helpers: HelperTable,
    readonly links: InterpreterLinks = {},
  ) {
    this.program = Array.isArray(insns) ? predecode(insns as Instruction[]) : (insns as Predecoded);
    this.active = this.program;
    this.stack = space.alloc(STACK_FRAME_SIZE * MAX_CALL_FRAMES, 'stack', 'stack');
    this.registers = space.reserve(11 * 8);
    this.regs = new Int32Array(space.memory.buffer, this.registers, 22);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.helperCall = {
      space,
      get pc() {
        return self.pc;
      },
      u64: (n) => toBig(self.regs[2 * n]!, self.regs[2 * n + 1]!),
      u32: (n) => self.regs[2 * n]! >>> 0,
      i32: (n) => self.regs[2 * n]!,
      ptr: (n) => (self.regs[2 * n + 1] === 0 ? self.regs[2 * n]! >>> 0 : Number.NaN),
      invoke: (fn, args) => self.invoke(fn, args),
    };
  }

  /** Frame pointer of the outermost frame. */
  get frameTop(): number {
    return this.stack.start + this.stack.size;
  }

  run(options: RunOptions = {}): RunResult {
    const R = this.syncViews();
    for (let i = 0; i < 22; i++) R[i] = 0;
    setArgs(R, options.args ?? []);
    R[20] = this.frameTop;
    R[21] = 0;
    const budget = options.budget ?? DEFAULT_BUDGET;
    this.budget = budget;
    this.remaining = budget;
    this.packet = options.packet;
    this.depth = 0;
    this.tailCalls = 0;
    this.active = this.program;
    let aborted: boolean;
    try {
      aborted = this.execute(this.program, 0, 0);
    } catch (err) {
      if (err !== ABORT_RUN) throw err;
      aborted = true;
    }
    if (aborted) {
      this.regs[0] = 0;
      this.regs[1] = 0;
      return { r0: 0n, insnsExecuted: budget - this.remaining };
    }
    return { r0: toBig(this.regs[0]!, this.regs[1]!), insnsExecuted: budget - this.remaining };
  }

  /**
   * Calls a function of the running program (a callback) from inside a helper: r1..r5 = args, a new stack frame,
   * r6..r10 of the caller preserved; returns the function's r0. Frames count toward the call depth limit.
   */
  invoke(fn: bigint, args: readonly (number | bigint)[]): bigint {
    const target = this.links.functionAt?.(fn);
    if (!target) throw new VmFault('helper', this.pc, `0x${fn.toString(16)} is not a function of the program`);
    if (this.depth >= MAX_CALL_FRAMES - 1) {
      throw new VmFault('call-depth', this.pc, `more than ${MAX_CALL_FRAMES} nested calls (callback)`);
    }
    const saved = this.syncViews().slice(2, 22);
    const savedPc = this.pc;
    const savedDepth = this.depth;
    const savedActive = this.active;
    const R = this.regs;
    for (let i = 2; i < 12; i++) R[i] = 0;
    setArgs(R, args);
    R[20] = (saved[18]! - STACK_FRAME_SIZE) | 0;
    R[21] = 0;
    this.active = target.program;
    this.execute(target.program, target.pc, savedDepth + 1);
    this.syncViews();
    const r0 = toBig(this.regs[0]!, this.regs[1]!);
    this.regs.set(saved, 2);
    this.pc = savedPc;
    this.depth = savedDepth;
    this.active = savedActive;
    return r0;
  }

  /**
   * Makes the address space's byte views and the register file view current (the memory may have grown since the
   * last run, or inside a helper) and returns the register file. Growing a WebAssembly.Memory detaches its old
   * buffer, and a view of a detached buffer has length 0: testing that is free, where comparing with `memory.buffer`
   * is a call into the engine that cost as much as a short program's run (the memory is never empty: the shadow map
   * comes first).
   */
  private syncViews(): Int32Array {
    const space = this.space;
    if (space.u8.length === 0) space.refresh();
    if (this.regs.length === 0) this.regs = new Int32Array(space.u8.buffer, this.registers, 22);
    return this.regs;
  }

  /**
   * Runs `program` from `startPc` until the function entered at `baseDepth` exits (r0 in the register file).
   * Returns true when a legacy packet load out of bounds ended the whole program. The caller has called
   * syncViews() (run() and invoke() do).
   */
  private execute(program: Predecoded, startPc: number, baseDepth: number): boolean {
    const space = this.space;
    let R = this.regs;
    let u8 = space.u8;
    let dv = space.view;
    let limit = u8.length;
    let { packed, off, imm, immHi, length } = program;
    const budget = this.budget;
    const packet = this.packet;
    const frames = this.frames;
    const framePrograms = this.framePrograms;
    const entry = program;
    let depth = baseDepth;
    let remaining = this.remaining;
    let pc = startPc;

    /** Checks an access and returns its address, or throws the fault. */
    const access = (reg: number, offset: number, size: number, write: boolean): number => {
      const a = fastAddress(R, u8, 2 * reg, offset, size, write ? SHADOW_WRITE : READ_MASK, limit);
      if (a >= 0) return a;
      return slowAccess(reg, offset, size, write);
    };
    const slowAccess = (reg: number, offset: number, size: number, write: boolean): number => {
      if (R[2 * reg + 1] === 0) {
        const a = (R[2 * reg]! >>> 0) + offset;
        if (a >= 0 && a + size <= limit && space.check(a, size, write)) return a;
      }
      const addr = BigInt.asUintN(64, toBig(R[2 * reg]!, R[2 * reg + 1]!) + BigInt(offset));
      const near = addr < BigInt(Number.MAX_SAFE_INTEGER) ? space.nearestRegion(Number(addr)) : undefined;
      this.pc = pc;
      throw VmFault.memory(write ? 'write' : 'read', pc, addr, size, near);
    };

    for (;;) {
      if (--remaining < 0) {
        throw new VmFault('budget', pc, `instruction budget of ${budget} exhausted`);
      }
      if (pc >= length || pc < 0) {
        throw new VmFault('instruction', pc, `pc ${pc} is outside the program (${length} slots)`);
      }
      const w = packed[pc]!;
      const c = w & 0xffff;
      const d = (w >>> 16) & 0x1e;
      const s = (w >>> 20) & 0x1e;
      const k = imm[pc]!;
      switch (c) {
        // ---- ALU64, immediate (imm sign-extended) and register ----
        case 0x07: {
          const l = (R[d]! >>> 0) + (k >>> 0);
          R[d] = l;
          R[d + 1] = (R[d + 1]! + (k >> 31) + (l > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case 0x0f: {
          const l = (R[d]! >>> 0) + (R[s]! >>> 0);
          R[d] = l;
          R[d + 1] = (R[d + 1]! + R[s + 1]! + (l > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case 0x17: {
          const l = (R[d]! >>> 0) - (k >>> 0);
          R[d] = l;
          R[d + 1] = (R[d + 1]! - (k >> 31) - (l < 0 ? 1 : 0)) | 0;
          break;
        }
        case 0x1f: {
          const l = (R[d]! >>> 0) - (R[s]! >>> 0);
          R[d] = l;
          R[d + 1] = (R[d + 1]! - R[s + 1]! - (l < 0 ? 1 : 0)) | 0;
          break;
        }
        case 0x27:
          mul64(R[d]!, R[d + 1]!, k, k >> 31);
          R[d] = out.lo;
          R[d + 1] = out.hi;
          break;
        case 0x2f:
          mul64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!);
          R[d] = out.lo;
          R[d + 1] = out.hi;
          break;
        case 0x37:
          if (k === 0) {
            R[d] = 0;
            R[d + 1] = 0;
          } else {
            divmodu64(R[d]!, R[d + 1]!, k, k >> 31, false);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0x3f:
          if (R[s] === 0 && R[s + 1] === 0) {
            R[d] = 0;
            R[d + 1] = 0;
          } else {
            divmodu64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!, false);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0x47:
          R[d] |= k;
          R[d + 1] |= k >> 31;
          break;
        case 0x4f:
          R[d] |= R[s]!;
          R[d + 1] |= R[s + 1]!;
          break;
        case 0x57:
          R[d] &= k;
          R[d + 1] &= k >> 31;
          break;
        case 0x5f:
          R[d] &= R[s]!;
          R[d + 1] &= R[s + 1]!;
          break;
        case 0x67: {
          const n = k & 63;
          if (n >= 32) {
            R[d + 1] = R[d]! << (n - 32);
            R[d] = 0;
          } else if (n !== 0) {
            R[d + 1] = (R[d + 1]! << n) | (R[d]! >>> (32 - n));
            R[d] = R[d]! << n;
          }
          break;
        }
        case 0x6f: {
          const n = R[s]! & 63;
          if (n >= 32) {
            R[d + 1] = R[d]! << (n - 32);
            R[d] = 0;
          } else if (n !== 0) {
            R[d + 1] = (R[d + 1]! << n) | (R[d]! >>> (32 - n));
            R[d] = R[d]! << n;
          }
          break;
        }
        case 0x77: {
          const n = k & 63;
          if (n >= 32) {
            R[d] = R[d + 1]! >>> (n - 32);
            R[d + 1] = 0;
          } else if (n !== 0) {
            R[d] = (R[d]! >>> n) | (R[d + 1]! << (32 - n));
            R[d + 1] = R[d + 1]! >>> n;
          }
          break;
        }
        case 0x7f: {
          const n = R[s]! & 63;
          if (n >= 32) {
            R[d] = R[d + 1]! >>> (n - 32);
            R[d + 1] = 0;
          } else if (n !== 0) {
            R[d] = (R[d]! >>> n) | (R[d + 1]! << (32 - n));
            R[d + 1] = R[d + 1]! >>> n;
          }
          break;
        }
        case 0x87: {
          const l = R[d]! | 0;
          R[d] = -l | 0;
          R[d + 1] = (~R[d + 1]! + (l === 0 ? 1 : 0)) | 0;
          break;
        }
        case 0x97:
          if (k !== 0) {
            divmodu64(R[d]!, R[d + 1]!, k, k >> 31, true);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0x9f:
          if (R[s] !== 0 || R[s + 1] !== 0) {
            divmodu64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!, true);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0xa7:
          R[d] ^= k;
          R[d + 1] ^= k >> 31;
          break;
        case 0xaf:
          R[d] ^= R[s]!;
          R[d + 1] ^= R[s + 1]!;
          break;
        case 0xb7:
          R[d] = k;
          R[d + 1] = k >> 31;
          break;
        case 0xbf:
          R[d] = R[s]!;
          R[d + 1] = R[s + 1]!;
          break;
        case 0xc7: {
          const n = k & 63;
          if (n >= 32) {
            R[d] = R[d + 1]! >> (n - 32);
            R[d + 1] = R[d + 1]! >> 31;
          } else if (n !== 0) {
            R[d] = (R[d]! >>> n) | (R[d + 1]! << (32 - n));
            R[d + 1] = R[d + 1]! >> n;
          }
          break;
        }
        case 0xcf: {
          const n = R[s]! & 63;
          if (n >= 32) {
            R[d] = R[d + 1]! >> (n - 32);
            R[d + 1] = R[d + 1]! >> 31;
          } else if (n !== 0) {
            R[d] = (R[d]! >>> n) | (R[d + 1]! << (32 - n));
            R[d + 1] = R[d + 1]! >> n;
          }
          break;
        }
        case 0x104: // CODE.SDIV64_K
          if (k === 0) {
            R[d] = 0;
            R[d + 1] = 0;
          } else {
            divmods64(R[d]!, R[d + 1]!, k, k >> 31, false);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0x105: // CODE.SDIV64_X
          if (R[s] === 0 && R[s + 1] === 0) {
            R[d] = 0;
            R[d + 1] = 0;
          } else {
            divmods64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!, false);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0x106: // CODE.SMOD64_K
          if (k !== 0) {
            divmods64(R[d]!, R[d + 1]!, k, k >> 31, true);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0x107: // CODE.SMOD64_X
          if (R[s] !== 0 || R[s + 1] !== 0) {
            divmods64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!, true);
            R[d] = out.lo;
            R[d + 1] = out.hi;
          }
          break;
        case 0x109: { // CODE.MOVSX64
          const bits = off[pc]!;
          const v = bits === 8 ? (R[s]! << 24) >> 24 : bits === 16 ? (R[s]! << 16) >> 16 : R[s]!;
          R[d] = v;
          R[d + 1] = v >> 31;
          break;
        }

        // ---- ALU (32-bit; results zero-extended) ----
        case 0x04:
          R[d] = (R[d]! + k) | 0;
          R[d + 1] = 0;
          break;
        case 0x0c:
          R[d] = (R[d]! + R[s]!) | 0;
          R[d + 1] = 0;
          break;
        case 0x14:
          R[d] = (R[d]! - k) | 0;
          R[d + 1] = 0;
          break;
        case 0x1c:
          R[d] = (R[d]! - R[s]!) | 0;
          R[d + 1] = 0;
          break;
        case 0x24:
          R[d] = Math.imul(R[d]!, k);
          R[d + 1] = 0;
          break;
        case 0x2c:
          R[d] = Math.imul(R[d]!, R[s]!);
          R[d + 1] = 0;
          break;
        case 0x34:
          R[d] = k === 0 ? 0 : ((R[d]! >>> 0) / (k >>> 0)) >>> 0;
          R[d + 1] = 0;
          break;
        case 0x3c:
          R[d] = R[s] === 0 ? 0 : ((R[d]! >>> 0) / (R[s]! >>> 0)) >>> 0;
          R[d + 1] = 0;
          break;
        case 0x44:
          R[d] |= k;
          R[d + 1] = 0;
          break;
        case 0x4c:
          R[d] |= R[s]!;
          R[d + 1] = 0;
          break;
        case 0x54:
          R[d] &= k;
          R[d + 1] = 0;
          break;
        case 0x5c:
          R[d] &= R[s]!;
          R[d + 1] = 0;
          break;
        case 0x64:
          R[d] <<= k & 31;
          R[d + 1] = 0;
          break;
        case 0x6c:
          R[d] <<= R[s]! & 31;
          R[d + 1] = 0;
          break;
        case 0x74:
          R[d] = R[d]! >>> (k & 31);
          R[d + 1] = 0;
          break;
        case 0x7c:
          R[d] = R[d]! >>> (R[s]! & 31);
          R[d + 1] = 0;
          break;
        case 0x84:
          R[d] = -R[d]! | 0;
          R[d + 1] = 0;
          break;
        case 0x94:
          if (k !== 0) R[d] = (R[d]! >>> 0) % (k >>> 0);
          R[d + 1] = 0;
          break;
        case 0x9c:
          if (R[s] !== 0) R[d] = (R[d]! >>> 0) % (R[s]! >>> 0);
          R[d + 1] = 0;
          break;
        case 0xa4:
          R[d] ^= k;
          R[d + 1] = 0;
          break;
        case 0xac:
          R[d] ^= R[s]!;
          R[d + 1] = 0;
          break;
        case 0xb4:
          R[d] = k;
          R[d + 1] = 0;
          break;
        case 0xbc:
          R[d] = R[s]!;
          R[d + 1] = 0;
          break;
        case 0xc4:
          R[d] >>= k & 31;
          R[d + 1] = 0;
          break;
        case 0xcc:
          R[d] >>= R[s]! & 31;
          R[d + 1] = 0;
          break;
        case 0x100: // CODE.SDIV32_K
          R[d] = k === 0 ? 0 : sdiv32(R[d]!, k);
          R[d + 1] = 0;
          break;
        case 0x101: // CODE.SDIV32_X
          R[d] = R[s] === 0 ? 0 : sdiv32(R[d]!, R[s]!);
          R[d + 1] = 0;
          break;
        case 0x102: // CODE.SMOD32_K
          if (k !== 0) R[d] = k === -1 ? 0 : R[d]! % k;
          R[d + 1] = 0;
          break;
        case 0x103: { // CODE.SMOD32_X
          const v = R[s]!;
          if (v !== 0) R[d] = v === -1 ? 0 : R[d]! % v;
          R[d + 1] = 0;
          break;
        }
        case 0x108: // CODE.MOVSX32
          R[d] = off[pc] === 8 ? (R[s]! << 24) >> 24 : (R[s]! << 16) >> 16;
          R[d + 1] = 0;
          break;
        case 0x10a: // CODE.LE
          if (k === 16) {
            R[d] &= 0xffff;
            R[d + 1] = 0;
          } else if (k === 32) {
            R[d + 1] = 0;
          }
          break;
        case 0x10b: // CODE.BE
        case 0x10c: // CODE.BSWAP
          if (k === 16) {
            R[d] = bswap16(R[d]!);
            R[d + 1] = 0;
          } else if (k === 32) {
            R[d] = bswap32(R[d]!);
            R[d + 1] = 0;
          } else {
            const lo = R[d]!;
            R[d] = bswap32(R[d + 1]!);
            R[d + 1] = bswap32(lo);
          }
          break;

        // ---- loads and stores ----
        case 0x71:
          R[d] = u8[access(s >> 1, off[pc]!, 1, false)]!;
          R[d + 1] = 0;
          break;
        case 0x69:
          R[d] = dv.getUint16(access(s >> 1, off[pc]!, 2, false), true);
          R[d + 1] = 0;
          break;
        case 0x61:
          R[d] = dv.getInt32(access(s >> 1, off[pc]!, 4, false), true);
          R[d + 1] = 0;
          break;
        case 0x79: {
          const a = access(s >> 1, off[pc]!, 8, false);
          R[d] = dv.getInt32(a, true);
          R[d + 1] = dv.getInt32(a + 4, true);
          break;
        }
        case 0x91: {
          const v = dv.getInt8(access(s >> 1, off[pc]!, 1, false));
          R[d] = v;
          R[d + 1] = v >> 31;
          break;
        }
        case 0x89: {
          const v = dv.getInt16(access(s >> 1, off[pc]!, 2, false), true);
          R[d] = v;
          R[d + 1] = v >> 31;
          break;
        }
        case 0x81: {
          const v = dv.getInt32(access(s >> 1, off[pc]!, 4, false), true);
          R[d] = v;
          R[d + 1] = v >> 31;
          break;
        }
        case 0x72:
          u8[access(d >> 1, off[pc]!, 1, true)] = k;
          break;
        case 0x6a:
          dv.setInt16(access(d >> 1, off[pc]!, 2, true), k, true);
          break;
        case 0x62:
          dv.setInt32(access(d >> 1, off[pc]!, 4, true), k, true);
          break;
        case 0x7a: {
          const a = access(d >> 1, off[pc]!, 8, true);
          dv.setInt32(a, k, true);
          dv.setInt32(a + 4, k >> 31, true);
          break;
        }
        case 0x73:
          u8[access(d >> 1, off[pc]!, 1, true)] = R[s]!;
          break;
        case 0x6b:
          dv.setInt16(access(d >> 1, off[pc]!, 2, true), R[s]!, true);
          break;
        case 0x63:
          dv.setInt32(access(d >> 1, off[pc]!, 4, true), R[s]!, true);
          break;
        case 0x7b: {
          const a = access(d >> 1, off[pc]!, 8, true);
          dv.setInt32(a, R[s]!, true);
          dv.setInt32(a + 4, R[s + 1]!, true);
          break;
        }
        case 0x10d: { // CODE.ATOMIC32
          const a = access(d >> 1, off[pc]!, 4, true);
          const old = dv.getInt32(a, true);
          const v = R[s]!;
          switch (k) {
            case 0x00:
            case 0x01:
              dv.setInt32(a, (old + v) | 0, true);
              break;
            case 0x40:
            case 0x41:
              dv.setInt32(a, old | v, true);
              break;
            case 0x50:
            case 0x51:
              dv.setInt32(a, old & v, true);
              break;
            case 0xa0:
            case 0xa1:
              dv.setInt32(a, old ^ v, true);
              break;
            case 0xe1:
              dv.setInt32(a, v, true);
              break;
            case 0xf1:
              if (old === R[0]) dv.setInt32(a, v, true);
              R[0] = old;
              R[1] = 0;
              break;
          }
          if (k & 1 && k !== 0xf1) {
            R[s] = old;
            R[s + 1] = 0;
          }
          break;
        }
        case 0x10e: { // CODE.ATOMIC64
          const a = access(d >> 1, off[pc]!, 8, true);
          const ol = dv.getInt32(a, true);
          const oh = dv.getInt32(a + 4, true);
          const vl = R[s]!;
          const vh = R[s + 1]!;
          let nl = vl;
          let nh = vh;
          let store = true;
          switch (k) {
            case 0x00:
            case 0x01: {
              const l = (ol >>> 0) + (vl >>> 0);
              nl = l | 0;
              nh = (oh + vh + (l > 0xffffffff ? 1 : 0)) | 0;
              break;
            }
            case 0x40:
            case 0x41:
              nl = ol | vl;
              nh = oh | vh;
              break;
            case 0x50:
            case 0x51:
              nl = ol & vl;
              nh = oh & vh;
              break;
            case 0xa0:
            case 0xa1:
              nl = ol ^ vl;
              nh = oh ^ vh;
              break;
            case 0xe1:
              break;
            case 0xf1:
              store = ol === R[0] && oh === R[1];
              R[0] = ol;
              R[1] = oh;
              break;
          }
          if (store) {
            dv.setInt32(a, nl, true);
            dv.setInt32(a + 4, nh, true);
          }
          if (k & 1 && k !== 0xf1) {
            R[s] = ol;
            R[s + 1] = oh;
          }
          break;
        }
        case 0x18:
          R[d] = k;
          R[d + 1] = immHi[pc]!;
          pc++; // skip the second slot
          break;
        case 0x20:
        case 0x28:
        case 0x30:
        case 0x40:
        case 0x48:
        case 0x50: {
          const size = c & 0x18 ? (c & 0x10 ? 1 : 2) : 4;
          let offset = k;
          if (c & 0x40) offset = (offset + R[s]!) | 0;
          if (!packet) throw new VmFault('instruction', pc, 'LD_ABS/LD_IND needs a packet (socket filter context)');
          if (offset < 0 || offset + size > packet.length) {
            // the kernel ends the program with r0 = 0 when a legacy packet load is out of bounds
            R[0] = 0;
            R[1] = 0;
            this.remaining = remaining;
            if (baseDepth === 0) return true;
            throw ABORT_RUN;
          }
          const a = packet.start + offset;
          R[0] = size === 1 ? u8[a]! : size === 2 ? dv.getUint16(a, false) : dv.getInt32(a, false);
          R[1] = 0;
          // r1..r5 are clobbered by these loads in the kernel; leave them as they are (the verifier marks them unusable)
          break;
        }

        // ---- jumps ----
        case 0x05:
          pc += off[pc]!;
          break;
        case 0x06:
          pc += k;
          break;
        case 0x15:
          if (R[d] === k && R[d + 1] === k >> 31) pc += off[pc]!;
          break;
        case 0x1d:
          if (R[d] === R[s] && R[d + 1] === R[s + 1]) pc += off[pc]!;
          break;
        case 0x55:
          if (R[d] !== k || R[d + 1] !== k >> 31) pc += off[pc]!;
          break;
        case 0x5d:
          if (R[d] !== R[s] || R[d + 1] !== R[s + 1]) pc += off[pc]!;
          break;
        case 0x45:
          if (R[d]! & k || R[d + 1]! & (k >> 31)) pc += off[pc]!;
          break;
        case 0x4d:
          if (R[d]! & R[s]! || R[d + 1]! & R[s + 1]!) pc += off[pc]!;
          break;
        case 0x25:
          if (ltu64(k, k >> 31, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        case 0x2d:
          if (ltu64(R[s]!, R[s + 1]!, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        case 0x35:
          if (!ltu64(R[d]!, R[d + 1]!, k, k >> 31)) pc += off[pc]!;
          break;
        case 0x3d:
          if (!ltu64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!)) pc += off[pc]!;
          break;
        case 0xa5:
          if (ltu64(R[d]!, R[d + 1]!, k, k >> 31)) pc += off[pc]!;
          break;
        case 0xad:
          if (ltu64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!)) pc += off[pc]!;
          break;
        case 0xb5:
          if (!ltu64(k, k >> 31, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        case 0xbd:
          if (!ltu64(R[s]!, R[s + 1]!, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        case 0x65:
          if (lts64(k, k >> 31, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        case 0x6d:
          if (lts64(R[s]!, R[s + 1]!, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        case 0x75:
          if (!lts64(R[d]!, R[d + 1]!, k, k >> 31)) pc += off[pc]!;
          break;
        case 0x7d:
          if (!lts64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!)) pc += off[pc]!;
          break;
        case 0xc5:
          if (lts64(R[d]!, R[d + 1]!, k, k >> 31)) pc += off[pc]!;
          break;
        case 0xcd:
          if (lts64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!)) pc += off[pc]!;
          break;
        case 0xd5:
          if (!lts64(k, k >> 31, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        case 0xdd:
          if (!lts64(R[s]!, R[s + 1]!, R[d]!, R[d + 1]!)) pc += off[pc]!;
          break;
        // JMP32: compare the low 32 bits
        case 0x16:
          if (R[d] === k) pc += off[pc]!;
          break;
        case 0x1e:
          if (R[d] === R[s]) pc += off[pc]!;
          break;
        case 0x56:
          if (R[d] !== k) pc += off[pc]!;
          break;
        case 0x5e:
          if (R[d] !== R[s]) pc += off[pc]!;
          break;
        case 0x46:
          if (R[d]! & k) pc += off[pc]!;
          break;
        case 0x4e:
          if (R[d]! & R[s]!) pc += off[pc]!;
          break;
        case 0x26:
          if (R[d]! >>> 0 > k >>> 0) pc += off[pc]!;
          break;
        case 0x2e:
          if (R[d]! >>> 0 > R[s]! >>> 0) pc += off[pc]!;
          break;
        case 0x36:
          if (R[d]! >>> 0 >= k >>> 0) pc += off[pc]!;
          break;
        case 0x3e:
          if (R[d]! >>> 0 >= R[s]! >>> 0) pc += off[pc]!;
          break;
        case 0xa6:
          if (R[d]! >>> 0 < k >>> 0) pc += off[pc]!;
          break;
        case 0xae:
          if (R[d]! >>> 0 < R[s]! >>> 0) pc += off[pc]!;
          break;
        case 0xb6:
          if (R[d]! >>> 0 <= k >>> 0) pc += off[pc]!;
          break;
        case 0xbe:
          if (R[d]! >>> 0 <= R[s]! >>> 0) pc += off[pc]!;
          break;
        case 0x66:
          if (R[d]! > k) pc += off[pc]!;
          break;
        case 0x6e:
          if (R[d]! > R[s]!) pc += off[pc]!;
          break;
        case 0x76:
          if (R[d]! >= k) pc += off[pc]!;
          break;
        case 0x7e:
          if (R[d]! >= R[s]!) pc += off[pc]!;
          break;
        case 0xc6:
          if (R[d]! < k) pc += off[pc]!;
          break;
        case 0xce:
          if (R[d]! < R[s]!) pc += off[pc]!;
          break;
        case 0xd6:
          if (R[d]! <= k) pc += off[pc]!;
          break;
        case 0xde:
          if (R[d]! <= R[s]!) pc += off[pc]!;
          break;

        // ---- calls and exit ----
        case 0x10f: // CODE.CALL_HELPER
        case 0x8d: {
          const id = c === 0x8d ? R[d]! : k;
          if (id === TAIL_CALL_HELPER && (c !== 0x8d || R[d + 1] === 0) && this.links.tailCallTarget) {
            const target =
              this.tailCalls < MAX_TAIL_CALLS && R[7] === 0
                ? this.links.tailCallTarget(toBig(R[4]!, R[5]!), R[6]! >>> 0)
                : undefined;
            if (target) {
              // like the kernel: same registers and stack frame, the new program starts at pc 0
              this.tailCalls++;
              this.active = program = target;
              ({ packed, off, imm, immHi, length } = target);
              pc = -1;
            } else {
              R[0] = -ENOENT;
              R[1] = -1;
            }
            break;
          }
          const helper = (c === 0x8d && R[d + 1] !== 0) || id < 0 ? undefined : this.helpers.get(id);
          if (!helper) throw new VmFault('helper', pc, `call to unknown helper ${id}`);
          this.pc = pc;
          this.remaining = remaining;
          this.depth = depth;
          const r0 = helper.fn(this.helperCall);
          remaining = this.remaining;
          if (R.length === 0) {
            // the helper grew the memory (see syncViews)
            R = this.syncViews();
            u8 = space.u8;
            dv = space.view;
            limit = u8.length;
          }
          if (typeof r0 === 'number' && Number.isSafeInteger(r0) && r0 >= -0x80000000 && r0 <= 0xffffffff) {
            R[0] = r0;
            R[1] = r0 < 0 ? -1 : 0;
          } else {
            fromBig(BigInt.asUintN(64, BigInt(r0)));
            R[0] = out.lo;
            R[1] = out.hi;
          }
          // r1..r5 are caller-saved: their contents are undefined after a call; keep them (the verifier forbids reads)
          break;
        }
        case 0x110: { // CODE.CALL_LOCAL
          if (depth >= MAX_CALL_FRAMES - 1) {
            throw new VmFault('call-depth', pc, `more than ${MAX_CALL_FRAMES} nested calls`);
          }
          // the frame (see `frames`), copied unrolled: R[12..20] are r6..r9 and r10's low half
          const f = depth * 10;
          if (program === entry) {
            frames[f] = pc;
          } else {
            frames[f] = ~pc;
            framePrograms[depth] = program;
          }
          depth++;
          frames[f + 1] = R[12]!;
          frames[f + 2] = R[13]!;
          frames[f + 3] = R[14]!;
          frames[f + 4] = R[15]!;
          frames[f + 5] = R[16]!;
          frames[f + 6] = R[17]!;
          frames[f + 7] = R[18]!;
          frames[f + 8] = R[19]!;
          frames[f + 9] = R[20]!;
          R[20] = (R[20]! - STACK_FRAME_SIZE) | 0;
          pc += k;
          break;
        }
        case 0x95: {
          if (depth === baseDepth) {
            this.remaining = remaining;
            return false;
          }
          const f = --depth * 10;
          const ret = frames[f]!;
          R[12] = frames[f + 1]!;
          R[13] = frames[f + 2]!;
          R[14] = frames[f + 3]!;
          R[15] = frames[f + 4]!;
          R[16] = frames[f + 5]!;
          R[17] = frames[f + 6]!;
          R[18] = frames[f + 7]!;
          R[19] = frames[f + 8]!;
          R[20] = frames[f + 9]!;
          const caller = ret >= 0 ? entry : framePrograms[depth]!;
          pc = ret >= 0 ? ret : ~ret;
          if (caller !== program) {
            this.active = program = caller;
            ({ packed, off, imm, immHi, length } = caller);
          }
          break;
        }
        case 0x111: // CODE.CALL_KFUNC
          throw new VmFault('instruction', pc, `kfunc call (BTF id ${k}) is not supported by the userspace VM`);
        default:
          // not a case of its own: 0xffff would stretch the labels' range past what V8 makes a jump table of
          if (c === SLOT_LDDW_TAIL) throw new VmFault('instruction', pc, 'jump into the middle of lddw');
          throw new VmFault('instruction', pc, `invalid instruction (opcode 0x${(c & 0xff).toString(16)})`);
      }
      pc++;
    }
  }
}

/** Writes r1..r5 (numbers are taken as unsigned addresses or small integers, anything else modulo 2^64). */
function setArgs(R: Int32Array, args: readonly (number | bigint)[]): void {
  for (let i = 0; i < args.length && i < 5; i++) {
    const v = args[i]!;
    if (typeof v === 'number' && v >= 0 && v <= 0xffffffff && Number.isInteger(v)) {
      R[2 + 2 * i] = v;
      R[3 + 2 * i] = 0;
    } else {
      fromBig(BigInt.asUintN(64, BigInt(v)));
      R[2 + 2 * i] = out.lo;
      R[3 + 2 * i] = out.hi;
    }
  }
}

/** The address of an access whose chunks are all valid for `mask`, or -1 (then the slow path decides). */
function fastAddress(
  R: Int32Array,
  u8: Uint8Array,
  r: number,
  offset: number,
  size: number,
  mask: number,
  limit: number,
): number {
  if (R[r + 1] !== 0) return -1;
  const a = (R[r]! >>> 0) + offset;
  if (a < 0 || a + size > limit) return -1;
  return u8[a >>> 3]! & u8[(a + size - 1) >>> 3]! & mask ? a : -1;
}

function sdiv32(a: number, b: number): number {
  if (a === -0x80000000 && b === -1) return a;
  return (a / b) | 0;
}
