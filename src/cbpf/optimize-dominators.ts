/**
 * Block dominators as libpcap's find_dom computes them, answered one question at a time.
 *
 * find_dom sweeps the level lists from the root down: the root's set starts empty and every other set full;
 * visiting a block adds the block itself to its set, then intersects each successor's set with it. libpcap
 * reruns that sweep (over bit sets of all blocks) after every pullup, with the level lists of the start of the
 * pass, which after a pullup no longer match the graph; the pullups then only ask "is b in d's set?".
 *
 * Every bit of those sets evolves independently (insertions and intersections are bitwise), so the answer for
 * one block b is the sweep restricted to b's bit: one byte per block. `record` takes a snapshot of the sweep
 * (the visiting order and each visited block's successors at that moment), and `dominates` replays it for the
 * bit asked about, cached until the next snapshot. The answers are exactly libpcap's, stale levels included,
 * at a cost linear in the number of blocks instead of blocks times set words per pullup.
 */
import type { Block } from './ir.js';

export class Dominators {
  /** Triples (block id, true successor id or -1, false successor id or -1) in visiting order. */
  private sweep: Int32Array;
  private sweepLength = 0;
  private rootId = 0;
  /** Membership column of the block id in `columnFor`, per block id; valid for the current snapshot only. */
  private readonly column: Uint8Array;
  private columnFor = -1;

  constructor(blockCount: number) {
    this.sweep = new Int32Array(3 * Math.max(blockCount, 1));
    this.column = new Uint8Array(blockCount);
  }

  /** Snapshot of find_dom's sweep from `root` over the level lists `levels` (highest level first). */
  record(root: Block, levels: readonly (Block | null)[]): void {
    let n = 0;
    for (let level = root.level; level >= 0; --level) {
      for (let b = levels[level] ?? null; b; b = b.link) {
        if (n + 3 > this.sweep.length) {
          const grown = new Int32Array(this.sweep.length * 2);
          grown.set(this.sweep);
          this.sweep = grown;
        }
        this.sweep[n] = b.id;
        this.sweep[n + 1] = b.et.succ ? b.et.succ.id : -1;
        this.sweep[n + 2] = b.et.succ ? b.ef.succ!.id : -1;
        n += 3;
      }
    }
    this.sweepLength = n;
    this.rootId = root.id;
    this.columnFor = -1;
  }

  /** Whether `b` is in the dominator set find_dom gave `d` (SET_MEMBER(d->dom, b->id)). */
  dominates(b: Block, d: Block): boolean {
    if (this.columnFor !== b.id) this.replay(b.id);
    return this.column[d.id] === 1;
  }

  private replay(id: number): void {
    const col = this.column;
    col.fill(1);
    col[this.rootId] = 0;
    const sweep = this.sweep;
    for (let i = 0; i < this.sweepLength; i += 3) {
      const b = sweep[i]!;
      if (b === id) col[b] = 1;
      const jt = sweep[i + 1]!;
      if (jt < 0) continue;
      const jf = sweep[i + 2]!;
      col[jt] = col[jt]! & col[b]!;
      col[jf] = col[jf]! & col[b]!;
    }
    this.columnFor = id;
  }
}
