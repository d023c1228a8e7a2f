/**
 * Conditional jumps: whether a branch is decided by what is known (is_branch_taken), and what each side learns
 * (reg_set_min_max for scalars, null checks for nullable pointers, packet ranges from data_end comparisons).
 */
import {
  BPF_ADD,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
} from '../isa/opcodes.js';
import { MAX_PACKET_OFF } from './mem.js';
import { isPktAny, isPointer, type Reg, scalarReg } from './reg.js';
import { boundsInvalid, copyScalar, isConst, knownScalar, type Scalar, syncBounds } from './scalar.js';
import { scalarAlu } from './scalar-alu.js';
import { allRegs, type VerifierState } from './state.js';
import { tnumAnd, tnumConst, tnumIntersect, tnumOr, tnumSubreg, tnumWithSubreg, U32_MAX, U64_MAX } from './tnum.js';

/** JSET's complement, as rev_opcode names it. */
const JSET_NOT = 0x1000;

export function flipOpcode(op: number): number {
  switch (op) {
    case BPF_JGT:
      return BPF_JLT;
    case BPF_JLT:
      return BPF_JGT;
    case BPF_JGE:
      return BPF_JLE;
    case BPF_JLE:
      return BPF_JGE;
    case BPF_JSGT:
      return BPF_JSLT;
    case BPF_JSLT:
      return BPF_JSGT;
    case BPF_JSGE:
      return BPF_JSLE;
    case BPF_JSLE:
      return BPF_JSGE;
    default:
      return op;
  }
}

export function revOpcode(op: number): number {
  switch (op) {
    case BPF_JEQ:
      return BPF_JNE;
    case BPF_JNE:
      return BPF_JEQ;
    case BPF_JSET:
      return JSET_NOT;
    case JSET_NOT:
      return BPF_JSET;
    case BPF_JGT:
      return BPF_JLE;
    case BPF_JLE:
      return BPF_JGT;
    case BPF_JGE:
      return BPF_JLT;
    case BPF_JLT:
      return BPF_JGE;
    case BPF_JSGT:
      return BPF_JSLE;
    case BPF_JSLE:
      return BPF_JSGT;
    case BPF_JSGE:
      return BPF_JSLT;
    case BPF_JSLT:
      return BPF_JSGE;
    default:
      return op;
  }
}

interface View {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
  value: bigint;
  mask: bigint;
}

function viewOf(s: Scalar, jmp32: boolean): View {
  if (!jmp32) return { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, value: s.t.value, mask: s.t.mask };
  const t = tnumSubreg(s.t);
  return { umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max, value: t.value, mask: t.mask };
}

const isConstView = (v: View): boolean => v.mask === 0n;

/** 1 taken, 0 not taken, -1 unknown: two scalars. */
function scalarBranchTaken(a: Scalar, b: Scalar, op: number, jmp32: boolean): number {
  const x = viewOf(a, jmp32);
  const y = viewOf(b, jmp32);
  switch (op) {
    case BPF_JEQ:
      if (isConstView(x) && isConstView(y)) return x.value === y.value ? 1 : 0;
      if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin) return 0;
      if ((x.value ^ y.value) & ~(x.mask | y.mask) & U64_MAX) return 0;
      return -1;
    case BPF_JNE: {
      const r = scalarBranchTaken(a, b, BPF_JEQ, jmp32);
      return r < 0 ? r : 1 - r;
    }
    case BPF_JSET:
      if (!isConstView(y)) return -1;
      if (x.value & y.value) return 1;
      if (((x.mask | x.value) & y.value) === 0n) return 0;
      return -1;
    case JSET_NOT: {
      const r = scalarBranchTaken(a, b, BPF_JSET, jmp32);
      return r < 0 ? r : 1 - r;
    }
    case BPF_JGT:
      if (x.umin > y.umax) return 1;
      if (x.umax <= y.umin) return 0;
      return -1;
    case BPF_JSGT:
      if (x.smin > y.smax) return 1;
      if (x.smax <= y.smin) return 0;
      return -1;
    case BPF_JLT:
      if (x.umax < y.umin) return 1;
      if (x.umin >= y.umax) return 0;
      return -1;
    case BPF_JSLT:
      if (x.smax < y.smin) return 1;
      if (x.smin >= y.smax) return 0;
      return -1;
    case BPF_JGE:
      if (x.umin >= y.umax) return 1;
      if (x.umax < y.umin) return 0;
      return -1;
    case BPF_JSGE:
      if (x.smin >= y.smax) return 1;
      if (x.smax < y.smin) return 0;
      return -1;
    case BPF_JLE:
      if (x.umax <= y.umin) return 1;
      if (x.umin > y.umax) return 0;
      return -1;
    case BPF_JSLE:
      if (x.smax <= y.smin) return 1;
      if (x.smin > y.smax) return 0;
      return -1;
  }
  return -1;
}

