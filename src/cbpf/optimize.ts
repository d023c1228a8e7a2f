/**
 * The filter optimizer: libpcap's optimize.c (bpf_optimize) on the block graph of ./ir.ts. It iterates data-flow
 * analysis, per-block value numbering and branch threading to a fixed point, first moving branches only, then
 * also rewriting statements; then merges identical blocks and drops a root whose test no longer matters.
 *
 * The passes visit blocks and edges in exactly libpcap's order, so the optimized program is the same,
 * instruction for instruction, as the one libpcap (tcpdump) produces for the same unoptimized graph.
 */
import { BPF_CLASS, BPF_JMP, BPF_K, BPF_RET } from './insn.js';
import type { Block, Slist } from './ir.js';
import { optBlk } from './optimize-block.js';
import { findDom, findEdom, findInedges, findLevels, findUd } from './optimize-dataflow.js';
import { internBlocks } from './optimize-intern.js';
import { andPullup, optJ, orPullup } from './optimize-jumps.js';
import { OptimizerError, OptState } from './optimize-state.js';

export { OptimizerError } from './optimize-state.js';

/** Passes in a row that only move branches before the loop is declared cyclic (libpcap's heuristic). */
const MAX_BRANCH_ONLY_PASSES = 100;

/** One pass over all blocks (opt_blks): value numbering per block, then, unless rewriting statements, branches. */
function optBlks(st: OptState, doStmts: boolean): void {
  st.values.reset();
  const root = st.root;
  const maxlevel = root.level;
  findInedges(st, root);
  for (let i = maxlevel; i >= 0; --i) for (let p = st.levels[i]; p; p = p.link) optBlk(st, p, doStmts);
  // Once statements are being rewritten, moving branches could only undo the fixed point just reached.
  if (doStmts) return;
  for (let i = 1; i <= maxlevel; ++i) {
    for (let p = st.levels[i]; p; p = p.link) {
      optJ(st, p.et);
      optJ(st, p.ef);
    }
  }
  findInedges(st, root);
  for (let i = 1; i <= maxlevel; ++i) {
    for (let p = st.levels[i]; p; p = p.link) {
      orPullup(st, p, root);
      andPullup(st, p, root);
    }
  }
}

/** Repeats analysis and optimization until a pass changes nothing (opt_loop). */
function optLoop(st: OptState, doStmts: boolean): void {
  let branchOnlyPasses = 0;
  for (;;) {
    st.done = true;
    st.nonBranchMovement = false;
    findLevels(st);
    findDom(st, st.root);
    findUd(st, st.root);
    findEdom(st, st.root);
    optBlks(st, doStmts);
    if (st.done) return;
    if (st.nonBranchMovement) {
      branchOnlyPasses = 0;
    } else if (++branchOnlyPasses >= MAX_BRANCH_ONLY_PASSES) {
      // Branch moves alone can cycle between equivalent graphs forever; stop where we are.
      st.done = true;
      return;
    }
  }
}

/**
 * Skips root tests whose branches agree and moves the old root's statements onto the new root (opt_root).
 * A root that returns needs no statements: the filter machine has no side effects.
 */
function optRoot(root: Block): Block {
  const s = root.stmts;
  root.stmts = null;
  let b = root;
  while (BPF_CLASS(b.s.code) === BPF_JMP && b.et.succ === b.ef.succ) b = b.et.succ!;
  const tmp = b.stmts;
  if (tmp !== null && s !== null) appendSlist(s, tmp);
  b.stmts = s ?? tmp;
  if (BPF_CLASS(b.s.code) === BPF_RET) b.stmts = null;
  return b;
}

function appendSlist(s0: Slist, s1: Slist): void {
  while (s0.next) s0 = s0.next;
  s0.next = s1;
}

/**
 * Optimizes the flow graph rooted at `root` in place and returns the new root (bpf_optimize, plus the check
 * pcap_compile makes afterwards). Throws OptimizerError "expression rejects all packets" when the result is a
 * bare `ret #0`, and libpcap's other optimizer errors (division or modulus by a constant zero, shifts by more
 * than 31 bits) when constant folding meets them.
 */
export function optimize(root: Block): Block {
  const st = new OptState(root);
  try {
    optLoop(st, false);
    optLoop(st, true);
    internBlocks(st);
    st.root = optRoot(st.root);
  } finally {
    st.cleanup();
  }
  const result = st.root;
  if (result.s.code === (BPF_RET | BPF_K) && result.s.k === 0) {
    throw new OptimizerError('expression rejects all packets');
  }
  return result;
}
