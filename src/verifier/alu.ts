/**
 * ALU instructions (check_alu_op, adjust_reg_min_max_vals, adjust_ptr_min_max_vals): scalar arithmetic with
 * bounds, and the pointer arithmetic the kernel allows (add/sub of a scalar to most pointer types).
 */
import type { InsnForm } from '../isa/forms.js';
import type { Instruction } from '../isa/instruction.js';
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
} from '../isa/opcodes.js';
import { type Env, reject } from './env.js';
import { BPF_MAX_VAR_OFF, leaks } from './mem.js';
import { copyReg, isPktPointer, type Reg, regTypeName, scalarReg } from './reg.js';
import {
  boundsInvalid,
  coerceToSize,
  copyScalar,
  isConst,
  knownScalar,
  S64_MAX,
  S64_MIN,
  type Scalar,
  signExtendFromSize,
  syncBounds,
  unknownScalar,
  zext32,
} from './scalar.js';
import { scalarAlu, scalarNeg } from './scalar-alu.js';
import { curFrame } from './state.js';
import { tnumAdd, tnumIsConst, tnumSub, U64_MAX } from './tnum.js';

/** Flag in a scalar's id: it is a linked copy plus the constant in `off`. */
export const ADD_CONST = 0x4000_0000;

const ALU_STRING: Record<number, string> = {
  0: '+=',
  16: '-=',
  32: '*=',
  48: '/=',
  64: '|=',
  80: '&=',
  96: '<<=',
  112: '>>=',
  128: 'neg',
  144: '%=',
  160: '^=',
  176: '=',
  192: 's>>=',
  208: 'endian',
};

/** check_reg_arg(SRC_OP): the register must have been written. */
export function readReg(env: Env, regno: number): Reg {
  const r = curFrame(env.state).regs[regno];
  if (!r) reject(env, `R${regno} is invalid`, []);
  if (r.type === 'not_init') {
    reject(env, `R${regno} !read_ok`, [regno], readSuggestion(env, regno));
  }
  return r;
}

function readSuggestion(env: Env, regno: number): string {
  if (regno === 0) return 'set r0 before using it, e.g. `r0 = 0` (at exit it is the return value)';
  if (regno >= 1 && regno <= 5 && env.state.frames.length >= 1) {
    return `R${regno} is not set here; if a call came before, remember that calls clobber r1-r5 (keep values in r6-r9)`;
  }
  return `set R${regno} before reading it`;
}

/** check_reg_arg(DST_OP). */
export function checkWritable(env: Env, regno: number): void {
  if (regno === 10)
    reject(
      env,
      'frame pointer is read only',
      [10],
      'r10 is the frame pointer; copy it (`r1 = r10`) and change the copy',
    );
  if (regno > 10) reject(env, `R${regno} is invalid`);
}

export function setReg(env: Env, regno: number, r: Reg): void {
  curFrame(env.state).regs[regno] = r;
}