/** reg_not_null: pointers that cannot be NULL. */
function notNull(r: Reg): boolean {
  if (r.maybeNull) return false;
  return ['sock', 'map_value', 'map_key', 'sock_common', 'mem', 'ringbuf_mem', 'map_ptr'].includes(r.type);
}

/** is_branch_taken. */
export function branchTaken(a: Reg, b: Reg, op: number, jmp32: boolean): number {
  if (isPktAny(a) && isPktAny(b) && !jmp32) return -1;
  if (isPointer(a) || isPointer(b)) {
    let p = a;
    let k = b;
    let o = op;
    if (!(k.type === 'scalar' && isConstView(viewOf(k.s, jmp32)))) {
      o = flipOpcode(op);
      p = b;
      k = a;
    }
    if (!(k.type === 'scalar' && isConstView(viewOf(k.s, jmp32)))) return -1;
    if (!notNull(p)) return -1;
    if (viewOf(k.s, jmp32).value !== 0n) return -1;
    if (o === BPF_JEQ) return 0;
    if (o === BPF_JNE) return 1;
    return -1;
  }
  return scalarBranchTaken(a.s, b.s, op, jmp32);
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** regs_refine_cond_op: narrows a and b (scalars, mutated) to the values for which `a op b` holds. */
function refine(a: Scalar, b: Scalar, op: number, jmp32: boolean): void {
  switch (op) {
    case BPF_JEQ:
      if (jmp32) {
        a.u32min = b.u32min = max(a.u32min, b.u32min);
        a.u32max = b.u32max = min(a.u32max, b.u32max);
        a.s32min = b.s32min = max(a.s32min, b.s32min);
        a.s32max = b.s32max = min(a.s32max, b.s32max);
        const t = tnumIntersect(tnumSubreg(a.t), tnumSubreg(b.t));
        a.t = tnumWithSubreg(a.t, t);
        b.t = tnumWithSubreg(b.t, t);
      } else {
        a.umin = b.umin = max(a.umin, b.umin);
        a.umax = b.umax = min(a.umax, b.umax);
        a.smin = b.smin = max(a.smin, b.smin);
        a.smax = b.smax = min(a.smax, b.smax);
        a.t = b.t = tnumIntersect(a.t, b.t);
      }
      return;
    case BPF_JNE: {
      let x = a;
      let y = b;
      if (!isConstView(viewOf(y, jmp32))) [x, y] = [b, a];
      if (!isConstView(viewOf(y, jmp32))) return;
      const v = viewOf(y, jmp32).value;
      if (jmp32) {
        const sv = BigInt.asIntN(32, v);
        if (x.u32min === v) x.u32min++;
        if (x.u32max === v) x.u32max--;
        if (x.s32min === sv) x.s32min++;
        if (x.s32max === sv) x.s32max--;
      } else {
        const sv = BigInt.asIntN(64, v);
        if (x.umin === v) x.umin++;
        if (x.umax === v) x.umax--;
        if (x.smin === sv) x.smin++;
        if (x.smax === sv) x.smax--;
      }
      return;
    }
    case BPF_JSET:
    case JSET_NOT: {
      let x = a;
      let y = b;
      if (!isConstView(viewOf(y, jmp32))) [x, y] = [b, a];
      if (!isConstView(viewOf(y, jmp32))) return;
      const v = viewOf(y, jmp32).value;
      if (op === BPF_JSET) {
        if (v === 0n || (v & (v - 1n)) !== 0n) return;
        x.t = jmp32 ? tnumWithSubreg(x.t, tnumOr(tnumSubreg(x.t), tnumConst(v))) : tnumOr(x.t, tnumConst(v));
      } else {
        const mask = jmp32 ? ~v & U32_MAX : ~v & U64_MAX;
        x.t = jmp32 ? tnumWithSubreg(x.t, tnumAnd(tnumSubreg(x.t), tnumConst(mask))) : tnumAnd(x.t, tnumConst(mask));
      }
      return;
    }
    case BPF_JLE:
      if (jmp32) {
        a.u32max = min(a.u32max, b.u32max);
        b.u32min = max(b.u32min, a.u32min);
      } else {
        a.umax = min(a.umax, b.umax);
        b.umin = max(b.umin, a.umin);
      }
      return;
    case BPF_JLT:
      if (jmp32) {
        a.u32max = min(a.u32max, b.u32max - 1n);
        b.u32min = max(b.u32min, a.u32min + 1n);
      } else {
        a.umax = min(a.umax, b.umax - 1n);
        b.umin = max(b.umin, a.umin + 1n);
      }
      return;
    case BPF_JSLE:
      if (jmp32) {
        a.s32max = min(a.s32max, b.s32max);
        b.s32min = max(b.s32min, a.s32min);
      } else {
        a.smax = min(a.smax, b.smax);
        b.smin = max(b.smin, a.smin);
      }
      return;
    case BPF_JSLT:
      if (jmp32) {
        a.s32max = min(a.s32max, b.s32max - 1n);
        b.s32min = max(b.s32min, a.s32min + 1n);
      } else {
        a.smax = min(a.smax, b.smax - 1n);
        b.smin = max(b.smin, a.smin + 1n);
      }
      return;
    case BPF_JGE:
    case BPF_JGT:
    case BPF_JSGE:
    case BPF_JSGT:
      refine(b, a, flipOpcode(op), jmp32);
      return;
  }
}

/** Refines two scalar registers for one side of a branch; false when that side is impossible. */
export function refineScalars(a: Reg, b: Reg, op: number, jmp32: boolean): boolean {
  if (a.type !== 'scalar' || b.type !== 'scalar') return true;
  refine(a.s, b.s, op, jmp32);
  if (boundsInvalid(a.s) || boundsInvalid(b.s)) return false;
  syncBounds(a.s);
  syncBounds(b.s);
  return !boundsInvalid(a.s) && !boundsInvalid(b.s);
}

const ADD_CONST = 0x4000_0000;

/** sync_linked_regs: every scalar sharing `known`'s id takes its value, shifted by their constant difference. */
export function syncLinked(state: VerifierState, known: Reg): void {
  if (known.type !== 'scalar' || !known.id) return;
  const base = known.id & ~ADD_CONST;
  for (const r of allRegs(state)) {
    if (r === known || r.type !== 'scalar' || (r.id & ~ADD_CONST) !== base) continue;
    const rOff = r.id & ADD_CONST ? r.off : 0;
    const kOff = known.id & ADD_CONST ? known.off : 0;
    r.s = rOff === kOff ? copyScalar(known.s) : scalarAlu(BPF_ADD, known.s, knownScalar(BigInt(rOff - kOff)), true);
  }
}

/** mark_ptr_or_null_regs: after `if rX == 0`, every copy of the nullable pointer is NULL or valid. */
export function markPtrOrNull(state: VerifierState, id: number, isNull: boolean): void {
  if (!id) return;
  let released = false;
  for (const r of allRegs(state)) {
    if (!r.maybeNull || r.id !== id) continue;
    if (isNull) {
      if (r.refObjId === id) released = true;
      Object.assign(r, scalarReg(knownScalar(0n)));
    } else {
      r.maybeNull = false;
      if (r.type !== 'ringbuf_mem') r.id = 0;
    }
  }
  if (isNull && released) state.refs = state.refs.filter((ref) => ref.id !== id);
}

/** find_good_pkt_pointers: packet pointers with `dst`'s id are known to have `dst.off` (+1) bytes. */
function goodPktPointers(state: VerifierState, dst: Reg, rightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rightOpen)) return;
  if (dst.s.umax > BigInt(MAX_PACKET_OFF) || dst.s.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF)) return;
  const range = dst.off + (rightOpen ? 1 : 0);
  for (const r of allRegs(state)) {
    if (r.type === dst.type && r.id === dst.id) r.range = Math.max(r.range, range);
  }
}

