/**
 * Memory access checks (check_mem_access and friends): what a load, store or helper may touch through each
 * pointer type, and the register a load produces.
 */
import { checkPtrAlignment } from './align.js';
import { mapStructName } from './map-struct.js';
import { sockCommonReadOk, sockReadOk } from './sock-access.js';
import { growSubprogStack } from './stack-depth.js';
import { type Env, mapName, reject } from './env.js';
import { PROG_TYPES } from './prog-types.js';
import { copyReg, isPointer, notInit, ptrReg, type Reg, regTypeName, scalarReg } from './reg.js';
import {
  coerceToSize,
  isConst,
  knownScalar,
  S64_MIN,
  signExtendFromSize,
  unknownScalar,
} from './scalar.js';
import { curFrame, type Frame, MAX_BPF_STACK, slotOf } from './state.js';
import { tnumString } from './tnum.js';

export const BPF_MAX_VAR_OFF = 1 << 29;
export const MAX_PACKET_OFF = 0xffff;

/** Whether the verifier must treat this register as a pointer that may not leak (unprivileged only). */
export const leaks = (env: Env, r: Reg): boolean => !env.priv && isPointer(r);

/** The frame a stack pointer points into. */
export function frameOf(env: Env, r: Reg): Frame {
  return env.state.frames[r.frameno] ?? curFrame(env.state);
}

/** __check_mem_access: [off, off+size) within [0, memSize). */
function checkMemRange(regno: number, r: Reg, off: number, size: number, memSize: number, zeroOk: boolean): void {
  const sizeOk = size > 0 || (size === 0 && zeroOk);
  if (off >= 0 && sizeOk && off + size <= memSize) return;
  let msg: string;
  switch (r.type) {
    case 'map_key':
      msg = `invalid access to map key, key_size=${memSize} off=${off} size=${size}`;
      break;
    case 'map_value':
      msg = `invalid access to map value, value_size=${memSize} off=${off} size=${size}`;
      break;
    case 'pkt':
    case 'pkt_meta':
    case 'pkt_end':
      msg = `invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${memSize})`;
      break;
    default:
      msg = `invalid access to memory, mem_size=${memSize} off=${off} size=${size}`;
  }
  throw new MemRangeError(msg);
}

class MemRangeError extends Error {}

/** check_mem_region_access: the variable part's bounds plus off, within memSize. */
export function checkRegion(
  env: Env,
  regno: number,
  r: Reg,
  off: number,
  size: number,
  memSize: number,
  zeroOk: boolean,
): void {
  const s = r.s;
  const what = r.type === 'map_value' ? `${size} bytes of a ${memSize}-byte map value` : `${size} bytes of ${memSize}`;
  if (
    s.smin < 0n &&
    (s.smin === S64_MIN ||
      BigInt(off) + s.smin !== BigInt.asIntN(32, BigInt(off) + s.smin) ||
      s.smin + BigInt(off) < 0n)
  ) {
    reject(
      env,
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
      [regno],
      `the offset added to R${regno} may be negative; check it (\`if idx s< 0 goto out\`) or make it unsigned`,
    );
  }
  try {
    checkMemRange(regno, r, Number(s.smin) + off, size, memSize, zeroOk);
  } catch (e) {
    if (!(e instanceof MemRangeError)) throw e;
    reject(
      env,
      `${e.message}\nR${regno} min value is outside of the allowed memory range`,
      [regno],
      `keep the access to ${what} inside it`,
    );
  }
  if (s.umax >= BigInt(BPF_MAX_VAR_OFF)) {
    reject(
      env,
      `R${regno} unbounded memory access, make sure to bounds check any such access`,
      [regno],
      `bound the index added to R${regno} first, e.g. \`if idx >= N goto out\` with N*size within ${memSize} bytes`,
    );
  }
  try {
    checkMemRange(regno, r, Number(s.umax) + off, size, memSize, zeroOk);
  } catch (e) {
    if (!(e instanceof MemRangeError)) throw e;
    reject(
      env,
      `${e.message}\nR${regno} max value is outside of the allowed memory range`,
      [regno],
      `the largest offset R${regno} may hold (${s.umax}) plus ${off + size} passes the end of ${memSize} bytes; tighten the bounds check`,
    );
  }
}

