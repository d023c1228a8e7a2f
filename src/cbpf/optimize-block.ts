/**
 * Optimizations inside one basic block: symbolic evaluation with value numbers (which also folds constants,
 * turns indirect loads at a known offset into absolute ones and drops statements that recompute a value a
 * register already holds), peephole rewrites of the statements feeding the closing jump, and removal of
 * stores nobody reads. Each rewrite clears `done` so the surrounding fixed-point loop runs another pass.
 */
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_CLASS,
  BPF_DIV,
  BPF_IMM,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MISC,
  BPF_MOD,
  BPF_MSH,
  BPF_MUL,
  BPF_NEG,
  BPF_OP,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_X,
  BPF_XOR,
} from './insn.js';
import type { Block, Slist, Stmt } from './ir.js';
import { A_ATOM, N_ATOMS, NOP, X_ATOM } from './ir.js';
import { AX_ATOM, atomDef, atomElem, atomUse } from './optimize-dataflow.js';
import { OptimizerError, type OptState } from './optimize-state.js';
import { VAL_UNKNOWN } from './optimize-values.js';

const LD_IMM = BPF_LD | BPF_IMM;
const LDX_IMM = BPF_LDX | BPF_IMM;
const LDX_MEM = 0x61;
const LDX_MSH_B = BPF_LDX | BPF_MSH | BPF_B;
const TAX = BPF_MISC | BPF_TAX;
const TXA = BPF_MISC | BPF_TXA;
const JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;
const JSET_K = BPF_JMP | BPF_JSET | BPF_K;

/** Records that a rewrite other than a branch move happened in this pass. */
function changed(st: OptState): void {
  st.nonBranchMovement = true;
  st.done = false;
}

/**
 * Stores `newval` into `vals[atom]`, or, when optimizing and the register already holds that (known) value,
 * deletes the statement instead (vstore).
 */
function vstore(s: Stmt, vals: Uint32Array, atom: number, newval: number, alter: boolean): void {
  if (alter && newval !== VAL_UNKNOWN && vals[atom] === newval) s.code = NOP;
  else vals[atom] = newval;
}

/** Folds a binary ALU statement whose operands are the constants numbered `v0`, `v1` into `ld #result`. */
function foldOp(st: OptState, s: Stmt, v0: number, v1: number): void {
  let a = st.values.constValue(v0);
  const b = st.values.constValue(v1);
  switch (BPF_OP(s.code)) {
    case BPF_ADD:
      a = (a + b) >>> 0;
      break;
    case BPF_SUB:
      a = (a - b) >>> 0;
      break;
    case BPF_MUL:
      a = Math.imul(a, b) >>> 0;
      break;
    case BPF_DIV:
      if (b === 0) throw new OptimizerError('division by zero');
      a = Math.floor(a / b);
      break;
    case BPF_MOD:
      if (b === 0) throw new OptimizerError('modulus by zero');
      a = a % b;
      break;
    case BPF_AND:
      a = (a & b) >>> 0;
      break;
    case BPF_OR:
      a = (a | b) >>> 0;
      break;
    case BPF_XOR:
      a = (a ^ b) >>> 0;
      break;
    case BPF_LSH:
      // Shifting by the word size or more shifts every bit out (C leaves it undefined).
      a = b < 32 ? (a << b) >>> 0 : 0;
      break;
    case BPF_RSH:
      a = b < 32 ? a >>> b : 0;
      break;
    default:
      return;
  }
  s.k = a;
  s.code = LD_IMM;
  changed(st);
}

/** ALU with a constant operand. */
function optAluK(st: OptState, s: Stmt, vals: Uint32Array, alter: boolean): void {
  const op = BPF_OP(s.code);
  const values = st.values;
  if (alter) {
    if (s.k === 0) {
      // `sub #0` stays: code generation may rely on it as a placeholder.
      if (op === BPF_ADD || op === BPF_LSH || op === BPF_RSH || op === BPF_OR || op === BPF_XOR) {
        s.code = NOP;
        return;
      }
      if (op === BPF_MUL || op === BPF_AND) {
        s.code = LD_IMM;
        vals[A_ATOM] = values.constant(s.k);
        return;
      }
      if (op === BPF_DIV) throw new OptimizerError('division by zero');
      if (op === BPF_MOD) throw new OptimizerError('modulus by zero');
    }
    if (values.isConst(vals[A_ATOM]!)) {
      foldOp(st, s, vals[A_ATOM]!, values.constant(s.k));
      vals[A_ATOM] = values.constant(s.k);
      return;
    }
  }
  vals[A_ATOM] = values.value(s.code, vals[A_ATOM]!, values.constant(s.k));
}

