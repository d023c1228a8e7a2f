/**
 * Flatten a block graph into classic BPF instructions (optimize.c's icode_to_fcode and convert_code_r):
 * blocks are laid out depth-first, false branch placed last, with the same long-jump retry libpcap uses.
 */
import { FilterError } from './errors.js';
import { BPF_CLASS, BPF_JA, BPF_JMP, type CbpfInsn } from './insn.js';
import { type Block, NOP, type Slist } from './ir.js';

function slength(s: Slist | null): number {
  let n = 0;
  for (; s; s = s.next) if (s.s.code !== NOP) n++;
  return n;
}

function countStmts(p: Block | null, marked: Set<Block>): number {
  if (!p || marked.has(p)) return 0;
  marked.add(p);
  const n = countStmts(p.et.succ, marked) + countStmts(p.ef.succ, marked);
  return slength(p.stmts) + 1 + p.longjt + p.longjf + n;
}

class Retry {}

function convert(p: Block | null, marked: Set<Block>, out: CbpfInsn[], tail: { v: number }): void {
  if (!p || marked.has(p)) return;
  marked.add(p);
  convert(p.ef.succ, marked, out, tail);
  convert(p.et.succ, marked, out, tail);
  const slen = slength(p.stmts);
  tail.v -= slen + 1 + p.longjt + p.longjf;
  let dst = tail.v;
  p.offset = dst;
  const offset: Slist[] = [];
  for (let src = p.stmts; src && offset.length < slen; src = src.next) offset.push(src);
  let off = 0;
  const ljerr = (what: string): never => {
    throw new FilterError(`${what} for block-local relative jump: off=${off}`);
  };
  for (let src = p.stmts; src; src = src.next) {
    if (src.s.code === NOP) continue;
    const d = out[dst]!;
    d.code = src.s.code;
    d.k = src.s.k >>> 0;
    if (BPF_CLASS(src.s.code) === BPF_JMP && src.s.code !== (BPF_JMP | BPF_JA) && off !== slen - 2) {
      if (!src.s.jt || !src.s.jf) ljerr('no jmp destination');
      let jt = 0;
      let jf = 0;
      for (let i = 0; i < slen; i++) {
        if (offset[i] === src.s.jt) {
          if (jt) ljerr('multiple matches');
          if (i - off - 1 >= 256) ljerr('out-of-range jump');
          d.jt = i - off - 1;
          jt++;
        }
        if (offset[i] === src.s.jf) {
          if (jf) ljerr('multiple matches');
          if (i - off - 1 >= 256) ljerr('out-of-range jump');
          d.jf = i - off - 1;
          jf++;
        }
      }
      if (!jt || !jf) ljerr('no destination found');
    }
    dst++;
    off++;
  }
  const d = out[dst]!;
  d.code = p.s.code;
  d.k = p.s.k >>> 0;
  const jt = p.et.succ;
  const jf = p.ef.succ;
  if (jt && jf) {
    let extrajmps = 0;
    let o = jt.offset - (p.offset + slen) - 1;
    if (o >= 256) {
      if (p.longjt === 0) {
        p.longjt++;
        throw new Retry();
      }
      d.jt = extrajmps;
      extrajmps++;
      out[dst + extrajmps] = { code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: o - extrajmps };
    } else d.jt = o;
    o = jf.offset - (p.offset + slen) - 1;
    if (o >= 256) {
      if (p.longjf === 0) {
        p.longjf++;
        throw new Retry();
      }
      d.jf = extrajmps;
      extrajmps++;
      out[dst + extrajmps] = { code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: o - extrajmps };
    } else d.jf = o;
  }
}

/** The instructions of the program rooted at `root` (icode_to_fcode). */
export function icodeToFcode(root: Block): CbpfInsn[] {
  for (;;) {
    const n = countStmts(root, new Set());
    const out: CbpfInsn[] = Array.from({ length: n }, () => ({ code: 0, jt: 0, jf: 0, k: 0 }));
    try {
      convert(root, new Set(), out, { v: n });
      return out;
    } catch (e) {
      if (!(e instanceof Retry)) throw e;
    }
  }
}