/** check_packet_access: [off, off+size) inside the range proven by comparisons with data_end. */
export function checkPacket(env: Env, regno: number, r: Reg, off: number, size: number, zeroOk: boolean): void {
  if (r.s.smin < 0n) {
    reject(env, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, [regno]);
  }
  try {
    checkMemRange(regno, r, off, size, r.range, zeroOk);
  } catch (e) {
    if (!(e instanceof MemRangeError)) throw e;
    const need = off + size;
    reject(
      env,
      `${e.message}\nR${regno} offset is outside of the packet`,
      [regno],
      r.range >= need
        ? `keep the access inside the packet`
        : `check \`data + ${need} <= data_end\` before reading ${size} byte${size === 1 ? '' : 's'} at offset ${off} of the packet (proven so far: ${r.range})`,
    );
  }
}

export interface AccessResult {
  /** The loaded value (reads into a register). */
  value?: Reg;
}

/**
 * One load or store through register `regno` at insn offset `off`. `value` is the stored register (stores) or
 * undefined for a store of an immediate (`imm`); reads return the register to put in the destination.
 */
export function checkMemAccess(
  env: Env,
  regno: number,
  off: number,
  size: number,
  write: boolean,
  value?: { reg?: Reg; regno?: number; imm?: number },
  signExtend = false,
  strictOnce = false,
): Reg | undefined {
  const r = curFrame(env.state).regs[regno]!;
  const kind = r.maybeNull ? 'null' : r.type;
  const kinds = env.accessKinds.get(env.pc);
  if (kinds) kinds.add(kind);
  else env.accessKinds.set(env.pc, new Set([kind]));
  checkPtrAlignment(env, r, off, size, strictOnce);
  const full = off + r.off;
  let result: Reg | undefined;
  const valueReg = value?.reg;
  const valueNo = value?.regno ?? -1;
  switch (r.maybeNull ? 'null' : r.type) {
    case 'map_value': {
      if (write && valueReg && leaks(env, valueReg)) reject(env, `R${valueNo} leaks addr into map`, [valueNo]);
      const map = env.maps[r.map]!;
      const flags = map.flags ?? 0;
      if (write && flags & (1 << 7))
        reject(
          env,
          `write into map forbidden, value_size=${map.valueSize} off=${full} size=${size}`,
          [regno],
          map.name?.startsWith('.rodata')
            ? `${map.name} holds \`const\` globals, which programs may only read; drop the const to make it writable`
            : `map ${mapName(env, r.map)} was created read-only for programs (BPF_F_RDONLY_PROG)`,
        );
      if (!write && flags & (1 << 8))
        reject(
          env,
          `read from map forbidden, value_size=${map.valueSize} off=${full} size=${size}`,
          [regno],
          `map ${mapName(env, r.map)} was created write-only for programs (BPF_F_WRONLY_PROG)`,
        );
      checkRegion(env, regno, r, full, size, map.valueSize, false);
      if (!write) result = scalarReg();
      break;
    }
    case 'map_key': {
      if (write) reject(env, `write to change key R${regno} not allowed`, [regno]);
      const map = env.maps[r.map]!;
      checkRegion(env, regno, r, full, size, map.keySize, false);
      result = scalarReg();
      break;
    }
    case 'mem':
    case 'ringbuf_mem': {
      if (write && valueReg && leaks(env, valueReg)) reject(env, `R${valueNo} leaks addr into mem`, [valueNo]);
      checkRegion(env, regno, r, full, size, r.memSize, false);
      if (!write) result = scalarReg();
      break;
    }
    case 'ctx': {
      if (write && valueReg && leaks(env, valueReg)) reject(env, `R${valueNo} leaks addr into ctx`, [valueNo]);
      checkCtxPointerOffset(env, regno, r);
      const access = env.prog.ctxAccess(off, size, write, env.priv);
      if (!access.ok) {
        reject(
          env,
          `invalid bpf_context access off=${off} size=${size}`,
          [regno],
          ctxSuggestion(env, off, size, write),
        );
      }
      if (!write) {
        if (access.type === 'scalar') result = scalarReg();
        else {
          result = ptrReg(access.type, { maybeNull: access.maybeNull ?? false });
          if (access.maybeNull) result.id = ++env.idGen;
        }
      }
      break;
    }
    case 'stack': {
      checkStackBounds(env, regno, r, full, size, write ? ' write to' : ' read from');
      if (write) stackWrite(env, r, full, size, valueReg, value?.imm);
      else result = stackRead(env, r, full, size);
      break;
    }
    case 'pkt':
    case 'pkt_meta': {
      if (write && !env.prog.pktWrite)
        reject(env, 'cannot write into packet', [regno], `${env.prog.name} programs may only read the packet`);
      if (write && valueReg && leaks(env, valueReg)) reject(env, `R${valueNo} leaks addr into packet`, [valueNo]);
      checkPacket(env, regno, r, full, size, false);
      if (!write) result = scalarReg();
      break;
    }
    case 'sock_common':
    case 'sock': {
      if (write) reject(env, `R${regno} cannot write into ${regTypeName(r)}`, [regno]);
      // Pointer arithmetic on socket pointers is refused, so `full` is the insn offset (check_sock_access).
      if (!(r.type === 'sock' ? sockReadOk(full, size) : sockCommonReadOk(full, size)))
        reject(
          env,
          `R${regno} invalid ${regTypeName(r)} access off=${full} size=${size}`,
          [regno],
          r.type === 'sock_common' && full >= 8 && full < 24
            ? 'type, protocol, mark and priority exist only on full sockets: call bpf_sk_fullsock() first'
            : `read struct bpf_sock fields at their own offsets with their own size (offset ${full}, ${size} bytes is not one)`,
        );
      result = scalarReg();
      break;
    }
    case 'map_ptr': {
      // check_ptr_to_map_access: root may read struct bpf_map's fields (typed by vmlinux BTF).
      if (!env.priv) reject(env, `R${regno} invalid mem access '${regTypeName(r)}'`, [regno]);
      const struct = mapStructName(env.maps[r.map]?.type ?? -1);
      if (write) reject(env, `only read from ${struct} is supported`, [regno]);
      if (full < 0) reject(env, `R${regno} is ${struct} invalid negative access: off=${full}`, [regno]);
      result = scalarReg();
      break;
    }
    default:
      reject(
        env,
        `R${regno} invalid mem access '${regTypeName(r)}'`,
        [regno],
        r.maybeNull
          ? `R${regno} may be NULL: check \`if r${regno} == 0 goto ...\` before dereferencing it`
          : r.type === 'scalar'
            ? `R${regno} holds a number, not a pointer; only pointers (ctx, stack, packet, map values) can be dereferenced`
            : r.type === 'not_init'
              ? `R${regno} was never set`
              : `memory cannot be accessed through a ${regTypeName(r)} pointer`,
      );
  }
  if (result && result.type === 'scalar' && size < 8) {
    if (signExtend) signExtendFromSize(result.s, size);
    else coerceToSize(result.s, size);
  }
  return result;
}