/** ALU with X as operand. */
function optAluX(st: OptState, s: Stmt, vals: Uint32Array, alter: boolean): void {
  const op = BPF_OP(s.code);
  const values = st.values;
  if (alter && values.isConst(vals[X_ATOM]!)) {
    if (values.isConst(vals[A_ATOM]!)) {
      foldOp(st, s, vals[A_ATOM]!, vals[X_ATOM]!);
      vals[A_ATOM] = values.constant(s.k);
    } else {
      s.code = BPF_ALU | BPF_K | op;
      s.k = values.constValue(vals[X_ATOM]!);
      if ((op === BPF_LSH || op === BPF_RSH) && s.k > 31) throw new OptimizerError('shift by more than 31 bits');
      changed(st);
      vals[A_ATOM] = values.value(s.code, vals[A_ATOM]!, values.constant(s.k));
    }
    return;
  }
  // An accumulator known to be zero simplifies several operations, which may enable further rewrites.
  if (alter && values.isConst(vals[A_ATOM]!) && values.constValue(vals[A_ATOM]!) === 0) {
    if (op === BPF_ADD || op === BPF_OR || op === BPF_XOR) {
      s.code = TXA;
      vstore(s, vals, A_ATOM, vals[X_ATOM]!, alter);
      return;
    }
    if (op === BPF_MUL || op === BPF_DIV || op === BPF_MOD || op === BPF_AND || op === BPF_LSH || op === BPF_RSH) {
      s.code = LD_IMM;
      s.k = 0;
      vstore(s, vals, A_ATOM, values.constant(s.k), alter);
      return;
    }
  }
  vals[A_ATOM] = values.value(s.code, vals[A_ATOM]!, vals[X_ATOM]!);
}

/**
 * Evaluates one statement symbolically, updating the value numbers of what it defines; with `alter`, also
 * rewrites it (opt_stmt).
 */
export function optStmt(st: OptState, s: Stmt, vals: Uint32Array, alter: boolean): void {
  const values = st.values;
  const code = s.code;
  switch (code) {
    case BPF_LD | BPF_ABS | 0x00:
    case BPF_LD | BPF_ABS | 0x08:
    case BPF_LD | BPF_ABS | 0x10:
      vstore(s, vals, A_ATOM, values.value(code, s.k, 0), alter);
      return;
    case 0x40:
    case 0x48:
    case 0x50: {
      // ld [x + k]
      let v = vals[X_ATOM]!;
      if (alter && values.isConst(v)) {
        s.code = BPF_LD | BPF_ABS | BPF_SIZE(code);
        s.k = (s.k + values.constValue(v)) >>> 0;
        v = values.value(s.code, s.k, 0);
        changed(st);
      } else {
        v = values.value(code, s.k, v);
      }
      vstore(s, vals, A_ATOM, v, alter);
      return;
    }
    case 0x80: // ld len
      vstore(s, vals, A_ATOM, values.value(code, 0, 0), alter);
      return;
    case LD_IMM:
      vstore(s, vals, A_ATOM, values.constant(s.k), alter);
      return;
    case LDX_IMM:
      vstore(s, vals, X_ATOM, values.constant(s.k), alter);
      return;
    case LDX_MSH_B:
      vstore(s, vals, X_ATOM, values.value(code, s.k, 0), alter);
      return;
    case BPF_ALU | BPF_NEG:
      if (alter && values.isConst(vals[A_ATOM]!)) {
        s.code = LD_IMM;
        s.k = (0 - values.constValue(vals[A_ATOM]!)) >>> 0;
        vals[A_ATOM] = values.constant(s.k);
      } else {
        vals[A_ATOM] = values.value(code, vals[A_ATOM]!, 0);
      }
      return;
    case TXA:
      vstore(s, vals, A_ATOM, vals[X_ATOM]!, alter);
      return;
    case TAX:
      vstore(s, vals, X_ATOM, vals[A_ATOM]!, alter);
      return;
    case 0x60: // ld M[k]
    case LDX_MEM: {
      const v = vals[s.k] ?? VAL_UNKNOWN;
      if (alter && values.isConst(v)) {
        s.code = code === LDX_MEM ? LDX_IMM : LD_IMM;
        s.k = values.constValue(v);
        changed(st);
      }
      vstore(s, vals, code === LDX_MEM ? X_ATOM : A_ATOM, v, alter);
      return;
    }
    case BPF_ST:
      vstore(s, vals, s.k, vals[A_ATOM]!, alter);
      return;
    case 0x03: // stx
      vstore(s, vals, s.k, vals[X_ATOM]!, alter);
      return;
  }
  if (BPF_CLASS(code) === BPF_ALU && code !== (BPF_ALU | BPF_NEG)) {
    const op = BPF_OP(code);
    if (op > BPF_XOR || op === BPF_NEG) return;
    if (BPF_SRC(code) === BPF_X) optAluX(st, s, vals, alter);
    else optAluK(st, s, vals, alter);
  }
}

