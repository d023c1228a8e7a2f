/**
 * The wasm module of one program: imports (the memory and the host table), four functions that forward to the host
 * (helper, check, fault, budget, through the table: see host-table.ts), the shared slow path of checked accesses,
 * one function per BPF function, and three exports that enter it: `run` (a whole run from JS), `enter` (a tail call:
 * the main function with the registers in the register file) and `invoke` (a callback: one function with new
 * arguments, in a new frame).
 */
import { BPF_PSEUDO_FUNC } from '../isa/opcodes.js';
import type { Predecoded } from '../vm/predecode.js';
import { buildCfg } from './cfg.js';
import { FunctionEmitter, type ProgramContext } from './emit-function.js';
import { HOST_TYPES } from './host-table.js';
import { jitForms } from './forms.js';
import {
  FIRST_FUNC,
  GLOBAL_HALT,
  GLOBAL_PACKET_LENGTH,
  GLOBAL_PACKET_START,
  GLOBAL_TAILED,
  IMPORT_CHECK,
} from './imports.js';
import { EXTRA_LOCALS, PARAM_TYPES, RESULT_TYPES } from './locals.js';
import { SHADOW_READ, SHADOW_WRITE } from '../vm/memory.js';
import { STACK_FRAME_SIZE } from '../vm/interpreter.js';
import { OP, VOID } from './wasm-ops.js';
import { ByteWriter, F64, type FuncBody, I32, I64, writeModule } from './wasm-writer.js';

export interface ModuleOptions {
  registers: number;
  frameTop: number;
  verified?: ReadonlySet<number>;
  budgetChecks: boolean;
  structured: boolean;
  tailCalls: boolean;
  callbacks: boolean;
  /** Function entries the code does not show (callbacks whose references were linked to addresses). */
  entries?: Iterable<number>;
}

export interface ModuleLayout {
  /** Index of each BPF function (for `invoke`), by entry pc. */
  readonly functionIndex: ReadonlyMap<number, number>;
}

const TYPE_FUNC = 0;
const TYPE_RUN = 5;
const TYPE_ENTER = 6;
const TYPE_INVOKE = 7;
const TYPE_SLOW_CHECK = 8;
const TYPE_FRAME_OK = 9;
const ARGS: readonly (typeof I32)[] = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32];

/** Writes the module. */
export function emitModule(p: Predecoded, options: ModuleOptions): { bytes: Uint8Array; layout: ModuleLayout } {
  const { registers, frameTop } = options;
  const forms = jitForms(p);
  const cfg = buildCfg(p, forms, options.entries);
  const funcIndex = new Map<number, number>();
  const functionIndex = new Map<number, number>();
  for (const [i, fn] of cfg.functions.entries()) {
    funcIndex.set(fn.entry, FIRST_FUNC + i);
    functionIndex.set(fn.entry, i);
  }
  let mayHalt = options.tailCalls;
  let hasFunctionRefs = false;
  for (let pc = 0; pc < p.length; pc++) {
    const kind = forms[pc]?.kind;
    if (kind === 'ld_abs' || kind === 'ld_ind') mayHalt = true;
    if (kind === 'lddw' && p.src[pc] === BPF_PSEUDO_FUNC) hasFunctionRefs = true;
  }
  const ctx: ProgramContext = {
    p,
    forms,
    registers,
    verified: options.verified,
    budgetChecks: options.budgetChecks,
    structured: options.structured,
    tailCalls: options.tailCalls,
    spillAll: options.callbacks || hasFunctionRefs,
    mayHalt,
    funcIndex,
  };
  // the host functions first, at the IMPORT_* indexes: each forwards through the host table (see host-table.ts)
  const functions: FuncBody[] = HOST_TYPES.map((t, i) => ({
    type: 1 + i,
    locals: [],
    emit: (w: ByteWriter) => {
      for (let p = 0; p < t.params.length; p++) w.u8(OP.local_get).uleb(p);
      w.u8(OP.i32_const).sleb32(i).u8(OP.call_indirect).uleb(1 + i).u8(0);
    },
  }));
  functions.push({ type: TYPE_SLOW_CHECK, locals: [], emit: slowCheckBody });
  functions.push({ type: TYPE_FRAME_OK, locals: [[1, I32]], emit: frameOkBody });
  for (const fn of cfg.functions) {
    functions.push({
      type: TYPE_FUNC,
      locals: EXTRA_LOCALS,
      emit: (w: ByteWriter) => new FunctionEmitter(ctx, fn, cfg.blocks, w).compile(),
    });
  }
  const first = FIRST_FUNC;
  const count = cfg.functions.length;
  functions.push(
    { type: TYPE_RUN, locals: [[2, I64]], emit: (w) => runBody(w, registers, frameTop, first) },
    { type: TYPE_ENTER, locals: [[2, I64]], emit: (w) => enterBody(w, registers, first) },
    { type: TYPE_INVOKE, locals: [[2, I64]], emit: (w) => invokeBody(w, registers, first, count) },
  );
  const bytes = writeModule(
    {
      types: [
        { params: PARAM_TYPES, results: RESULT_TYPES },
        ...HOST_TYPES,
        { params: [F64, I32, I32, ...ARGS], results: [F64] },
        { params: [I32, F64, I32, I32], results: [F64] },
        { params: [I32, I32, F64, I32, I32, ...ARGS], results: [F64] },
        { params: [I64, I32], results: [] },
        { params: [I64], results: [I32] },
      ],
      imports: [],
      memory: { module: 'env', name: 'memory', minPages: 0 },
      table: { module: 'env', name: 'host', minSize: HOST_TYPES.length },
      globals: [
        { type: I32, mutable: true, init: 0 },
        { type: I32, mutable: true, init: 0 },
        { type: I32, mutable: true, init: -1 },
        { type: I32, mutable: true, init: 0 },
      ],
      functions,
      exports: [
        { name: 'run', kind: 'func', index: first + count },
        { name: 'enter', kind: 'func', index: first + count + 1 },
        { name: 'invoke', kind: 'func', index: first + count + 2 },
        { name: 'halt', kind: 'global', index: GLOBAL_HALT },
        { name: 'tailed', kind: 'global', index: GLOBAL_TAILED },
      ],
    },
    scratch,
  );
  return { bytes, layout: { functionIndex } };
}