const isInitPkt = (r: Reg): boolean => r.type === 'pkt' && r.off === 0 && isConst(r.s) && r.s.t.value === 0n;

/**
 * try_match_pkt_pointers: `pkt' op pkt_end` (or the meta/data pair) proves a range on one side. `fall` is the
 * fall-through state, `jump` the taken one; dst/src are indexes of the compared registers.
 */
export function matchPktPointers(
  op: number,
  d: Reg,
  s: Reg,
  fall: VerifierState,
  jump: VerifierState,
  regsOf: (st: VerifierState) => [Reg, Reg],
): boolean {
  const fwd = (d.type === 'pkt' && s.type === 'pkt_end') || (d.type === 'pkt_meta' && isInitPkt(s));
  const rev = (d.type === 'pkt_end' && s.type === 'pkt') || (isInitPkt(d) && s.type === 'pkt_meta');
  if (!fwd && !rev) return false;
  const apply = (st: VerifierState, which: 'dst' | 'src', open: boolean): void => {
    const [dd, ss] = regsOf(st);
    goodPktPointers(st, which === 'dst' ? dd : ss, open);
  };
  switch (op) {
    case BPF_JGT:
      if (fwd) apply(fall, 'dst', false);
      else apply(jump, 'src', true);
      return true;
    case BPF_JLT:
      if (fwd) apply(jump, 'dst', true);
      else apply(fall, 'src', false);
      return true;
    case BPF_JGE:
      if (fwd) apply(fall, 'dst', true);
      else apply(jump, 'src', false);
      return true;
    case BPF_JLE:
      if (fwd) apply(jump, 'dst', false);
      else apply(fall, 'src', true);
      return true;
    default:
      return false;
  }
}
