/**
 * Emission of the instructions that touch memory: loads, stores, atomics (plain read-modify-write: a BPF program
 * is single-threaded here and wasm atomics would trap on the unaligned addresses BPF allows) and the legacy packet
 * loads LD_ABS/LD_IND.
 *
 * An unverified access is checked inline against the shadow map: the 64-bit address must lie below the memory size
 * and the shadow bytes of its first and last chunks must both allow the access. Anything else (a partial chunk, a
 * bad pointer) calls the imported slow path, which either accepts the access or throws the interpreter's fault.
 * Accesses the verifier proved safe skip all of it.
 */
import { BPF_ADD, BPF_AND, BPF_CMPXCHG, BPF_OR, BPF_XCHG, BPF_XOR } from '../isa/opcodes.js';
import { STACK_FRAME_SIZE } from '../vm/interpreter.js';
import { SHADOW_READ, SHADOW_WRITE } from '../vm/memory.js';
import type { JitForm } from './forms.js';
import {
  FAULT_NO_PACKET,
  FUNC_SLOW_CHECK,
  GLOBAL_HALT,
  GLOBAL_PACKET_LENGTH,
  GLOBAL_PACKET_START,
  IMPORT_CHECK,
  SLOW_CHECK_MAX_PC,
} from './imports.js';
import { A32, ADDR, FRAME_OK, LIMIT, T1 } from './locals.js';
import { OP, VOID } from './wasm-ops.js';
import { type ByteWriter, type Snippet, sleb32At, snippet } from './wasm-writer.js';

const LOAD: Record<number, number> = { 1: OP.i64_load8_u, 2: OP.i64_load16_u, 4: OP.i64_load32_u, 8: OP.i64_load };
const LOAD_SIGNED: Record<number, number> = { 1: OP.i64_load8_s, 2: OP.i64_load16_s, 4: OP.i64_load32_s };
const STORE: Record<number, number> = { 1: OP.i64_store8, 2: OP.i64_store16, 4: OP.i64_store32, 8: OP.i64_store };

const get = (w: ByteWriter, local: number) => w.u8(OP.local_get).uleb(local);
const set = (w: ByteWriter, local: number) => w.u8(OP.local_set).uleb(local);
/** A memory immediate: alignment hint 0 (BPF allows any alignment) and a static offset. */
const memarg = (w: ByteWriter, offset: number) => w.u8(0).uleb(offset);

/**
 * Pushes the i32 address of `base + off` and returns the static offset to put in the access's memarg. Checked
 * accesses fault (through the slow path) exactly where the interpreter would. `frameOk`: the function maintains
 * FRAME_OK (see emit-function.ts), so an access inside the frame below r10 tests that flag instead.
 */
export function emitAddress(
  w: ByteWriter,
  base: number,
  off: number,
  size: number,
  write: boolean,
  pc: number,
  checked: boolean,
  frameOk = false,
): number {
  const inFrame = base === 10 && off >= -STACK_FRAME_SIZE && off + size <= 0;
  if (checked && frameOk && inFrame && pc >= 0 && pc <= SLOW_CHECK_MAX_PC) return frameAddress(w, off, size, write, pc);
  if (!checked) {
    get(w, base).u8(OP.i32_wrap_i64);
    if (off >= 0) return off;
    w.u8(OP.i32_const).sleb32(off).u8(OP.i32_add);
    return 0;
  }
  const addr = off !== 0 ? ADDR : base;
  if (pc < 0 || pc > SLOW_CHECK_MAX_PC) return checkedAddressLongForm(w, base, off, addr, size, write, pc);
  // the most frequent code of a checked program: written straight into the buffer (locals and the slow-check
  // function index are below 128, so each is one LEB128 byte)
  const check = shadowCheckSnippet(addr, size, write);
  const snip = check.bytes;
  w.reserve(snip.length + 32);
  const b = w.bytes;
  let o = w.length;
  b[o++] = OP.block;
  b[o++] = VOID;
  // the snippet starts with `local.get addr` (2 bytes): with an offset, the sum's `local.tee` takes its place
  let skip = 0;
  if (off !== 0) {
    b[o++] = OP.local_get;
    b[o++] = base;
    b[o++] = OP.i64_const;
    o = sleb32At(b, o, off);
    b[o++] = OP.i64_add;
    b[o++] = OP.local_tee;
    b[o++] = ADDR;
    skip = 2;
  }
  // the inline shadow check depends only on (address local, size, write): written once, then copied
  const at = o - skip - w.bodyStart;
  for (let i = 0; i < check.hints.length; i += 2) w.hintAt(at + check.hints[i]!, check.hints[i + 1] === 1);
  for (let i = skip; i < snip.length; i++) b[o++] = snip[i]!;
  b[o++] = OP.local_get;
  b[o++] = addr;
  b[o++] = OP.i32_const;
  o = sleb32At(b, o, (pc << 5) | (size << 1) | (write ? 1 : 0));
  b[o++] = OP.call;
  b[o++] = FUNC_SLOW_CHECK;
  b[o++] = OP.end;
  b[o++] = OP.local_get;
  b[o++] = addr;
  b[o++] = OP.i32_wrap_i64;
  w.length = o;
  return 0;
}

