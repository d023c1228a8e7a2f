/**
 * State equivalence for pruning (states_equal): a state reaching an instruction where an earlier, fully
 * explored state was at least as general is safe and need not be explored again. Registers are compared only
 * where live; scalars by range containment; ids through a consistent mapping (check_ids).
 */
import type { Reg } from './reg.js';
import { scalarEquals, scalarWithin } from './scalar.js';
import type { StackSlot, VerifierState } from './state.js';

/**
 * The old-to-current id correspondence of one comparison (struct bpf_idmap). States hold few ids, so two parallel
 * arrays searched linearly beat Maps, which cost more to clear at every comparison than to search.
 */
class IdMap {
  private readonly olds: number[] = [];
  private readonly curs: number[] = [];
  /** Pairs in use: the arrays are reused across comparisons, never shrunk. */
  private n = 0;
  private tmp = 1 << 30;

  reset(): this {
    this.n = 0;
    this.tmp = 1 << 30;
    return this;
  }

  check(oldId: number, curId: number): boolean {
    if (!oldId !== !curId) return false;
    if (!oldId) return true;
    let i = -1;
    let j = -1;
    for (let k = 0; k < this.n; k++) {
      if (this.olds[k] === oldId) i = k;
      if (this.curs[k] === curId) j = k;
    }
    if (i < 0 && j < 0) {
      this.olds[this.n] = oldId;
      this.curs[this.n] = curId;
      this.n++;
      return true;
    }
    return i >= 0 && i === j;
  }

  /** check_scalar_ids: an unlinked scalar gets a fresh id so it can match anything once. */
  checkScalar(oldId: number, curId: number): boolean {
    return this.check(oldId || ++this.tmp, curId || ++this.tmp);
  }
}

const sharedIds = new IdMap();

/**
 * A cheap pre-check for exact equality: innermost-frame register types, fixed offsets and known bits. States
 * that differ here are never exactly equal, so the infinite-loop check skips the full comparison.
 */
export function exactHash(s: VerifierState): number {
  const regs = s.frames[s.frames.length - 1]!.regs;
  let h = s.frames.length;
  for (let r = 0; r < 10; r++) {
    const x = regs[r]!;
    h = Math.imul(h ^ x.type.length, 0x9e3779b1) ^ x.off;
    h = Math.imul(h, 0x85ebca6b) ^ Number(BigInt.asUintN(32, x.s.t.value));
    h = Math.imul(h, 0xc2b2ae35) ^ Number(BigInt.asUintN(32, x.s.t.mask));
  }
  return h | 0;
}

export function mayBeExactlyEqual(old: VerifierState, cur: VerifierState): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  const a = old.frames[old.frames.length - 1]!.regs;
  const b = cur.frames[cur.frames.length - 1]!.regs;
  for (let r = 0; r < 10; r++) {
    const x = a[r]!;
    const y = b[r]!;
    if (x.type !== y.type || x.off !== y.off || x.s.t.value !== y.s.t.value || x.s.t.mask !== y.s.t.mask) return false;
  }
  return true;
}

function regSafe(old: Reg, cur: Reg, ids: IdMap, exact: boolean): boolean {
  if (old.type === 'not_init') return !exact || cur.type === 'not_init';
  if (old.type !== cur.type) return false;
  if (old.type === 'scalar') {
    if (exact) return scalarEquals(old.s, cur.s) && ids.checkScalar(old.id, cur.id);
    return scalarWithin(old.s, cur.s) && ids.checkScalar(old.id, cur.id);
  }
  if (old.maybeNull !== cur.maybeNull || old.off !== cur.off || old.map !== cur.map) return false;
  if (old.memSize !== cur.memSize || old.frameno !== cur.frameno || old.subprog !== cur.subprog) return false;
  if (exact ? old.range !== cur.range : old.range > cur.range) return false;
  if (!(exact ? scalarEquals(old.s, cur.s) : scalarWithin(old.s, cur.s))) return false;
  return ids.check(old.id, cur.id) && ids.check(old.refObjId, cur.refObjId);
}

function slotSafe(
  old: StackSlot | undefined,
  cur: StackSlot | undefined,
  ids: IdMap,
  priv: boolean,
  exact: boolean,
): boolean {
  for (let i = 0; i < 8; i++) {
    const o = old?.bytes[i] ?? 'invalid';
    const c = cur?.bytes[i] ?? 'invalid';
    if (exact) {
      if (o !== c) return false;
      continue;
    }
    if (o === 'invalid') continue;
    if (priv && o === 'misc') continue;
    if (o === 'misc' && (c === 'misc' || c === 'zero')) continue;
    if (o === 'misc' && c === 'spill' && cur?.spilled?.type === 'scalar') continue;
    if (
      o === 'zero' &&
      (c === 'zero' ||
        (c === 'spill' &&
          cur?.spilled?.type === 'scalar' &&
          cur.spilled.s.t.mask === 0n &&
          cur.spilled.s.t.value === 0n))
    )
      continue;
    if (o !== c) return false;
  }
  if (old?.spilled && old.bytes.some((b) => b === 'spill')) {
    if (!cur?.spilled) return false;
    return regSafe(old.spilled, cur.spilled, ids, exact);
  }
  return true;
}

/**
 * Whether `cur` is covered by `old`: every register live at this point (bitmask `live` for the innermost
 * frame) and every stack slot is safe. `exact` compares for equality (infinite loop detection).
 */
export function statesEqual(
  old: VerifierState,
  cur: VerifierState,
  live: number,
  priv: boolean,
  exact = false,
): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (old.refs.length !== cur.refs.length) return false;
  const ids = sharedIds.reset();
  for (let f = 0; f < old.frames.length; f++) {
    const of = old.frames[f]!;
    const cf = cur.frames[f]!;
    if (of.callsite !== cf.callsite) return false;
    const inner = f === old.frames.length - 1;
    for (let r = 0; r < 10; r++) {
      if (inner && !(live & (1 << r)) && !exact) continue;
      if (!regSafe(of.regs[r]!, cf.regs[r]!, ids, exact)) return false;
    }
    const n = Math.max(of.stack.length, cf.stack.length);
    for (let s = 0; s < n; s++) {
      if (!slotSafe(of.stack[s], cf.stack[s], ids, priv, exact)) return false;
    }
  }
  for (let i = 0; i < old.refs.length; i++) if (!ids.check(old.refs[i]!.id, cur.refs[i]!.id)) return false;
  return true;
}