/** The writer every compilation reuses (compilation is synchronous, so one is enough). */
const scratch = new ByteWriter(1 << 16);

const loadReg = (w: ByteWriter, registers: number, r: number) =>
  w
    .u8(OP.i32_const)
    .sleb32(0)
    .u8(OP.i64_load)
    .u8(0)
    .uleb(registers + 8 * r);
const storeReg = (w: ByteWriter, registers: number, r: number, local: number) =>
  w
    .u8(OP.i32_const)
    .sleb32(0)
    .u8(OP.local_get)
    .uleb(local)
    .u8(OP.i64_store)
    .u8(0)
    .uleb(registers + 8 * r);

/** slowCheck(addr: i64, packed: i32): check(addr lo, addr hi, size, write, pc) with packed = pc << 5 | size << 1 | write. */
function slowCheckBody(w: ByteWriter): void {
  w.u8(OP.local_get).uleb(0).u8(OP.i32_wrap_i64);
  w.u8(OP.local_get).uleb(0).u8(OP.i64_const).sleb32(32).u8(OP.i64_shr_u).u8(OP.i32_wrap_i64);
  w.u8(OP.local_get).uleb(1).u8(OP.i32_const).sleb32(1).u8(OP.i32_shr_u).u8(OP.i32_const).sleb32(15).u8(OP.i32_and);
  w.u8(OP.local_get).uleb(1).u8(OP.i32_const).sleb32(1).u8(OP.i32_and);
  w.u8(OP.local_get).uleb(1).u8(OP.i32_const).sleb32(5).u8(OP.i32_shr_u);
  w.u8(OP.call).uleb(IMPORT_CHECK);
}

/** Shadow bytes of chunks that are fully readable and writable, four at a time (each half of an i64). */
const RW_CHUNKS = (SHADOW_READ | SHADOW_WRITE) * 0x01010101;

/**
 * frameOk(r10: i64) -> i32 (see FUNC_FRAME_OK): r10 8-aligned, 512 <= r10 <= memory size, and the frame's 64 shadow
 * bytes (eight i64 loads from (r10 - 512) >> 3, which lies below r10 and so inside the memory) all read-write.
 */
function frameOkBody(w: ByteWriter): void {
  const base = 1;
  w.u8(OP.local_get).uleb(0).u8(OP.i64_const).sleb32(7).u8(OP.i64_and).u8(OP.i64_eqz);
  w.u8(OP.local_get).uleb(0).u8(OP.i64_const).sleb32(STACK_FRAME_SIZE).u8(OP.i64_ge_u).u8(OP.i32_and);
  w.u8(OP.local_get).uleb(0).u8x2(OP.memory_size, 0).u8(OP.i64_extend_i32_u);
  w.u8(OP.i64_const).sleb32(16).u8(OP.i64_shl).u8(OP.i64_le_u).u8(OP.i32_and);
  w.u8x2(OP.if, I32);
  w.u8(OP.local_get).uleb(0).u8(OP.i64_const).sleb32(STACK_FRAME_SIZE).u8(OP.i64_sub);
  w.u8(OP.i64_const).sleb32(3).u8(OP.i64_shr_u).u8(OP.i32_wrap_i64).u8(OP.local_set).uleb(base);
  for (let i = 0; i < STACK_FRAME_SIZE / 64; i++) {
    w.u8(OP.local_get).uleb(base).u8(OP.i64_load).u8(0).uleb(8 * i);
    w.u8(OP.i64_const).sleb64(RW_CHUNKS, RW_CHUNKS).u8(OP.i64_eq);
    if (i > 0) w.u8(OP.i32_and);
  }
  w.u8(OP.else).u8(OP.i32_const).sleb32(0).u8(OP.end);
}