/**
 * emitAddress's checked access inside the frame below r10 (`frameOk`: the function keeps r10 and tracks the frame's
 * shadow in FRAME_OK): when the flag is set the shadow check would pass, so only the flag is tested; otherwise the
 * slow path decides (exactly as the inline check's fallback does).
 */
function frameAddress(w: ByteWriter, off: number, size: number, write: boolean, pc: number): number {
  // written straight into the buffer, like emitAddress's shadow check (locals and FUNC_SLOW_CHECK are one byte)
  w.reserve(40);
  const b = w.bytes;
  let o = w.length;
  b[o++] = OP.block;
  b[o++] = VOID;
  b[o++] = OP.local_get;
  b[o++] = FRAME_OK;
  w.hintAt(o - w.bodyStart, true);
  b[o++] = OP.br_if;
  b[o++] = 0;
  b[o++] = OP.local_get;
  b[o++] = 10;
  b[o++] = OP.i64_const;
  o = sleb32At(b, o, off);
  b[o++] = OP.i64_add;
  b[o++] = OP.i32_const;
  o = sleb32At(b, o, (pc << 5) | (size << 1) | (write ? 1 : 0));
  b[o++] = OP.call;
  b[o++] = FUNC_SLOW_CHECK;
  b[o++] = OP.end;
  b[o++] = OP.local_get;
  b[o++] = 10;
  b[o++] = OP.i32_wrap_i64;
  b[o++] = OP.i32_const;
  o = sleb32At(b, o, off);
  b[o++] = OP.i32_add;
  w.length = o;
  return 0;
}

/** emitAddress's checked access at a pc too large for slowCheck: the import is called with all its arguments. */
function checkedAddressLongForm(
  w: ByteWriter,
  base: number,
  off: number,
  addr: number,
  size: number,
  write: boolean,
  pc: number,
): number {
  if (off !== 0) {
    get(w, base).u8(OP.i64_const).sleb32(off).u8(OP.i64_add);
    set(w, ADDR);
  }
  w.u8x2(OP.block, VOID);
  w.put(shadowCheckSnippet(addr, size, write));
  get(w, addr).u8(OP.i32_wrap_i64);
  get(w, addr).u8(OP.i64_const).sleb32(32).u8(OP.i64_shr_u).u8(OP.i32_wrap_i64);
  w.u8(OP.i32_const).sleb32(size);
  w.u8(OP.i32_const).sleb32(write ? 1 : 0);
  w.u8(OP.i32_const).sleb32(pc);
  w.u8(OP.call).uleb(IMPORT_CHECK);
  w.u8(OP.end);
  get(w, addr).u8(OP.i32_wrap_i64);
  return 0;
}