/** The first statement at or after `s` that has not been deleted (this_op). */
function thisOp(s: Slist | null): Slist | null {
  while (s !== null && s.s.code === NOP) s = s.next;
  return s;
}

/** Swaps a block's branch targets (opt_not). */
function optNot(b: Block): void {
  const tmp = b.et.succ;
  b.et.succ = b.ef.succ;
  b.ef.succ = tmp;
}

/**
 * `ld #k; [ldxms [n];] add x; tax; ld [x + m]` → `[ldxms [n];] ld [x + m + k]`: the shape `tcp[k]` compiles to.
 * Returns true when the rewrite was applied.
 */
function foldIndexedConstant(st: OptState, b: Block, s: Slist, next: Slist): boolean {
  // X must not be live on exit: the rewrite changes what X holds afterwards.
  if (atomElem(b.outUse, X_ATOM)) return false;
  const add = next.s.code !== LDX_MSH_B ? next : thisOp(next.next);
  if (add === null || add.s.code !== (BPF_ALU | BPF_ADD | BPF_X)) return false;
  const tax = thisOp(add.next);
  if (tax === null || tax.s.code !== TAX) return false;
  const ild = thisOp(tax.next);
  if (ild === null || BPF_CLASS(ild.s.code) !== BPF_LD || (ild.s.code & 0xe0) !== 0x40) return false;
  ild.s.k = (ild.s.k + s.s.k) >>> 0;
  s.s.code = NOP;
  add.s.code = NOP;
  tax.s.code = NOP;
  changed(st);
  return true;
}

/** Peephole rewrites over the block's statements and its closing jump (opt_peep). */
export function optPeep(st: OptState, b: Block): void {
  let s: Slist | null = b.stmts;
  if (s === null) return;
  let last: Slist = s;
  for (;;) {
    s = thisOp(s);
    if (s === null) break;
    const next = thisOp(s.next);
    if (next === null) break;
    last = next;
    // st M[k]; ldx M[k] → st M[k]; tax
    if (s.s.code === BPF_ST && next.s.code === LDX_MEM && s.s.k === next.s.k) {
      changed(st);
      next.s.code = TAX;
    }
    // ld #k; tax → ldx #k; txa
    if (s.s.code === LD_IMM && next.s.code === TAX) {
      s.s.code = LDX_IMM;
      next.s.code = TXA;
      changed(st);
    }
    if (s.s.code === LD_IMM) foldIndexedConstant(st, b, s, next);
    s = next;
  }
  peepJump(st, b, last);
}

