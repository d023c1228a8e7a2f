/**
 * The code generator's building blocks (gencode.c): statement lists, blocks and the backpatching and/or/not
 * combinators, loads relative to the protocol headers, comparisons, scratch register allocation.
 */
import { FilterError } from './errors.js';
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MSH,
  BPF_RET,
  BPF_TAX,
  BPF_W,
  BPF_X,
} from './insn.js';
import { type Block, IS_FALSE, IS_TRUE, IS_UNCERTAIN, newBlock, newSlist, type Slist } from './ir.js';
import type { AbsOffset, CompilerState } from './state.js';

/** Headers a load offset is relative to (enum e_offrel). */
export enum OffRel {
  PACKET,
  LINKHDR,
  PREVLINKHDR,
  LLC,
  PREVMPLSHDR,
  LINKTYPE,
  LINKPL,
  LINKPL_NOSNAP,
  TRAN_IPV4,
  TRAN_IPV6,
}

export const IP6_HDRLEN = 40;
export const MPLS_STACKENTRY_LEN = 4;

/** Throw libpcap's error for the expression (bpf_error). */
export function bpfError(msg: string): never {
  throw new FilterError(msg);
}

export function assertMaxval(name: string, val: number, maxval: number): void {
  if (val >>> 0 > maxval) bpfError(`${name} ${val >>> 0} greater than maximum ${maxval}`);
}

/** A jump opcode (gencode.c's JMP(jtype, src)). */
export const JMP = (jtype: number, src: number): number => BPF_JMP | jtype | src;

export const stmt = (code: number, k = 0): Slist => newSlist(code, k);

/** Append list s1 to list s0 (sappend). */
export function sappend(s0: Slist, s1: Slist | null): void {
  while (s0.next) s0 = s0.next;
  s0.next = s1;
}

export const JT = (b: Block): Block | null => b.et.succ;
export const JF = (b: Block): Block | null => b.ef.succ;

function backpatch(list: Block | null, target: Block): void {
  while (list) {
    let next: Block | null;
    if (!list.sense) {
      next = list.et.succ;
      list.et.succ = target;
    } else {
      next = list.ef.succ;
      list.ef.succ = target;
    }
    list = next;
  }
}

function merge(b0: Block, b1: Block): void {
  let p = b0;
  for (;;) {
    const next = !p.sense ? p.et.succ : p.ef.succ;
    if (!next) break;
    p = next;
  }
  if (!p.sense) p.et.succ = b1;
  else p.ef.succ = b1;
}

export function genAnd(b0: Block, b1: Block): Block {
  if (b0.meaning === IS_FALSE) return b0;
  if (b1.meaning === IS_FALSE) return b1;
  if (b0.meaning === IS_TRUE) return b1;
  if (b1.meaning === IS_TRUE) return b0;
  backpatch(b0, b1.head!);
  b0.sense = b0.sense ? 0 : 1;
  b1.sense = b1.sense ? 0 : 1;
  merge(b1, b0);
  b1.sense = b1.sense ? 0 : 1;
  b1.head = b0.head;
  return b1;
}

export function genOr(b0: Block, b1: Block): Block {
  if (b0.meaning === IS_FALSE) return b1;
  if (b1.meaning === IS_FALSE) return b0;
  if (b0.meaning === IS_TRUE) return b0;
  if (b1.meaning === IS_TRUE) return b1;
  b0.sense = b0.sense ? 0 : 1;
  backpatch(b0, b1.head!);
  b0.sense = b0.sense ? 0 : 1;
  merge(b1, b0);
  b1.head = b0.head;
  return b1;
}

export function genNot(b: Block): Block {
  b.sense = b.sense ? 0 : 1;
  if (b.meaning === IS_TRUE) b.meaning = IS_FALSE;
  else if (b.meaning === IS_FALSE) b.meaning = IS_TRUE;
  return b;
}

/** Finish the program: attach the accept and reject returns (the tail of finish_parse). */
export function attachReturns(p: Block, snaplen: number): Block {
  backpatch(p, newBlock(BPF_RET | BPF_K, snaplen));
  p.sense = p.sense ? 0 : 1;
  backpatch(p, newBlock(BPF_RET | BPF_K, 0));
  return p.head!;
}

export function genJmpK(jtype: number, v: number, stmts: Slist | null): Block {
  const b = newBlock(JMP(jtype, BPF_K), v);
  b.stmts = stmts;
  return b;
}

