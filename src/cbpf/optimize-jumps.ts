/**
 * Branch optimizations: jump threading along edges whose outcome an earlier test already decided (opt_j), and
 * the "pullup" rewrites that hoist a repeated test of the same value to the top of an or/and chain.
 *
 * A slot that holds a branch target (libpcap's `struct block **`) is represented by the edge owning it: the
 * target of `b.et` is `JT(b)`, the target of `b.ef` is `JF(b)`.
 */
import { BPF_JEQ, BPF_JMP, BPF_K } from './insn.js';
import type { Block, Edge } from './ir.js';
import { A_ATOM, N_ATOMS } from './ir.js';
import { findDom } from './optimize-dataflow.js';
import { lowestSetBit } from './optimize-sets.js';
import type { OptState } from './optimize-state.js';

/** True if some atom live on exit from `succ` has a different value there than on exit from `b` (use_conflict). */
function useConflict(b: Block, succ: Block): boolean {
  const use = succ.outUse;
  if (use === 0) return false;
  for (let atom = 0; atom < N_ATOMS; ++atom) {
    if ((use & (1 << atom)) !== 0 && b.val[atom] !== succ.val[atom]) return true;
  }
  return false;
}

/**
 * If the test at the end of `child` is the one edge `ep` already took (same opcode, same A and operand values),
 * returns the successor of `child` that the outcome implies, else null (fold_edge).
 */
function foldEdge(child: Block, ep: Edge): Block | null {
  let code = ep.code;
  let sense = true;
  if (code < 0) {
    code = -code;
    sense = false;
  }
  if (child.s.code !== code) return null;
  if (child.val[A_ATOM] !== ep.pred!.val[A_ATOM]) return null;
  if (child.oval === ep.pred!.oval) return sense ? child.et.succ : child.ef.succ;
  // After a taken `jeq #k`, A is known to be k, so an equality test against another constant is false.
  // Distinct constants have distinct value numbers, which is what makes this sound.
  if (sense && code === (BPF_JMP | BPF_JEQ | BPF_K)) return child.ef.succ;
  return null;
}

/** Makes `ep` skip blocks whose test outcome is already known on that path (opt_j). */
export function optJ(st: OptState, ep: Edge): void {
  const succ = ep.succ!;
  if (succ.et.succ === null) return;
  if (succ.et.succ === succ.ef.succ) {
    // Both branches go to the same place: bypass the test unless a value it computes is needed there.
    if (!useConflict(ep.pred!, succ.et.succ)) {
      st.nonBranchMovement = true;
      st.done = false;
      ep.succ = succ.et.succ;
    }
  }
  const edom = ep.edom!;
  // Scan the edges dominating `ep`; whenever the target moves, restart the scan from the first word.
  restart: for (;;) {
    for (let i = 0; i < st.edgewords; ++i) {
      let x = edom[i]!;
      while (x !== 0) {
        let k = lowestSetBit(x);
        x &= ~(1 << k);
        k += i * 32;
        const target = foldEdge(ep.succ!, st.edges[k]!);
        if (target !== null && !useConflict(ep.pred!, target)) {
          st.done = false;
          ep.succ = target;
          if (target.et.succ !== null) continue restart;
          return;
        }
      }
    }
    return;
  }
}

/** The edge of `pred` whose target is `b`: its true edge if that one leads to `b`, else its false edge. */
function slotOf(pred: Block, b: Block): Edge {
  return pred.et.succ === b ? pred.et : pred.ef;
}

/**
 * Shared shape of or_pullup and and_pullup. For "or" chains the chain continues along false edges and every
 * member must share `b`'s true target; for "and" chains it is the other way round.
 */
function pullup(st: OptState, b: Block, root: Block, isOr: boolean): void {
  let ep = b.inEdges;
  if (ep === null) return;
  // Every predecessor must leave the same value in A.
  const val = ep.pred!.val[A_ATOM];
  for (ep = ep.next; ep !== null; ep = ep.next) if (val !== ep.pred!.val[A_ATOM]) return;

  const along = (x: Block): Edge => (isOr ? x.ef : x.et);
  const shared = (x: Block): Block | null => (isOr ? x.et.succ : x.ef.succ);

  // Walk down the chain from b while blocks test the same A value.
  let diffp = slotOf(b.inEdges!.pred!, b);
  let atTop = true;
  for (;;) {
    const d = diffp.succ;
    if (d === null) return;
    if (shared(d) !== shared(b)) return;
    if (!st.dominators.dominates(b, d)) return;
    if (d.val[A_ATOM] !== val) break;
    diffp = along(d);
    atTop = false;
  }
  // Past the first block testing a different value, look for one testing the original value again.
  let samep = along(diffp.succ!);
  for (;;) {
    const s = samep.succ;
    if (s === null) return;
    if (shared(s) !== shared(b)) return;
    if (!st.dominators.dominates(b, s)) return;
    if (s.val[A_ATOM] === val) break;
    samep = along(s);
  }
  // Unlink it from its place and put it in front of the differing block.
  const pull = samep.succ!;
  samep.succ = along(pull).succ;
  along(pull).succ = diffp.succ;
  if (atTop) {
    for (ep = b.inEdges; ep !== null; ep = ep.next) {
      const pred = ep.pred!;
      if (pred.et.succ === b) pred.et.succ = pull;
      else pred.ef.succ = pull;
    }
  } else {
    diffp.succ = pull;
  }
  st.done = false;
  // The flow graph changed: dominators must be recomputed before the next pullup consults them.
  findDom(st, root);
}

/** "A or B" chains (or_pullup). */
export function orPullup(st: OptState, b: Block, root: Block): void {
  pullup(st, b, root, true);
}

/** "A and B" chains (and_pullup). */
export function andPullup(st: OptState, b: Block, root: Block): void {
  pullup(st, b, root, false);
}
