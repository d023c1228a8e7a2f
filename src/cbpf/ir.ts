/**
 * The filter compiler's intermediate code, shaped like libpcap's (gencode.h: struct stmt, slist, edge, block,
 * arth) so that the code generator, the optimizer (optimize.c's algorithms) and the linearizer (icode_to_fcode)
 * produce the same programs, instruction for instruction, as libpcap does.
 *
 * A block is a list of statements followed by one conditional jump (`s`) with a true edge `et` and a false edge
 * `ef`; the leaves are return statements (a block whose `s.code` is BPF_RET). Values follow libpcap: `k` is an
 * unsigned 32-bit number, `code` a classic BPF opcode (or NOP / JMP pseudo codes during optimization).
 */

/** A single statement (struct stmt). `jt`/`jf` are only used by the linearizer for pseudo jumps. */
export interface Stmt {
  code: number;
  jt: Slist | null;
  jf: Slist | null;
  k: number;
}

/** A list of statements (struct slist). */
export interface Slist {
  s: Stmt;
  next: Slist | null;
}

/** Bit sets over block or edge ids (libpcap's uset), as 32-bit words. */
export type Uset = Uint32Array;

/** An edge between blocks (struct edge): `code` is the jump's opcode, negated for the false edge. */
export interface Edge {
  id: number;
  code: number;
  edom: Uset | null;
  succ: Block | null;
  pred: Block | null;
  next: Edge | null;
}

/** A basic block (struct block). */
export interface Block {
  id: number;
  stmts: Slist | null;
  s: Stmt;
  mark: number;
  longjt: number;
  longjf: number;
  level: number;
  offset: number;
  sense: number;
  et: Edge;
  ef: Edge;
  head: Block | null;
  link: Block | null;
  dom: Uset | null;
  closure: Uset | null;
  inEdges: Edge | null;
  def: number;
  kill: number;
  inUse: number;
  outUse: number;
  oval: number;
  /** Value numbers of the atoms (A, X, M[0..15]) at the block's exit. */
  val: Uint32Array;
  /**
   * What the code generator knows about the block's outcome (gencode.h's enum meaning): IS_UNCERTAIN, or
   * IS_TRUE / IS_FALSE for the Boolean constants that gen_and/gen_or fold away.
   */
  meaning: number;
}

/** Values of Block.meaning. */
export const IS_UNCERTAIN = 0;
export const IS_TRUE = 1;
export const IS_FALSE = 2;

/** An arithmetic expression under construction (struct arth): code computing it and the scratch register holding it. */
export interface Arth {
  b: Block | null;
  s: Slist | null;
  regno: number;
}

/** Atoms tracked by the optimizer: M[0..15], then A, then X. */
export const BPF_MEMWORDS = 16;
export const A_ATOM = BPF_MEMWORDS;
export const X_ATOM = BPF_MEMWORDS + 1;
export const N_ATOMS = BPF_MEMWORDS + 2;

/** Pseudo opcodes used inside the compiler (gencode.h). */
export const NOP = -1;
export const JMP = (c: number): number => c | 0x05;

export function newStmt(code: number, k = 0): Stmt {
  return { code, jt: null, jf: null, k: k >>> 0 };
}

export function newSlist(code: number, k = 0): Slist {
  return { s: newStmt(code, k), next: null };
}

function newEdge(): Edge {
  return { id: 0, code: 0, edom: null, succ: null, pred: null, next: null };
}

/** A new block ending in a jump with opcode `code` and constant `k` (gencode.c's new_block). */
export function newBlock(code: number, k = 0): Block {
  const b: Block = {
    id: 0,
    stmts: null,
    s: newStmt(code, k),
    mark: 0,
    longjt: 0,
    longjf: 0,
    level: 0,
    offset: 0,
    sense: 0,
    et: newEdge(),
    ef: newEdge(),
    head: null,
    link: null,
    dom: null,
    closure: null,
    inEdges: null,
    def: 0,
    kill: 0,
    inUse: 0,
    outUse: 0,
    oval: 0,
    val: new Uint32Array(N_ATOMS),
    meaning: 0,
  };
  b.head = b;
  b.et.pred = b;
  b.ef.pred = b;
  return b;
}