export function genJmpX(jtype: number, stmts: Slist | null): Block {
  const b = newBlock(JMP(jtype, BPF_X));
  b.stmts = stmts;
  return b;
}

export const genSet = (v: number, stmts: Slist): Block => genJmpK(0x40, v, stmts);
export const genUnset = (v: number, stmts: Slist): Block => genNot(genSet(v, stmts));

/** A Boolean constant block (gen_uncond). */
function genUncond(rsense: boolean): Block {
  const b = genJmpK(BPF_JEQ, 0, stmt(BPF_LD | BPF_IMM, rsense ? 0 : 1));
  b.meaning = rsense ? IS_TRUE : IS_FALSE;
  return b;
}
export const genTrue = (): Block => genUncond(true);
export const genFalse = (): Block => genUncond(false);

/** Prepend statements to a block's side effects (sprepend_to_block). */
export function sprependToBlock(s: Slist | null, b: Block): Block {
  if (s) {
    if (b.stmts) sappend(s, b.stmts);
    b.stmts = s;
    b.meaning = IS_UNCERTAIN;
  }
  return b;
}

export function allocReg(cs: CompilerState): number {
  for (let n = 16; --n >= 0; ) {
    if (cs.regused[cs.curreg]) cs.curreg = (cs.curreg + 1) % 16;
    else {
      cs.regused[cs.curreg] = true;
      return cs.curreg;
    }
  }
  return bpfError('too many registers needed to evaluate expression');
}

export function freeReg(cs: CompilerState, n: number): void {
  cs.regused[n] = false;
}

/** Code loading the variable part of an absolute offset into X, or null (gen_abs_offset_varpart). */
export function genAbsOffsetVarpart(cs: CompilerState, off: AbsOffset): Slist | null {
  if (!off.isVariable) return null;
  if (off.reg === -1) off.reg = allocReg(cs);
  return stmt(BPF_LDX | BPF_MEM, off.reg);
}

export function genLoadAbsoffsetrel(s: Slist | null, offset: number, size: number): Slist {
  if (size !== BPF_B && size !== BPF_H && size !== BPF_W) bpfError(`internal error: size == ${size}`);
  if (s) {
    sappend(s, stmt(BPF_LD | BPF_IND | size, offset));
    return s;
  }
  return stmt(BPF_LD | BPF_ABS | size, offset);
}

/** Load the field at `offset` of header `offrel` into A (gen_load_a). */
export function genLoadA(cs: CompilerState, offrel: OffRel, offset: number, size: number): Slist {
  let s: Slist | null = null;
  switch (offrel) {
    case OffRel.PACKET:
      break;
    case OffRel.LINKHDR:
      s = genAbsOffsetVarpart(cs, cs.offLinkhdr);
      offset += cs.offLinkhdr.constantPart;
      break;
    case OffRel.PREVLINKHDR:
      s = genAbsOffsetVarpart(cs, cs.offPrevlinkhdr);
      offset += cs.offPrevlinkhdr.constantPart;
      break;
    case OffRel.LLC:
      s = genAbsOffsetVarpart(cs, cs.offLinkpl);
      offset += cs.offLinkpl.constantPart;
      break;
    case OffRel.PREVMPLSHDR:
      s = genAbsOffsetVarpart(cs, cs.offLinkpl);
      offset += cs.offLinkpl.constantPart + cs.offNl - MPLS_STACKENTRY_LEN;
      break;
    case OffRel.LINKPL:
      s = genAbsOffsetVarpart(cs, cs.offLinkpl);
      offset += cs.offLinkpl.constantPart + cs.offNl;
      break;
    case OffRel.LINKPL_NOSNAP:
      s = genAbsOffsetVarpart(cs, cs.offLinkpl);
      offset += cs.offLinkpl.constantPart + cs.offNlNosnap;
      break;
    case OffRel.LINKTYPE:
      s = genAbsOffsetVarpart(cs, cs.offLinktype);
      offset += cs.offLinktype.constantPart;
      break;
    case OffRel.TRAN_IPV4:
      s = genLoadxIphdrlen(cs);
      offset += cs.offLinkpl.constantPart + cs.offNl;
      break;
    case OffRel.TRAN_IPV6:
      s = genAbsOffsetVarpart(cs, cs.offLinkpl);
      offset += cs.offLinkpl.constantPart + cs.offNl + IP6_HDRLEN;
      break;
  }
  return genLoadAbsoffsetrel(s, offset >>> 0, size);
}

