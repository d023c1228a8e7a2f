/**
 * Structured control flow for reducible CFGs, after Ramsey's "Beyond Relooper" (ICFP 2022): the dominator tree is
 * walked in reverse postorder; a block that is the target of a back edge becomes a wasm `loop`, a block with
 * several forward predecessors (a merge node) is placed after a `block` that its predecessors `br` out of, and any
 * other block is placed inline at the single branch that reaches it. Loops then compile to real loops, which V8
 * optimizes far better than a dispatcher (no indirect jump, no merge of every register at one loop header).
 *
 * Irreducible flow (possible in unverified bytecode) returns undefined; the caller falls back to the dispatcher.
 */
import type { Block } from './cfg.js';

export interface Structure {
  /** Blocks in reverse postorder. */
  readonly order: Block[];
  /** Reverse-postorder number by block index (-1: not in this function). */
  readonly rpo: Int32Array;
  /** By block index: 1 if the block is the target of a back edge. */
  readonly loopHeader: Uint8Array;
  /** By block index: 1 if the block has two or more forward predecessors. */
  readonly merge: Uint8Array;
  /** By block index: the dominator-tree children that are merge nodes, highest RPO number first. */
  readonly mergeChildren: (Block[] | undefined)[];
}

export function analyze(entry: Block, all: readonly Block[]): Structure | undefined {
  // reverse postorder by an explicit-stack DFS
  const post: Block[] = [];
  const visited = new Uint8Array(all.length);
  const stack: Block[] = [entry];
  const next: number[] = [0];
  visited[entry.index] = 1;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const b = stack[top]!;
    const i = next[top]!;
    if (i < b.succ.length) {
      next[top] = i + 1;
      const s = b.succ[i]!;
      if (!visited[s]) {
        visited[s] = 1;
        stack.push(all[s]!);
        next.push(0);
      }
    } else {
      post.push(b);
      stack.pop();
      next.pop();
    }
  }
  const order = post.reverse();
  const count = order.length;
  const rpo = new Int32Array(all.length).fill(-1);
  for (let i = 0; i < count; i++) rpo[order[i]!.index] = i;

  // predecessors by RPO number, in one flat array: those of i are predList[predStart[i] .. predStart[i + 1])
  const predStart = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) for (const s of order[i]!.succ) predStart[rpo[s]! + 1]!++;
  for (let i = 0; i < count; i++) predStart[i + 1]! += predStart[i]!;
  const predList = new Int32Array(predStart[count]!);
  const fill = predStart.slice(0, count);
  for (let i = 0; i < count; i++) for (const s of order[i]!.succ) predList[fill[rpo[s]!]!++] = i;

  // dominators: Cooper, Harvey and Kennedy's iterative algorithm over RPO numbers
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 1; i < count; i++) {
      let d = -1;
      for (let e = predStart[i]!; e < predStart[i + 1]!; e++) {
        const pi = predList[e]!;
        if (idom[pi] === -1) continue;
        if (d === -1) {
          d = pi;
          continue;
        }
        let a = pi;
        while (a !== d) {
          while (a > d) a = idom[a]!;
          while (d > a) d = idom[d]!;
        }
      }
      if (d !== idom[i]) {
        idom[i] = d;
        changed = true;
      }
    }
  }

  const loopHeader = new Uint8Array(all.length);
  const merge = new Uint8Array(all.length);
  for (let bi = 0; bi < count; bi++) {
    let forward = 0;
    for (let e = predStart[bi]!; e < predStart[bi + 1]!; e++) {
      const pi = predList[e]!;
      if (pi >= bi) {
        // a back edge must go to a dominator of its source, or the flow is irreducible
        let d = pi;
        while (d > bi) d = idom[d]!;
        if (d !== bi) return undefined;
        loopHeader[order[bi]!.index] = 1;
      } else forward++;
    }
    if (forward >= 2) merge[order[bi]!.index] = 1;
  }

  const mergeChildren = new Array<Block[] | undefined>(all.length);
  for (let i = count - 1; i >= 1; i--) {
    const b = order[i]!;
    if (!merge[b.index]) continue;
    const parent = order[idom[i]!]!.index;
    (mergeChildren[parent] ??= []).push(b);
  }
  return { order, rpo, loopHeader, merge, mergeChildren };
}