function ctxSuggestion(env: Env, off: number, size: number, write: boolean): string {
  const info = PROG_TYPES[env.prog.name];
  if (off < 0 || off >= info.ctxSize)
    return `the ${env.prog.name} context has ${info.ctxSize} bytes; offset ${off} is outside it`;
  if (write) return `${env.prog.name} programs cannot write this context field (offset ${off}, ${size} bytes)`;
  return `read context fields with their own size at their own offset (offset ${off}, ${size} bytes is not a valid field access for ${env.prog.name})`;
}

/** check_ptr_off_reg for ctx: the register itself must point at the context's start. */
export function checkCtxPointerOffset(env: Env, regno: number, r: Reg): void {
  if (r.off < 0) {
    reject(
      env,
      `negative offset ctx ptr R${regno} off=${r.off} disallowed`,
      [regno],
      'the context pointer moved below its start; access the context through the original pointer',
    );
  }
  if (r.off) {
    reject(
      env,
      `dereference of modified ctx ptr R${regno} off=${r.off} disallowed`,
      [regno],
      `access the context through the original pointer with an instruction offset: \`*(u32 *)(r1 + ${r.off})\``,
    );
  }
  if (!isConst(r.s) || r.s.t.value !== 0n) {
    reject(
      env,
      `variable ctx access var_off=${tnumString(r.s.t)} disallowed`,
      [regno],
      'context fields must be accessed at constant offsets',
    );
  }
}