/** Pushes the i64 made of two i32 params (lo, hi). */
function pushPair(w: ByteWriter, lo: number): void {
  w.u8(OP.local_get).uleb(lo).u8(OP.i64_extend_i32_u);
  w.u8(OP.local_get)
    .uleb(lo + 1)
    .u8(OP.i64_extend_i32_u)
    .u8(OP.i64_const)
    .sleb32(32)
    .u8(OP.i64_shl)
    .u8(OP.i64_or);
}

/** Resets the flags and sets the packet window from two params. */
function start(w: ByteWriter, packetStart: number): void {
  w.u8(OP.i32_const).sleb32(0).u8(OP.global_set).uleb(GLOBAL_HALT);
  w.u8(OP.i32_const).sleb32(0).u8(OP.global_set).uleb(GLOBAL_TAILED);
  w.u8(OP.local_get).uleb(packetStart).u8(OP.global_set).uleb(GLOBAL_PACKET_START);
  w.u8(OP.local_get)
    .uleb(packetStart + 1)
    .u8(OP.global_set)
    .uleb(GLOBAL_PACKET_LENGTH);
}

/**
 * Takes a called function's results (r0..r5, budget) off the stack: r0..rN into the register file, the budget into
 * `budgetLocal`.
 */
function storeResults(w: ByteWriter, registers: number, budgetLocal: number, upTo: number, tmp: number): void {
  w.u8(OP.local_set).uleb(budgetLocal);
  for (let r = 5; r >= 0; r--) {
    if (r > upTo) w.u8(OP.drop);
    else {
      w.u8(OP.local_set).uleb(tmp);
      storeReg(w, registers, r, tmp);
    }
  }
}

/**
 * run(budget: f64, packetStart, packetLength, r1lo, r1hi, ..., r5lo, r5hi: i32) -> remaining budget (f64). Calls the
 * main function at depth 0 with r10 at the top of the stack and stores r0 in the register file.
 */
function runBody(w: ByteWriter, registers: number, frameTop: number, main: number): void {
  const budget = 13;
  const tmp = 14;
  start(w, 1);
  w.u8(OP.i64_const).sleb32(0);
  for (let r = 1; r <= 5; r++) pushPair(w, 1 + 2 * r);
  for (let r = 6; r <= 9; r++) w.u8(OP.i64_const).sleb32(0);
  w.u8(OP.i64_const).sleb64(frameTop, 0);
  w.u8(OP.i32_const).sleb32(0);
  w.u8(OP.local_get).uleb(0).u8(OP.i64_trunc_f64_s);
  w.u8(OP.call).uleb(main);
  storeResults(w, registers, budget, 0, tmp);
  w.u8(OP.local_get).uleb(budget).u8(OP.f64_convert_i64_s);
}

/** enter(depth, budget: f64, packetStart, packetLength) -> budget: main with r0..r10 from the register file. */
function enterBody(w: ByteWriter, registers: number, main: number): void {
  const budget = 4;
  start(w, 2);
  for (let r = 0; r <= 10; r++) loadReg(w, registers, r);
  w.u8(OP.local_get).uleb(0);
  w.u8(OP.local_get).uleb(1).u8(OP.i64_trunc_f64_s);
  w.u8(OP.call).uleb(main);
  storeResults(w, registers, budget, 5, budget + 1);
  w.u8(OP.local_get).uleb(budget).u8(OP.f64_convert_i64_s);
}

/**
 * invoke(fn, depth, budget: f64, packetStart, packetLength, r1lo, r1hi, ..., r5hi) -> budget: function `fn` with r1..r5
 * from the arguments, r0 and r6..r9 from the register file and a new frame below r10.
 */
function invokeBody(w: ByteWriter, registers: number, first: number, count: number): void {
  const budget = 15;
  start(w, 3);
  for (let i = 0; i < count; i++) {
    w.u8(OP.local_get).uleb(0).u8(OP.i32_const).sleb32(i).u8(OP.i32_eq).u8x2(OP.if, VOID);
    loadReg(w, registers, 0);
    for (let r = 1; r <= 5; r++) pushPair(w, 3 + 2 * r);
    for (let r = 6; r <= 9; r++) loadReg(w, registers, r);
    loadReg(w, registers, 10).u8(OP.i64_const).sleb32(512).u8(OP.i64_sub);
    w.u8(OP.local_get).uleb(1);
    w.u8(OP.local_get).uleb(2).u8(OP.i64_trunc_f64_s);
    w.u8(OP.call).uleb(first + i);
    storeResults(w, registers, budget, 0, budget + 1);
    w.u8(OP.local_get).uleb(budget).u8(OP.f64_convert_i64_s).u8(OP.return);
    w.u8(OP.end);
  }
  w.u8(OP.unreachable);
}
