/**
 * Test helpers for the optimizer: read `tcpdump -d` / bpf_dump listings back into instructions, and rebuild the
 * code generator's block graph from an unoptimized program so the optimizer can be run on exactly the graph
 * libpcap optimized. The rebuilt graph is only trusted when laying it out again reproduces the program.
 */
import { ANCILLARY_NAMES, SKF_AD_OFF } from '../../src/cbpf/ancillary.js';
import { BPF_CLASS, BPF_JA, BPF_JMP, BPF_RET, type CbpfInsn } from '../../src/cbpf/insn.js';
import { type Block, newBlock, newSlist, type Slist } from '../../src/cbpf/ir.js';

const ALU_OPS: Record<string, number> = {
  add: 0x00,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  mod: 0x90,
  xor: 0xa0,
};
const JMP_OPS: Record<string, number> = { jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40 };
const LD_SIZES: Record<string, number> = { ld: 0x00, ldh: 0x08, ldb: 0x10 };
const ANCILLARY_BY_NAME = new Map(Object.entries(ANCILLARY_NAMES).map(([k, name]) => [name, Number(k)]));

function num(text: string): number {
  return Number(text) >>> 0;
}

/** One listing line's mnemonic and operand to an instruction; jump targets are absolute here. */
function parseInsn(pc: number, op: string, arg: string, jt: number, jf: number): CbpfInsn {
  const insn = (code: number, k = 0): CbpfInsn => ({ code, jt: 0, jf: 0, k: k >>> 0 });
  let m: RegExpMatchArray | null;
  if (op in LD_SIZES) {
    const size = LD_SIZES[op]!;
    if ((m = arg.match(/^\[x \+ (\d+)\]$/))) return insn(0x40 | size, num(m[1]!));
    if ((m = arg.match(/^\[(\d+)\]$/))) return insn(0x20 | size, num(m[1]!));
    if ((m = arg.match(/^\[([a-z_]+)\]$/)) && ANCILLARY_BY_NAME.has(m[1]!)) {
      return insn(0x20 | size, SKF_AD_OFF + ANCILLARY_BY_NAME.get(m[1]!)!);
    }
    if (op === 'ld' && (m = arg.match(/^M\[(\d+)\]$/))) return insn(0x60, num(m[1]!));
    if (op === 'ld' && arg === '#pktlen') return insn(0x80);
    if (op === 'ld' && (m = arg.match(/^#(\S+)$/))) return insn(0x00, num(m[1]!));
  }
  if (op === 'ldx') {
    if ((m = arg.match(/^M\[(\d+)\]$/))) return insn(0x61, num(m[1]!));
    if (arg === '#pktlen') return insn(0x81);
    if ((m = arg.match(/^#(\S+)$/))) return insn(0x01, num(m[1]!));
  }
  if (op === 'ldxb' && (m = arg.match(/^4\*\(\[(\d+)\]&0xf\)$/))) return insn(0xb1, num(m[1]!));
  if (op === 'st' && (m = arg.match(/^M\[(\d+)\]$/))) return insn(0x02, num(m[1]!));
  if (op === 'stx' && (m = arg.match(/^M\[(\d+)\]$/))) return insn(0x03, num(m[1]!));
  if (op in ALU_OPS) {
    if (arg === 'x') return insn(0x0c | ALU_OPS[op]!);
    if ((m = arg.match(/^#(\S+)$/))) return insn(0x04 | ALU_OPS[op]!, num(m[1]!));
  }
  if (op === 'neg') return insn(0x84);
  if (op === 'tax') return insn(0x07);
  if (op === 'txa') return insn(0x87);
  if (op === 'ja') return insn(0x05, num(arg) - pc - 1);
  if (op in JMP_OPS) {
    const j = arg === 'x' ? insn(0x0d | JMP_OPS[op]!) : insn(0x05 | JMP_OPS[op]!, num(arg.slice(1)));
    j.jt = jt - pc - 1;
    j.jf = jf - pc - 1;
    return j;
  }
  if (op === 'ret') {
    if (arg === '') return insn(0x16);
    if (arg === 'x') return insn(0x0e);
    if ((m = arg.match(/^#(\S+)$/))) return insn(0x06, num(m[1]!));
  }
  throw new Error(`unparsed listing line ${pc}: ${op} ${arg}`);
}

/** Parses a bpf_dump / `tcpdump -d` listing. */
export function parseListing(text: string): CbpfInsn[] {
  const out: CbpfInsn[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = line.match(/^\((\d+)\) (\S+)\s*(.*?)\s*(?:jt (\d+)\s+jf (\d+))?\s*(?:;.*)?$/);
    if (!m) throw new Error(`bad listing line: ${line}`);
    out.push(parseInsn(Number(m[1]), m[2]!, m[3]!.trim(), Number(m[4] ?? 0), Number(m[5] ?? 0)));
  }
  return out;
}

const isCondJump = (i: CbpfInsn): boolean => BPF_CLASS(i.code) === BPF_JMP && i.code !== (BPF_JMP | BPF_JA);

/**
 * Rebuilds the block graph an unoptimized program was laid out from: blocks start at the program start and at
 * every branch target, end at their conditional jump or return, and `ja` instructions (long-jump helpers) are
 * followed to their destination. Throws on programs that do not have that shape.
 */
export function graphFromProgram(prog: readonly CbpfInsn[]): Block {
  const blocks = new Map<number, Block>();
  const resolve = (pc: number): number => {
    for (let hops = 0; hops <= prog.length; hops++) {
      const insn = prog[pc];
      if (insn === undefined) throw new Error(`jump outside the program to ${pc}`);
      if (insn.code !== (BPF_JMP | BPF_JA)) return pc;
      pc = pc + 1 + insn.k;
    }
    throw new Error('ja cycle');
  };
  const blockAt = (start: number): Block => {
    const existing = blocks.get(start);
    if (existing) return existing;
    let pc = start;
    let head: Slist | null = null;
    let tail: Slist | null = null;
    while (pc < prog.length && !isCondJump(prog[pc]!) && BPF_CLASS(prog[pc]!.code) !== BPF_RET) {
      const insn = prog[pc]!;
      if (insn.code === (BPF_JMP | BPF_JA)) throw new Error(`ja inside a block at ${pc}`);
      const s = newSlist(insn.code, insn.k);
      if (tail) tail.next = s;
      else head = s;
      tail = s;
      pc++;
    }
    const end = prog[pc];
    if (end === undefined) throw new Error(`block at ${start} runs off the program`);
    const b = newBlock(end.code, end.k);
    b.stmts = head;
    blocks.set(start, b);
    if (isCondJump(end)) {
      b.et.succ = blockAt(resolve(pc + 1 + end.jt));
      b.ef.succ = blockAt(resolve(pc + 1 + end.jf));
    }
    return b;
  };
  return blockAt(resolve(0));
}

/** Same instructions, compared field by field (listing round trips ignore nothing). */
export function sameProgram(a: readonly CbpfInsn[], b: readonly CbpfInsn[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.code !== y.code || x.k >>> 0 !== y.k >>> 0 || x.jt !== y.jt || x.jf !== y.jf) return false;
  }
  return true;
}