/** check_stack_access_within_bounds. */
export function checkStackBounds(env: Env, regno: number, r: Reg, off: number, size: number, extra: string): void {
  let minOff: number;
  let maxOff: number;
  if (isConst(r.s)) {
    minOff = Number(BigInt.asIntN(64, r.s.t.value)) + off;
    maxOff = minOff + size;
  } else {
    if (r.s.smax >= BigInt(BPF_MAX_VAR_OFF) || r.s.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      reject(env, `invalid unbounded variable-offset${extra} stack R${regno}`, [regno]);
    }
    minOff = Number(r.s.smin) + off;
    maxOff = Number(r.s.smax) + off + size;
  }
  const frame = frameOf(env, r);
  const minValid = extra === ' write to' || env.priv ? -MAX_BPF_STACK : -frame.depth;
  if (minOff < minValid || minOff > -1 || maxOff > 0 || size < 0) {
    if (isConst(r.s)) {
      reject(
        env,
        `invalid${extra} stack R${regno} off=${off} size=${size}`,
        [regno],
        minOff > -1 || maxOff > 0
          ? 'the stack lies below r10: use negative offsets, r10 - 8 and lower'
          : `a stack frame is ${MAX_BPF_STACK} bytes: offsets from r10 go from -${MAX_BPF_STACK} to -1`,
      );
    }
    reject(
      env,
      `invalid variable-offset${extra} stack R${regno} var_off=${tnumString(r.s.t)} off=${off} size=${size}`,
      [regno],
    );
  }
  // grow_stack_state: every access in bounds, read or write, deepens the frame (and its function's stack use,
  // which the call-chain limit adds up after verification).
  frame.depth = Math.max(frame.depth, -minOff);
  growSubprogStack(env, frame.subprog, -minOff);
}

/** Stack byte positions [lo, hi) (negative offsets from the frame top) an access covers, widened by var bounds. */
function stackSpan(r: Reg, off: number, size: number): [number, number] {
  if (isConst(r.s)) {
    const lo = Number(BigInt.asIntN(64, r.s.t.value)) + off;
    return [lo, lo + size];
  }
  return [Number(r.s.smin) + off, Number(r.s.smax) + off + size];
}

const spiOf = (pos: number): number => Math.floor((-pos - 1) / 8);
const byteOf = (pos: number): number => (-pos - 1) % 8;