/** Load X with the IPv4 header length plus the variable part of the payload offset (gen_loadx_iphdrlen). */
export function genLoadxIphdrlen(cs: CompilerState): Slist {
  const s = genAbsOffsetVarpart(cs, cs.offLinkpl);
  if (s) {
    sappend(s, stmt(BPF_LD | BPF_IND | BPF_B, cs.offLinkpl.constantPart + cs.offNl));
    sappend(s, stmt(BPF_ALU | BPF_AND | BPF_K, 0xf));
    sappend(s, stmt(BPF_ALU | BPF_LSH | BPF_K, 2));
    sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_X));
    sappend(s, stmt(BPF_MISC | BPF_TAX));
    return s;
  }
  return stmt(BPF_LDX | BPF_MSH | BPF_B, cs.offLinkpl.constantPart + cs.offNl);
}

export function genNcmp(
  cs: CompilerState,
  offrel: OffRel,
  offset: number,
  size: number,
  mask: number,
  jtype: number,
  reverse: boolean,
  v: number,
): Block {
  const s = genLoadA(cs, offrel, offset, size);
  if (mask >>> 0 !== 0xffffffff) sappend(s, stmt(BPF_ALU | BPF_AND | BPF_K, mask));
  const b = genJmpK(jtype, v, s);
  return reverse ? genNot(b) : b;
}

export const genCmp = (cs: CompilerState, r: OffRel, off: number, size: number, v: number): Block =>
  genNcmp(cs, r, off, size, 0xffffffff, BPF_JEQ, false, v);
export const genCmpGt = (cs: CompilerState, r: OffRel, off: number, size: number, v: number): Block =>
  genNcmp(cs, r, off, size, 0xffffffff, BPF_JGT, false, v);
export const genCmpGe = (cs: CompilerState, r: OffRel, off: number, size: number, v: number): Block =>
  genNcmp(cs, r, off, size, 0xffffffff, BPF_JGE, false, v);
export const genCmpLt = (cs: CompilerState, r: OffRel, off: number, size: number, v: number): Block =>
  genNcmp(cs, r, off, size, 0xffffffff, BPF_JGE, true, v);
export const genCmpLe = (cs: CompilerState, r: OffRel, off: number, size: number, v: number): Block =>
  genNcmp(cs, r, off, size, 0xffffffff, BPF_JGT, true, v);
export const genCmpNe = (cs: CompilerState, r: OffRel, off: number, size: number, v: number): Block =>
  genNcmp(cs, r, off, size, 0xffffffff, BPF_JEQ, true, v);

export function genMcmp(cs: CompilerState, r: OffRel, off: number, size: number, v: number, mask: number): Block {
  if (mask >>> 0 === 0) return v ? genFalse() : genTrue();
  return genNcmp(cs, r, off, size, mask, BPF_JEQ, false, v);
}

export const genMcmpNe = (cs: CompilerState, r: OffRel, off: number, size: number, v: number, mask: number): Block =>
  genNcmp(cs, r, off, size, mask, BPF_JEQ, true, v);

/** Compare `v.length` bytes at `offset`, in 4-, 2- and 1-byte pieces from the end (gen_bcmp). */
export function genBcmp(cs: CompilerState, r: OffRel, offset: number, v: Uint8Array): Block {
  let size = v.length;
  if (!size) bpfError('internal error in gen_bcmp(): size == 0');
  let b: Block | null = null;
  while (size >= 4) {
    const p = size - 4;
    const w = ((v[p]! << 24) | (v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!) >>> 0;
    const tmp = genCmp(cs, r, offset + size - 4, BPF_W, w);
    b = b ? genAnd(b, tmp) : tmp;
    size -= 4;
  }
  while (size >= 2) {
    const p = size - 2;
    const tmp = genCmp(cs, r, offset + size - 2, BPF_H, (v[p]! << 8) | v[p + 1]!);
    b = b ? genAnd(b, tmp) : tmp;
    size -= 2;
  }
  if (size > 0) {
    const tmp = genCmp(cs, r, offset, BPF_B, v[0]!);
    b = b ? genAnd(b, tmp) : tmp;
  }
  return b!;
}

export const swapShort = (v: number): number => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
export const swapLong = (v: number): number =>
  (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
