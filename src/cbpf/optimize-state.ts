/**
 * The optimizer's working state (libpcap's opt_state_t plus the icode's root and traversal mark): the numbered
 * blocks and edges, the level lists, the bit-set storage, the value-number table and the progress flags that
 * drive the fixed-point loop.
 *
 * Block ids, edge ids and the order of every list here follow libpcap's depth-first numbering exactly, because
 * the optimizer's result depends on the order in which it visits blocks and edges.
 */
import { FilterError } from './errors.js';
import type { Block, Edge } from './ir.js';
import { Dominators } from './optimize-dominators.js';
import { allocateSets, setWords } from './optimize-sets.js';
import { ValueTable } from './optimize-values.js';

/**
 * The optimizer rejected the filter with one of libpcap's messages: "expression rejects all packets", a division
 * or modulus by a constant zero, a shift by more than 31 bits, "filter is too complex to optimize".
 */
export class OptimizerError extends FilterError {
  override name = 'OptimizerError';
}

/**
 * Largest block count we optimize. libpcap only guards against integer overflow; the edge dominator sets need
 * n²/4 bytes (268 MB at this bound) and the passes quadratic time, so beyond it we report libpcap's
 * "filter is too complex to optimize" rather than exhaust memory. Real filters stay far below (a 300-host
 * `or` list is about 4500 blocks).
 */
const MAX_BLOCKS = 1 << 15;

export class OptState {
  /** Current root of the flow graph (opt_root may move it to a descendant). */
  root: Block;
  /** Blocks reachable from the original root, indexed by id (preorder: block, true subtree, false subtree). */
  readonly blocks: Block[] = [];
  /** Edge `i` is `blocks[i].et`, edge `n + i` is `blocks[i].ef`. */
  readonly edges: Edge[] = [];
  /** Heads of the per-level block lists, linked through `Block.link`; level 0 holds the leaves. */
  readonly levels: (Block | null)[];
  readonly edgewords: number;
  readonly edgeSpace: Uint32Array;
  readonly values = new ValueTable();
  readonly dominators: Dominators;
  /** Cleared by every transformation; the loop stops once a whole pass leaves it set. */
  done = false;
  /** Set by transformations other than moving branches: a pass without them counts towards the cycle guard. */
  nonBranchMovement = false;
  /** Traversal mark (icode's cur_mark): a block is marked when `block.mark === curMark`. */
  private curMark = 0;

  constructor(root: Block) {
    this.root = root;
    clearMarks(root);
    this.unmarkAll();
    this.numberBlocks(root);
    const n = this.blocks.length;
    this.levels = new Array<Block | null>(n).fill(null);
    this.edgewords = setWords(2 * n);
    const edom = allocateSets(2 * n, this.edgewords);
    this.dominators = new Dominators(n);
    this.edgeSpace = edom.buffer;
    for (let i = 0; i < n; i++) {
      const b = this.blocks[i]!;
      b.et.edom = edom.sets[2 * i]!;
      b.ef.edom = edom.sets[2 * i + 1]!;
      b.et.id = i;
      b.ef.id = n + i;
      b.et.pred = b;
      b.ef.pred = b;
    }
    for (let i = 0; i < n; i++) this.edges[i] = this.blocks[i]!.et;
    for (let i = 0; i < n; i++) this.edges[n + i] = this.blocks[i]!.ef;
  }

  unmarkAll(): void {
    this.curMark += 1;
  }

  isMarked(b: Block): boolean {
    return b.mark === this.curMark;
  }

  mark(b: Block): void {
    b.mark = this.curMark;
  }

  /**
   * Leaves every block unmarked (mark 0) so the next traversal, whoever runs it, starts clean, and drops the
   * edge sets so the graph the caller keeps does not hold them (opt_cleanup).
   */
  cleanup(): void {
    for (const b of this.blocks) {
      b.mark = 0;
      b.et.edom = null;
      b.ef.edom = null;
    }
  }

  /** Depth-first preorder numbering (number_blks_r), iterative so deep graphs cannot overflow the stack. */
  private numberBlocks(root: Block): void {
    const stack: (Block | null)[] = [root];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (p === null || this.isMarked(p)) continue;
      this.mark(p);
      if (this.blocks.length >= MAX_BLOCKS) throw new OptimizerError('filter is too complex to optimize');
      p.id = this.blocks.length;
      this.blocks.push(p);
      stack.push(p.ef.succ, p.et.succ);
    }
  }
}

/** Resets the marks of everything reachable from `root`, whatever earlier passes left there. */
function clearMarks(root: Block): void {
  const seen = new Set<Block>();
  const stack: Block[] = [root];
  while (stack.length > 0) {
    const b = stack.pop()!;
    if (seen.has(b)) continue;
    seen.add(b);
    b.mark = 0;
    if (b.et.succ) stack.push(b.et.succ);
    if (b.ef.succ) stack.push(b.ef.succ);
  }
}