/** Stores into the stack (check_stack_write_fixed_off / var_off). */
export function stackWrite(env: Env, r: Reg, off: number, size: number, value?: Reg, imm?: number): void {
  const frame = frameOf(env, r);
  const [lo, hi] = stackSpan(r, off, size);
  const aligned = isConst(r.s) && lo % 8 === 0;
  if (aligned && (!value || value.type === 'scalar') && (env.priv || size === 8)) {
    // a scalar (or an immediate) stored at a slot start is a spill, of any size (save_register_state)
    const slot = slotOf(frame, spiOf(lo));
    slot.spilled = value ? copyReg(value) : scalarReg(knownScalar(BigInt(imm ?? 0)));
    for (let i = 0; i < 8; i++) {
      if (i >= 8 - size) slot.bytes[i] = 'spill';
      else if (slot.bytes[i] === 'spill') slot.bytes[i] = 'misc';
      else if (slot.bytes[i] === 'invalid' && !env.priv) slot.bytes[i] = 'misc';
    }
    return;
  }
  if (value && value.type !== 'scalar' && value.type !== 'not_init') {
    if (size !== 8) reject(env, 'invalid size of register spill', [], 'pointers are spilled with 8-byte stores');
    if (aligned) {
      const slot = slotOf(frame, spiOf(lo));
      slot.bytes.fill('spill');
      slot.spilled = copyReg(value);
      return;
    }
  }
  const isZero =
    isConst(r.s) && (value ? value.type === 'scalar' && isConst(value.s) && value.s.t.value === 0n : imm === 0);
  for (let pos = lo; pos < hi; pos++) {
    const slot = slotOf(frame, spiOf(pos));
    if (slot.spilled) {
      for (let i = 0; i < 8; i++) if (slot.bytes[i] === 'spill') slot.bytes[i] = 'misc';
      slot.spilled = undefined;
    }
    slot.bytes[byteOf(pos)] = isZero ? 'zero' : 'misc';
  }
}

/** Marks stack bytes written by a helper (uninit_mem arguments) as initialised. */
export function stackClobber(env: Env, r: Reg, off: number, size: number): void {
  if (size <= 0) return;
  stackWrite(env, r, off, size, scalarReg());
  const frame = frameOf(env, r);
  const [lo, hi] = stackSpan(r, off, size);
  for (let pos = lo; pos < hi; pos++) {
    const slot = slotOf(frame, spiOf(pos));
    slot.bytes[byteOf(pos)] = 'misc';
    slot.spilled = undefined;
  }
}

/** Loads from the stack (check_stack_read_fixed_off / var_off). */
export function stackRead(env: Env, r: Reg, off: number, size: number): Reg {
  const frame = frameOf(env, r);
  const [lo, hi] = stackSpan(r, off, size);
  if (isConst(r.s)) {
    const slot = frame.stack[spiOf(lo)];
    if (slot?.spilled && slot.bytes[byteOf(lo)] === 'spill') {
      const sp = slot.spilled;
      const spillSize = slot.bytes.filter((b) => b === 'spill').length;
      if (size === 8 && lo % 8 === 0 && spillSize === 8) return copyReg(sp);
      if (sp.type !== 'scalar') {
        reject(
          env,
          'invalid size of register fill',
          [],
          'reload a spilled pointer with an 8-byte load from where it was stored',
        );
      }
      if (size <= spillSize && lo % 8 === 0) {
        // narrowing fill from the slot start: the spilled value, truncated by the load (id kept if it fits)
        const fits = sp.s.umax < 1n << BigInt(size * 8);
        const out = copyReg(sp);
        out.id = fits ? sp.id : 0;
        return out;
      }
      return scalarReg(unknownScalar());
    }
  }
  let allZero = true;
  for (let pos = lo; pos < hi; pos++) {
    const slot = frame.stack[spiOf(pos)];
    const b = slot?.bytes[byteOf(pos)] ?? 'invalid';
    if (b === 'invalid' && !env.priv) {
      reject(
        env,
        `invalid read from stack off ${lo}+${pos - lo} size ${size}`,
        [],
        `write the stack bytes at r10${lo} before reading them`,
      );
    }
    if (b === 'spill' && slot?.spilled && slot.spilled.type !== 'scalar' && !env.priv) {
      reject(env, 'leaking pointer from stack off ' + lo, []);
    }
    if (b !== 'zero') allZero = false;
  }
  if (isConst(r.s) && allZero) return scalarReg(knownScalar(0n));
  return scalarReg(unknownScalar());
}

/** The register after a failed null branch or a release: unknown scalar (root) or unreadable (unprivileged). */
export function invalidReg(env: Env): Reg {
  return env.priv ? scalarReg() : notInit();
}
