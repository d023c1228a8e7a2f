/**
 * Block merging after optimization (intern_blocks): reachable blocks with the same statements, the same jump
 * and the same successors are interchangeable, so every branch to one of them is redirected to a single
 * representative. Merging can make more blocks equal, so it repeats until nothing changes.
 */

import { BPF_CLASS, BPF_RET } from './insn.js';
import type { Block, Slist } from './ir.js';
import { NOP } from './ir.js';
import type { OptState } from './optimize-state.js';

/** Marks every block reachable from the root (mark_code). */
function markCode(st: OptState): void {
  st.unmarkAll();
  const stack: Block[] = [st.root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (st.isMarked(p)) continue;
    st.mark(p);
    if (BPF_CLASS(p.s.code) !== BPF_RET) stack.push(p.et.succ!, p.ef.succ!);
  }
}

/**
 * A key equal for two blocks exactly when libpcap's eq_blk holds: same jump opcode and constant, the same
 * successor blocks, and the same statements once deleted ones are skipped.
 */
function blockKey(b: Block): string {
  let key = `${b.s.code}:${b.s.k}:${b.et.succ ? b.et.succ.id : -1}:${b.ef.succ ? b.ef.succ.id : -1}`;
  for (let s: Slist | null = b.stmts; s; s = s.next) if (s.s.code !== NOP) key += `;${s.s.code},${s.s.k}`;
  return key;
}

/**
 * Merges equal blocks (intern_blocks). libpcap compares every reachable block with every later-numbered one and
 * points it at the representative of the first equal one, which is the highest-numbered block of its class;
 * grouping blocks by key gives the same representative in linear time.
 */
export function internBlocks(st: OptState): void {
  const blocks = st.blocks;
  for (let changed = true; changed; ) {
    changed = false;
    for (const b of blocks) b.link = null;
    markCode(st);
    const representative = new Map<string, Block>();
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i]!;
      if (!st.isMarked(b)) continue;
      const key = blockKey(b);
      const highest = representative.get(key);
      if (highest) b.link = highest;
      else representative.set(key, b);
    }
    for (const p of blocks) {
      if (p.et.succ === null) continue;
      if (p.et.succ.link) {
        changed = true;
        p.et.succ = p.et.succ.link;
      }
      if (p.ef.succ!.link) {
        changed = true;
        p.ef.succ = p.ef.succ!.link;
      }
    }
  }
}