export function checkAlu(env: Env, insn: Instruction, form: InsnForm): void {
  const regs = curFrame(env.state).regs;
  const is64 = form.is64;
  const dst = insn.dst;
  if (form.kind === 'neg') {
    readReg(env, dst);
    if (leaks(env, regs[dst]!)) reject(env, `R${dst} pointer arithmetic prohibited`, [dst]);
    checkWritable(env, dst);
    const r = regs[dst]!;
    if (r.type !== 'scalar') {
      setReg(env, dst, scalarReg(is64 ? unknownScalar() : zextUnknown()));
      return;
    }
    setReg(env, dst, scalarReg(scalarNeg(r.s, is64)));
    return;
  }
  if (form.kind === 'end') {
    readReg(env, dst);
    if (leaks(env, regs[dst]!)) reject(env, `R${dst} pointer arithmetic prohibited`, [dst]);
    checkWritable(env, dst);
    const s = unknownScalar();
    const r = regs[dst]!;
    // le on a little-endian host only truncates; be and bswap reorder bytes.
    if (form.op === 0x00 && r.type === 'scalar') Object.assign(s, r.s);
    if (form.size < 64) coerceToSize(s, form.size / 8);
    setReg(env, dst, scalarReg(s));
    return;
  }
  if (form.kind === 'movsx') {
    const src = readReg(env, insn.src);
    checkWritable(env, dst);
    if (src.type !== 'scalar') {
      if (!env.priv) reject(env, `R${insn.src} sign-extension part of pointer`, [insn.src]);
      setReg(env, dst, scalarReg());
      return;
    }
    const s = copyScalar(src.s);
    signExtendFromSize(s, form.size / 8);
    if (!is64) zext32(s);
    setReg(env, dst, scalarReg(s));
    return;
  }
  const op = form.op;
  if (op === BPF_MOV) {
    if (form.x) {
      const src = readReg(env, insn.src);
      checkWritable(env, dst);
      if (is64) {
        if (src.type === 'scalar' && !src.id && !isConst(src.s)) src.id = ++env.idGen;
        setReg(env, dst, copyReg(src));
      } else if (src.type !== 'scalar') {
        if (!env.priv) reject(env, `R${insn.src} partial copy of pointer`, [insn.src]);
        setReg(env, dst, scalarReg(zextUnknown()));
      } else {
        const s = copyScalar(src.s);
        zext32(s);
        setReg(env, dst, scalarReg(s));
      }
    } else {
      checkWritable(env, dst);
      const v = is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0);
      setReg(env, dst, scalarReg(knownScalar(v)));
    }
    return;
  }
  if (!form.x && (op === BPF_DIV || op === BPF_MOD) && insn.imm === 0)
    reject(
      env,
      'div by zero',
      [],
      'dividing by the constant 0 is refused; a divisor in a register may be 0 (the result is then 0)',
    );
  if (!form.x && (op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH)) {
    const bits = is64 ? 64 : 32;
    if (insn.imm < 0 || insn.imm >= bits) reject(env, `invalid shift ${insn.imm}`, [], `shift by 0 to ${bits - 1}`);
  }
  const dstReg = readReg(env, dst);
  const srcReg = form.x ? readReg(env, insn.src) : scalarReg(knownScalar(BigInt(insn.imm)));
  checkWritable(env, dst);
  if (form.x && srcReg.type !== 'scalar') {
    if (dstReg.type !== 'scalar') {
      if (op === BPF_SUB && env.priv) {
        setReg(env, dst, scalarReg(is64 ? unknownScalar() : zextUnknown()));
        return;
      }
      reject(
        env,
        `R${dst} pointer ${ALU_STRING[op]} pointer prohibited`,
        [dst, insn.src],
        'only pointer - pointer (privileged) combines two pointers',
      );
    }
    setReg(env, dst, ptrArith(env, insn, form, srcReg, dstReg, true));
    return;
  }
  if (dstReg.type !== 'scalar') {
    setReg(env, dst, ptrArith(env, insn, form, dstReg, srcReg, false));
    return;
  }
  let result: Scalar;
  if (form.signed && (op === BPF_DIV || op === BPF_MOD)) {
    result = is64 ? unknownScalar() : zextUnknown();
  } else {
    result = scalarAlu(op, dstReg.s, srcReg.s, is64);
  }
  const out = scalarReg(result);
  // rX += K keeps rX linked to its copies, with K remembered (BPF_ADD_CONST), so later bounds still transfer
  if (env.priv && op === BPF_ADD && is64 && dstReg.id && isConst(srcReg.s)) {
    const k = srcReg.s.t.value;
    if (!(dstReg.id & ADD_CONST) && k <= 0x7fff_ffffn) {
      out.id = dstReg.id | ADD_CONST;
      out.off = Number(k);
    }
  }
  setReg(env, dst, out);
}

function zextUnknown(): Scalar {
  const s = unknownScalar();
  zext32(s);
  return s;
}

