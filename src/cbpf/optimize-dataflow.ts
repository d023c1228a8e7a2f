/**
 * Flow-graph analyses the optimizer recomputes before every pass: levels (longest distance to a leaf), block
 * dominators, edge dominators, register use/def sets and the predecessor (in-edge) lists. (libpcap also computes
 * the backward closure of every block, but nothing reads it, so it is left out.)
 * The graph is acyclic, so each analysis is a single sweep over the levels from the root down (or up).
 */
import {
  BPF_A,
  BPF_CLASS,
  BPF_IND,
  BPF_JMP,
  BPF_MEM,
  BPF_MISCOP,
  BPF_MODE,
  BPF_RVAL,
  BPF_SRC,
  BPF_TAX,
  BPF_TXA,
  BPF_X,
} from './insn.js';
import type { Block, Edge, Stmt } from './ir.js';
import { A_ATOM, N_ATOMS, NOP, X_ATOM } from './ir.js';
import { setInsert, setIntersect } from './optimize-sets.js';
import type { OptState } from './optimize-state.js';

/** Pseudo atom meaning "both A and X" in use computations (AX_ATOM). */
export const AX_ATOM = N_ATOMS;

export const atomMask = (atom: number): number => 1 << atom;
export const atomElem = (set: number, atom: number): boolean => (set & (1 << atom)) !== 0;

/**
 * Puts every block reachable from the root on the list of its level (find_levels). A block's level is one more
 * than the higher of its successors' levels; within a level the list is in reverse order of completion of a
 * depth-first walk (true branch first), which is the order all later sweeps visit blocks in.
 */
export function findLevels(st: OptState): void {
  st.levels.fill(null);
  st.unmarkAll();
  // Explicit stack of [block, children already visited?] replacing the recursive postorder walk.
  const stack: [Block, boolean][] = [[st.root, false]];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const b = frame[0];
    if (!frame[1]) {
      if (st.isMarked(b)) continue;
      st.mark(b);
      b.link = null;
      const jt = b.et.succ;
      if (jt) {
        stack.push([b, true]);
        stack.push([b.ef.succ!, false]);
        stack.push([jt, false]);
        continue;
      }
    }
    const level = b.et.succ ? Math.max(b.et.succ.level, b.ef.succ!.level) + 1 : 0;
    b.level = level;
    b.link = st.levels[level] ?? null;
    st.levels[level] = b;
  }
}

/**
 * Block dominators (find_dom): snapshots the sweep over the current level lists; membership questions are
 * answered from the snapshot (see optimize-dominators.ts).
 */
export function findDom(st: OptState, root: Block): void {
  st.dominators.record(root, st.levels);
}

function propagateEdgeDom(ep: Edge): void {
  setInsert(ep.edom!, ep.id);
  if (ep.succ) {
    setIntersect(ep.succ.et.edom!, ep.edom!);
    setIntersect(ep.succ.ef.edom!, ep.edom!);
  }
}

/** Edge dominators (find_edom): the edges on every path from the root through an edge, the edge included. */
export function findEdom(st: OptState, root: Block): void {
  st.edgeSpace.fill(0xffffffff);
  root.et.edom!.fill(0);
  root.ef.edom!.fill(0);
  for (let level = root.level; level >= 0; --level) {
    for (let b = st.levels[level]; b; b = b.link) {
      propagateEdgeDom(b.et);
      propagateEdgeDom(b.ef);
    }
  }
}

/** The atom a statement reads: A_ATOM, X_ATOM, AX_ATOM (both), a scratch word 0..15, or -1 (atomuse). */
export function atomUse(s: Stmt): number {
  const c = s.code;
  if (c === NOP) return -1;
  switch (BPF_CLASS(c)) {
    case 0x06: // RET
      return BPF_RVAL(c) === BPF_A ? A_ATOM : BPF_RVAL(c) === BPF_X ? X_ATOM : -1;
    case 0x00: // LD
    case 0x01: // LDX
      return BPF_MODE(c) === BPF_IND ? X_ATOM : BPF_MODE(c) === BPF_MEM ? s.k : -1;
    case 0x02: // ST
      return A_ATOM;
    case 0x03: // STX
      return X_ATOM;
    case 0x05: // JMP
    case 0x04: // ALU
      return BPF_SRC(c) === BPF_X ? AX_ATOM : A_ATOM;
    default: // MISC
      return BPF_MISCOP(c) === BPF_TXA ? X_ATOM : A_ATOM;
  }
}

/** The atom a statement writes, or -1; a statement never writes more than one (atomdef). */
export function atomDef(s: Stmt): number {
  if (s.code === NOP) return -1;
  switch (BPF_CLASS(s.code)) {
    case 0x00: // LD
    case 0x04: // ALU
      return A_ATOM;
    case 0x01: // LDX
      return X_ATOM;
    case 0x02: // ST
    case 0x03: // STX
      return s.k;
    case 0x07: // MISC
      return BPF_MISCOP(s.code) === BPF_TAX ? X_ATOM : A_ATOM;
    default:
      return -1;
  }
}

function addUse(use: number, def: number, atom: number): number {
  if (atom === AX_ATOM) {
    if (!atomElem(def, X_ATOM)) use |= atomMask(X_ATOM);
    if (!atomElem(def, A_ATOM)) use |= atomMask(A_ATOM);
  } else if (atom >= 0 && atom < N_ATOMS) {
    if (!atomElem(def, atom)) use |= atomMask(atom);
  }
  return use;
}

/**
 * Local use/def/kill sets of a block (compute_local_ud): used = read before written in the block, killed =
 * written before read. The closing jump counts as a use; a closing return does not (as in libpcap).
 */
function computeLocalUd(b: Block): void {
  let def = 0;
  let use = 0;
  let killed = 0;
  for (let s = b.stmts; s; s = s.next) {
    if (s.s.code === NOP) continue;
    use = addUse(use, def, atomUse(s.s));
    const atom = atomDef(s.s);
    if (atom >= 0) {
      if (!atomElem(use, atom)) killed |= atomMask(atom);
      def |= atomMask(atom);
    }
  }
  if (BPF_CLASS(b.s.code) === BPF_JMP) use = addUse(use, def, atomUse(b.s));
  b.def = def;
  b.kill = killed;
  b.inUse = use;
}

/** Live atoms at block entry and exit (find_ud), one sweep from the leaves up. */
export function findUd(st: OptState, root: Block): void {
  const maxlevel = root.level;
  for (let i = maxlevel; i >= 0; --i) {
    for (let p = st.levels[i]; p; p = p.link) {
      computeLocalUd(p);
      p.outUse = 0;
    }
  }
  for (let i = 1; i <= maxlevel; ++i) {
    for (let p = st.levels[i]; p; p = p.link) {
      p.outUse |= p.et.succ!.inUse | p.ef.succ!.inUse;
      p.inUse |= p.outUse & ~p.kill;
    }
  }
}

/** Rebuilds every block's in-edge list (find_inedges); each edge is prepended, so lists end up reversed. */
export function findInedges(st: OptState, root: Block): void {
  for (const b of st.blocks) b.inEdges = null;
  for (let level = root.level; level > 0; --level) {
    for (let b = st.levels[level]; b; b = b.link) {
      linkInedge(b.et, b.et.succ!);
      linkInedge(b.ef, b.ef.succ!);
    }
  }
}

function linkInedge(parent: Edge, child: Block): void {
  parent.next = child.inEdges;
  child.inEdges = parent;
}