/** Rewrites of the closing jump: merging a preceding subtraction or mask, and deciding constant tests. */
function peepJump(st: OptState, b: Block, last: Slist): void {
  const values = st.values;
  // An equality test against a constant whose A value is dead afterwards can absorb the preceding operation.
  if (b.s.code === JEQ_K && !atomElem(b.outUse, A_ATOM)) {
    if (last.s.code === (BPF_ALU | BPF_SUB | BPF_X)) {
      const xval = b.val[X_ATOM]!;
      if (values.isConst(xval)) {
        // sub x; jeq #y → jeq #(y + x)
        b.s.k = (b.s.k + values.constValue(xval)) >>> 0;
        last.s.code = NOP;
        changed(st);
      } else if (b.s.k === 0) {
        // sub x; jeq #0 → jeq x
        last.s.code = NOP;
        b.s.code = BPF_JMP | BPF_JEQ | BPF_X;
        changed(st);
      }
    } else if (last.s.code === (BPF_ALU | BPF_SUB | BPF_K)) {
      // sub #x; jeq #y → jeq #(x + y)
      last.s.code = NOP;
      b.s.k = (b.s.k + last.s.k) >>> 0;
      changed(st);
    } else if (last.s.code === (BPF_ALU | BPF_AND | BPF_K) && b.s.k === 0) {
      // and #k; jeq #0 → jset #k with the branches swapped
      b.s.k = last.s.k;
      b.s.code = JSET_K;
      last.s.code = NOP;
      changed(st);
      optNot(b);
    }
  }
  // jset #0 never branches. jset #0xffffffff branches iff A != 0, i.e. it is jeq #0 with the branches swapped
  // (libpcap up to 1.10 wrongly treated it as "always"; master fixed that in 2026, commit f283b98e, and its
  // test suite expects the jeq #0 form).
  if (b.s.code === JSET_K) {
    if (b.s.k === 0) b.et.succ = b.ef.succ;
    else if (b.s.k === 0xffffffff) {
      b.s.code = JEQ_K;
      b.s.k = 0;
      optNot(b);
      changed(st);
    }
  }
  // Comparing against an X of known value: compare against the constant.
  const xval = b.val[X_ATOM]!;
  if (values.isConst(xval) && BPF_SRC(b.s.code) === BPF_X) {
    b.s.code &= ~BPF_X;
    b.s.k = values.constValue(xval);
  }
  // A of known value: the test's outcome is known.
  const aval = b.val[A_ATOM]!;
  if (values.isConst(aval) && BPF_SRC(b.s.code) === BPF_K) {
    const a = values.constValue(aval);
    let taken: boolean;
    switch (BPF_OP(b.s.code)) {
      case BPF_JEQ:
        taken = a === b.s.k;
        break;
      case BPF_JGT:
        taken = a > b.s.k;
        break;
      case BPF_JGE:
        taken = a >= b.s.k;
        break;
      case BPF_JSET:
        taken = (a & b.s.k) !== 0;
        break;
      default:
        return;
    }
    if (b.ef.succ !== b.et.succ) changed(st);
    if (taken) b.ef.succ = b.et.succ;
    else b.et.succ = b.ef.succ;
  }
}

/** Deletes a definition overwritten before any use (deadstmt); `last` holds each atom's pending definition. */
function deadStmt(st: OptState, s: Stmt, last: (Stmt | null)[]): void {
  let atom = atomUse(s);
  if (atom >= 0) {
    if (atom === AX_ATOM) {
      last[X_ATOM] = null;
      last[A_ATOM] = null;
    } else {
      last[atom] = null;
    }
  }
  atom = atomDef(s);
  if (atom >= 0) {
    const pending = last[atom];
    if (pending) {
      changed(st);
      pending.code = NOP;
    }
    last[atom] = s;
  }
}

/** Removes stores that are overwritten within the block or dead on exit (opt_deadstores). */
export function optDeadstores(st: OptState, b: Block): void {
  const last = new Array<Stmt | null>(N_ATOMS).fill(null);
  for (let s = b.stmts; s !== null; s = s.next) deadStmt(st, s.s, last);
  deadStmt(st, b.s, last);
  for (let atom = 0; atom < N_ATOMS; ++atom) {
    const pending = last[atom];
    if (pending && !atomElem(b.outUse, atom)) {
      pending.code = NOP;
      // The store is gone, so the atom's value on exit is no longer known.
      b.val[atom] = VAL_UNKNOWN;
      changed(st);
    }
  }
}

/**
 * Optimizes one block (opt_blk): its entry values are those all predecessors agree on, then statements are
 * evaluated (and with `doStmts` rewritten) and the values the branch optimizer needs are recorded.
 */
export function optBlk(st: OptState, b: Block, doStmts: boolean): void {
  let p = b.inEdges;
  if (p === null) {
    b.val.fill(0);
  } else {
    b.val.set(p.pred!.val);
    while ((p = p.next) !== null) {
      const pv = p.pred!.val;
      for (let i = 0; i < N_ATOMS; ++i) if (b.val[i] !== pv[i]) b.val[i] = 0;
    }
  }
  const aval = b.val[A_ATOM]!;
  const xval = b.val[X_ATOM]!;
  for (let s = b.stmts; s !== null; s = s.next) optStmt(st, s.s, b.val, doStmts);
  // A block that leaves A and X as it found them and feeds nothing downstream, or any return block, needs no
  // statements at all: the filter machine has no side effects.
  const unchanged =
    b.outUse === 0 && aval !== VAL_UNKNOWN && b.val[A_ATOM] === aval && xval !== VAL_UNKNOWN && b.val[X_ATOM] === xval;
  if (doStmts && (unchanged || BPF_CLASS(b.s.code) === BPF_RET)) {
    if (b.stmts !== null) {
      b.stmts = null;
      changed(st);
    }
  } else {
    optPeep(st, b);
    optDeadstores(st, b);
  }
  b.oval = BPF_SRC(b.s.code) === BPF_K ? st.values.constant(b.s.k) : b.val[X_ATOM]!;
  b.et.code = b.s.code;
  b.ef.code = -b.s.code;
}