/** Shadow-check snippets by ((address local * 16 + size) << 1 | write). */
const shadowChecks: (Snippet | undefined)[] = [];

/** The cached snippet (recorded in another function: its closure would cost a context allocation per call). */
function shadowCheckSnippet(addr: number, size: number, write: boolean): Snippet {
  const key = ((addr * 16 + size) << 1) | (write ? 1 : 0);
  return shadowChecks[key] ?? recordShadowCheck(key, addr, size, write);
}

function recordShadowCheck(key: number, addr: number, size: number, write: boolean): Snippet {
  const s = snippet((t) => shadowCheck(t, addr, size, write));
  shadowChecks[key] = s;
  return s;
}

/**
 * Inside the access's block: leaves it (`br_if 1`) when the address is below the limit and the shadow bytes of its
 * first and last chunks allow the access; falls through to the slow path otherwise.
 */
function shadowCheck(w: ByteWriter, addr: number, size: number, write: boolean): void {
  const mask = write ? SHADOW_WRITE : SHADOW_READ | SHADOW_WRITE;
  get(w, addr);
  get(w, LIMIT).u8(OP.i64_le_u).hint(true).u8x2(OP.if, VOID);
  get(w, addr).u8(OP.i32_wrap_i64).u8(OP.local_tee).uleb(A32);
  w.u8(OP.i32_const).sleb32(3).u8(OP.i32_shr_u).u8(OP.i32_load8_u);
  memarg(w, 0);
  if (size > 1) {
    get(w, A32)
      .u8(OP.i32_const)
      .sleb32(size - 1)
      .u8(OP.i32_add);
    w.u8(OP.i32_const).sleb32(3).u8(OP.i32_shr_u).u8(OP.i32_load8_u);
    memarg(w, 0);
    w.u8(OP.i32_and);
  }
  w.u8(OP.i32_const).sleb32(mask).u8(OP.i32_and);
  w.hint(true).u8x2(OP.br_if, 1).u8(OP.end);
}

/** dst = *(size *)(src + off), zero- or sign-extended. */
export function emitLoad(
  w: ByteWriter,
  form: JitForm,
  d: number,
  s: number,
  off: number,
  pc: number,
  checked: boolean,
  frameOk = false,
): void {
  const offset = emitAddress(w, s, off, form.size, false, pc, checked, frameOk);
  w.u8(form.signed ? LOAD_SIGNED[form.size]! : LOAD[form.size]!);
  memarg(w, offset);
  set(w, d);
}

/** *(size *)(dst + off) = src register (stx) or imm (st, sign-extended). */
export function emitStore(
  w: ByteWriter,
  form: JitForm,
  d: number,
  s: number,
  off: number,
  imm: number,
  pc: number,
  checked: boolean,
  frameOk = false,
): void {
  const offset = emitAddress(w, d, off, form.size, true, pc, checked, frameOk);
  if (form.kind === 'st') w.u8(OP.i64_const).sleb32(imm);
  else get(w, s);
  w.u8(STORE[form.size]!);
  memarg(w, offset);
}

const ATOMIC_OP: Record<number, number> = {
  [BPF_ADD]: OP.i64_add,
  [BPF_OR]: OP.i64_or,
  [BPF_AND]: OP.i64_and,
  [BPF_XOR]: OP.i64_xor,
};