/** adjust_ptr_min_max_vals: `ptr op scalar` (or `scalar += ptr` when `swapped`). */
function ptrArith(env: Env, insn: Instruction, form: InsnForm, ptr: Reg, off: Reg, swapped: boolean): Reg {
  const dst = insn.dst;
  const op = form.op;
  const o = off.s;
  const known = isConst(o);
  if (!form.is64) {
    if (op === BPF_SUB && env.priv) return scalarReg(zextUnknown());
    reject(
      env,
      `R${dst} 32-bit pointer arithmetic prohibited`,
      [dst],
      'pointer arithmetic must be 64-bit (r registers, not w)',
    );
  }
  if (ptr.maybeNull) {
    reject(
      env,
      `R${dst} pointer arithmetic on ${regTypeName(ptr)} prohibited, null-check it first`,
      [dst],
      `test the pointer against 0 (\`if r${dst} == 0 goto ...\`) before adding to it`,
    );
  }
  switch (ptr.type) {
    case 'ctx':
    case 'map_value':
    case 'map_key':
    case 'stack':
    case 'pkt_meta':
    case 'pkt':
    case 'mem':
    case 'ringbuf_mem':
    case 'tp_buffer':
    case 'btf_id':
      break;
    default:
      if (ptr.type === 'map_ptr' && known && o.smin === 0n && op === BPF_ADD) break;
      reject(
        env,
        `R${dst} pointer arithmetic on ${regTypeName(ptr)} prohibited`,
        [dst],
        `${regTypeName(ptr)} pointers cannot be moved`,
      );
  }
  if (!env.priv && (op === BPF_ADD || op === BPF_SUB) && !known && ptr.type === 'stack') {
    reject(env, `R${dst} variable stack access prohibited for !root, off=${ptr.off}`, [dst]);
  }
  if ((known && (o.smin !== o.smax || o.umin !== o.umax)) || boundsInvalid(o)) {
    return scalarReg();
  }
  const res: Reg = copyReg(ptr);
  sane(env, o, off.off, ptr);
  sane(env, ptr.s, ptr.off, ptr);
  const p = ptr.s;
  switch (op) {
    case BPF_ADD: {
      const k = Number(BigInt.asIntN(64, o.smin));
      if (known && ((ptr.off + k) | 0) === ptr.off + k) {
        res.off = ptr.off + k;
        break;
      }
      const s: Scalar = unknownScalar();
      const smin = p.smin + o.smin;
      const smax = p.smax + o.smax;
      if (smin >= S64_MIN && smax <= S64_MAX) {
        s.smin = smin;
        s.smax = smax;
      }
      const umin = p.umin + o.umin;
      const umax = p.umax + o.umax;
      if (umax <= U64_MAX) {
        s.umin = umin;
        s.umax = umax;
      }
      s.t = tnumAdd(p.t, o.t);
      res.s = s;
      if (isPktPointer(ptr)) {
        res.id = ++env.idGen;
        res.range = 0;
      }
      break;
    }
    case BPF_SUB: {
      if (swapped) reject(env, `R${dst} tried to subtract pointer from scalar`, [dst]);
      if (ptr.type === 'stack') {
        reject(
          env,
          `R${dst} subtraction from stack pointer prohibited`,
          [dst],
          `add a negative constant instead: \`r${dst} += -8\``,
        );
      }
      const k = Number(BigInt.asIntN(64, o.smin));
      if (known && ((ptr.off - k) | 0) === ptr.off - k) {
        res.off = ptr.off - k;
        break;
      }
      const s: Scalar = unknownScalar();
      const smin = p.smin - o.smax;
      const smax = p.smax - o.smin;
      if (smin >= S64_MIN && smax <= S64_MAX) {
        s.smin = smin;
        s.smax = smax;
      }
      if (p.umin >= o.umax) {
        s.umin = p.umin - o.umax;
        s.umax = p.umax - o.umin;
      }
      s.t = tnumSub(p.t, o.t);
      res.s = s;
      if (isPktPointer(ptr)) {
        res.id = ++env.idGen;
        if (o.smin < 0n) res.range = 0;
      }
      break;
    }
    case BPF_AND:
    case BPF_OR:
    case BPF_XOR:
      reject(
        env,
        `R${dst} bitwise operator ${ALU_STRING[op]} on pointer prohibited`,
        [dst],
        'pointers only move by adding or subtracting numbers',
      );
      break;
    default:
      reject(
        env,
        `R${dst} pointer arithmetic with ${ALU_STRING[op]} operator prohibited`,
        [dst],
        'pointers only move by adding or subtracting numbers',
      );
  }
  syncBounds(res.s);
  res.s.s32min = -(1n << 31n);
  res.s.s32max = (1n << 31n) - 1n;
  res.s.u32min = 0n;
  res.s.u32max = 0xffff_ffffn;
  if (!tnumIsConst(res.s.t) || res.s.t.value !== 0n) syncBounds(res.s);
  sane(env, res.s, res.off, ptr);
  if (!env.priv) sanitizeCheck(env, res, dst);
  return res;
}

/** check_reg_sane_offset (the pointer's type name is only spelled out for a rejection). */
function sane(env: Env, s: Scalar, fixed: number, ptr: Reg): void {
  const val = BigInt.asIntN(64, s.t.value);
  const max = BigInt(BPF_MAX_VAR_OFF);
  if (isConst(s) && (val >= max || val <= -max)) {
    reject(env, `math between ${regTypeName(ptr)} pointer and ${val} is not allowed`);
  }
  if (fixed >= BPF_MAX_VAR_OFF || fixed <= -BPF_MAX_VAR_OFF) {
    reject(env, `${regTypeName(ptr)} pointer offset ${fixed} is not allowed`);
  }
  if (s.smin === S64_MIN) {
    reject(
      env,
      `math between ${regTypeName(ptr)} pointer and register with unbounded min value is not allowed`,
      [],
      'bound the number before adding it to the pointer (e.g. `if idx > N goto out`)',
    );
  }
  if (s.smin >= max || s.smin <= -max) {
    reject(env, `value ${s.smin} makes ${regTypeName(ptr)} pointer be out of bounds`);
  }
}

/** Unprivileged: a stack pointer must stay inside the frame after arithmetic (sanitize_check_bounds). */
function sanitizeCheck(env: Env, r: Reg, dst: number): void {
  if (r.type === 'stack') {
    const off = r.off + Number(BigInt.asIntN(64, r.s.t.value));
    if (!isConst(r.s) || off < -512 || off >= 0)
      reject(env, `R${dst} stack pointer arithmetic goes out of range, prohibited for !root`, [dst]);
  }
}