/** The atomic read-modify-write forms, 32 or 64 bits wide. */
export function emitAtomic(
  w: ByteWriter,
  form: JitForm,
  d: number,
  s: number,
  off: number,
  pc: number,
  checked: boolean,
): void {
  const size = form.size;
  const offset = emitAddress(w, d, off, size, true, pc, checked);
  if (offset !== 0) w.u8(OP.i32_const).sleb32(offset).u8(OP.i32_add);
  w.u8(OP.local_tee).uleb(A32);
  w.u8(size === 4 ? OP.i64_load32_u : OP.i64_load);
  memarg(w, 0);
  set(w, T1);
  const store = size === 4 ? OP.i64_store32 : OP.i64_store;
  const op = form.op;
  if (op === BPF_CMPXCHG) {
    // if (old == r0) *addr = src; r0 = old   (32-bit: compares and returns the low halves)
    get(w, T1);
    get(w, 0);
    if (size === 4) w.u8(OP.i64_const).sleb64(-1, 0).u8(OP.i64_and);
    w.u8(OP.i64_eq).u8x2(OP.if, VOID);
    get(w, A32);
    get(w, s).u8(store);
    memarg(w, 0);
    w.u8(OP.end);
    get(w, T1);
    set(w, 0);
    return;
  }
  get(w, A32);
  if (op === BPF_XCHG) {
    get(w, s);
  } else {
    get(w, T1);
    get(w, s).u8(ATOMIC_OP[op & ~1]!);
  }
  w.u8(store);
  memarg(w, 0);
  if (op & 1) {
    get(w, T1);
    set(w, s);
  }
}

/**
 * r0 = ntoh(*(size *)(packet + imm [+ src])). Out of the packet ends the whole program with r0 = 0, as the kernel
 * does: set the halt flag and return (callers see the flag and return too). `emitReturn` returns from the function,
 * `emitFault` leaves for the fault handler (inside an if).
 */
export function emitPacketLoad(
  w: ByteWriter,
  form: JitForm,
  s: number,
  imm: number,
  emitReturn: () => void,
  emitFault: (kind: number) => void,
): void {
  const size = form.size;
  w.u8(OP.i32_const).sleb32(imm);
  if (form.kind === 'ld_ind') get(w, s).u8(OP.i32_wrap_i64).u8(OP.i32_add);
  set(w, A32);
  w.u8(OP.global_get).uleb(GLOBAL_PACKET_LENGTH).u8(OP.i32_const).sleb32(0).u8(OP.i32_lt_s).u8x2(OP.if, VOID);
  emitFault(FAULT_NO_PACKET);
  w.u8(OP.end);
  // (u64)(u32)offset + size > packet length: a negative offset is out of bounds too
  get(w, A32).u8(OP.i64_extend_i32_u).u8(OP.i64_const).sleb32(size).u8(OP.i64_add);
  w.u8(OP.global_get).uleb(GLOBAL_PACKET_LENGTH).u8(OP.i64_extend_i32_u).u8(OP.i64_gt_u).u8x2(OP.if, VOID);
  w.u8(OP.i64_const).sleb32(0);
  set(w, 0);
  w.u8(OP.i32_const).sleb32(1).u8(OP.global_set).uleb(GLOBAL_HALT);
  emitReturn();
  w.u8(OP.end);
  w.u8(OP.global_get).uleb(GLOBAL_PACKET_START);
  get(w, A32).u8(OP.i32_add);
  if (size === 1) {
    w.u8(OP.i64_load8_u);
    memarg(w, 0);
  } else if (size === 2) {
    w.u8(OP.i32_load16_u);
    memarg(w, 0);
    w.u8(OP.local_tee).uleb(A32).u8(OP.i32_const).sleb32(8).u8(OP.i32_shl);
    get(w, A32).u8(OP.i32_const).sleb32(8).u8(OP.i32_shr_u).u8(OP.i32_or);
    w.u8(OP.i32_const).sleb32(0xffff).u8(OP.i32_and).u8(OP.i64_extend_i32_u);
  } else {
    w.u8(OP.i32_load);
    memarg(w, 0);
    w.u8(OP.local_tee).uleb(A32).u8(OP.i32_const).sleb32(8).u8(OP.i32_rotl);
    w.u8(OP.i32_const).sleb32(0x00ff00ff).u8(OP.i32_and);
    get(w, A32).u8(OP.i32_const).sleb32(8).u8(OP.i32_rotr);
    w.u8(OP.i32_const)
      .sleb32(0xff00ff00 | 0)
      .u8(OP.i32_and)
      .u8(OP.i32_or)
      .u8(OP.i64_extend_i32_u);
  }
  set(w, 0);
}
