/**
 * Parser of one line of LLVM's BPF assembly syntax: everything formatLlvm (disasm-llvm.ts) prints, which is what
 * llvm-objdump prints, plus what llvm-mc also reads: labels as jump and call targets (`goto LBB0_2`,
 * `call my_func` for a local call), decimal numbers, `r0 = 1 ll`, `w` registers in stores and loads, optional
 * `+ 0` in memory operands, and llvm-objdump's ` <symbol+0x..>` jump annotations (ignored).
 */
import { build, findForm } from './asm-build.js';
import type { Cursor, Register } from './asm-cursor.js';
import type { Token } from './asm-lexer.js';
import type { Statement } from './asm-program.js';
import { withTarget } from './asm-ubpf.js';
import { LLVM_ALU_OPERATORS, LLVM_ATOMIC_NAMES, LLVM_JUMP_OPERATORS } from './disasm-llvm.js';
import type { InsnForm } from './forms.js';
import { lddw } from './instruction.js';
import { BPF_CMPXCHG, BPF_DIV, BPF_FETCH, BPF_K, BPF_MOD, BPF_MOV, BPF_X, BPF_XCHG } from './opcodes.js';

const RW = ['r', 'w'];
const R = ['r'];

const ALU_BY_OPERATOR = invert(LLVM_ALU_OPERATORS);
const JUMP_BY_OPERATOR = invert(LLVM_JUMP_OPERATORS);
const ATOMIC_BY_NAME = invert(LLVM_ATOMIC_NAMES);

function invert(map: ReadonlyMap<number, string>): Map<string, number> {
  return new Map([...map].map(([k, v]) => [v, k]));
}

export function parseLlvm(c: Cursor): Statement {
  const t = c.peek();
  if (t.kind === 'punct' && t.text === '*') return parseStore(c);
  if (t.kind !== 'ident') return c.fail('expected instruction');
  if (c.isRegister(RW)) return parseAssignment(c);
  c.next();
  switch (t.text) {
    case 'exit':
      return { insn: build(kind('exit')) };
    case 'goto':
      return withJumpTarget(c, build(kind('ja')), 'off');
    case 'gotol':
      return withJumpTarget(c, build(kind('ja32')), 'imm');
    case 'if':
      return parseConditional(c);
    case 'call':
      return parseCall(c);
    case 'callx':
      return { insn: build(kind('callx'), { dst: c.register(R).n }) };
    case 'lock':
      return parseLock(c);
    case 'ld_pseudo':
      return parsePseudo(c);
    default:
      return c.fail(`unknown instruction '${t.text}'`, t);
  }
}

function kind(k: InsnForm['kind']): InsnForm {
  return findForm((f) => f.kind === k)!;
}

/** The form or an error at `token`: the syntax was understood but the table has no such instruction. */
function formOr(c: Cursor, token: Token, what: string, pred: (f: InsnForm) => boolean): InsnForm {
  return findForm(pred) ?? c.fail(`no such instruction: ${what}`, token);
}

/** Reads a second register that must have the first one's width (`w1 += w2`, not `w1 += r2`). */
function sameWidth(c: Cursor, first: Register): number {
  const reg = c.register(RW);
  if (reg.w !== first.w) c.fail(`expected a ${first.w ? 'w' : 'r'} register like ${first.token.text}`, reg.token);
  return reg.n;
}

/** `rD op= ...`, `rD = ...` in all its shapes. */
function parseAssignment(c: Cursor): Statement {
  const dst = c.register(RW);
  const is64 = !dst.w;
  const opToken = c.peek();
  const signed = opToken.text === 's' && c.peek(1).kind === 'punct';
  if (signed) c.next();
  const operator = `${signed ? 's' : ''}${c.next().text}`;
  if (operator === '=') return parseMoveLike(c, dst);
  const signedDivMod = operator === 's/=' || operator === 's%=';
  const op = signedDivMod ? (operator === 's/=' ? BPF_DIV : BPF_MOD) : ALU_BY_OPERATOR.get(operator);
  if (op === undefined || op === BPF_MOV) c.fail(`unknown operator '${operator}'`, opToken);
  const x = c.isRegister(RW);
  if (!x && !c.isNumber()) c.fail('expected register or immediate');
  const form = formOr(
    c,
    opToken,
    operator,
    (f) => f.kind === 'alu' && f.is64 === is64 && f.op === op && f.x === x && f.signed === signedDivMod,
  );
  if (x) return { insn: build(form, { dst: dst.n, src: sameWidth(c, dst) }) };
  const immToken = c.peek();
  return { insn: build(form, { dst: dst.n, imm: c.imm32() }), immToken };
}

/** Everything of the shape `rD = ...`. */
function parseMoveLike(c: Cursor, dst: Register): Statement {
  const is64 = !dst.w;
  const t = c.peek();
  // rD = -rD (neg); a minus before a number is a negative immediate instead.
  if (c.is('-') && c.isRegister(RW, 1)) {
    c.next();
    const reg = c.register(RW);
    if (reg.n !== dst.n || reg.w !== dst.w) c.fail(`expected ${dst.token.text} (neg negates in place)`, reg.token);
    return {
      insn: build(
        formOr(c, t, 'neg', (f) => f.kind === 'neg' && f.is64 === is64),
        { dst: dst.n },
      ),
    };
  }
  // rD = (s8)rS
  if (c.accept('(')) {
    const type = c.next();
    const bits = /^s(8|16|32)$/.exec(type.text);
    if (!bits) c.fail('expected s8, s16 or s32', type);
    c.expect(')');
    const form = formOr(
      c,
      type,
      `${dst.w ? 'w' : 'r'} = (${type.text})`,
      (f) => f.kind === 'movsx' && f.is64 === is64 && f.size === Number(bits![1]),
    );
    return { insn: build(form, { dst: dst.n, src: sameWidth(c, dst) }) };
  }
  if (c.is('*')) return parseLoad(c, dst);
  if (t.kind === 'ident' && !c.isRegister(RW)) return parseNamedRhs(c, dst, t);
  if (c.isRegister(RW)) {
    const form = kindForm(c, t, 'alu', is64, (f) => f.op === BPF_MOV && f.x);
    return { insn: build(form, { dst: dst.n, src: sameWidth(c, dst) }) };
  }
  // rD = IMM ll (lddw) or rD = IMM (mov)
  if (c.peek(c.is('-') || c.is('+') ? 2 : 1).text === 'll') {
    if (dst.w) c.fail('lddw loads a 64-bit register: expected rN', dst.token);
    const value = c.immediate(64, 'lddw constant');
    c.expect('ll');
    return { insn: lddw(dst.n, value) };
  }
  const form = kindForm(c, t, 'alu', is64, (f) => f.op === BPF_MOV && !f.x);
  const immToken = c.peek();
  return { insn: build(form, { dst: dst.n, imm: c.imm32() }), immToken };
}

function kindForm(
  c: Cursor,
  token: Token,
  k: InsnForm['kind'],
  is64: boolean,
  pred: (f: InsnForm) => boolean,
): InsnForm {
  return formOr(c, token, k, (f) => f.kind === k && f.is64 === is64 && !f.signed && pred(f));
}

/** `rD = be16 rD`, `rD = atomic_fetch_add(...)`, `rD = xchg_64(...)`, `r0 = cmpxchg_64(...)`. */
function parseNamedRhs(c: Cursor, dst: Register, name: Token): Statement {
  c.next();
  const end = /^(be|le|bswap)(16|32|64)$/.exec(name.text);
  if (end) {
    const op = end[1] === 'bswap' ? -1 : end[1] === 'le' ? BPF_K : BPF_X;
    const form = formOr(c, name, name.text, (f) => f.kind === 'end' && f.op === op && f.size === Number(end[2]));
    const reg = c.register(R);
    if (reg.n !== dst.n || dst.w) c.fail(`expected r${dst.n} = ${name.text} r${dst.n}`, reg.token);
    return { insn: build(form, { dst: dst.n }) };
  }
  const fetch = /^atomic_fetch_(\w+)$/.exec(name.text);
  if (fetch) {
    const op = ATOMIC_BY_NAME.get(fetch[1]!);
    if (op === undefined) c.fail(`unknown atomic operation '${name.text}'`, name);
    c.expect('(');
    c.expect('(');
    const size = pointerType(c, 'u');
    c.expect(')');
    const [reg, off] = memory(c);
    c.expect(',');
    const src = c.register(RW);
    c.expect(')');
    if (src.n !== dst.n)
      c.fail(`atomic_fetch_${fetch[1]} returns into its source register ${src.token.text}`, dst.token);
    return { insn: build(atomicForm(c, name, size, op! | BPF_FETCH), { dst: reg, src: src.n, off }) };
  }
  const swap = /^(xchg|cmpxchg)(_64|32_32)$/.exec(name.text);
  if (swap) {
    const size = swap[2] === '_64' ? 8 : 4;
    c.expect('(');
    const [reg, off] = address(c);
    c.expect(',');
    if (swap[1] === 'cmpxchg') {
      const r0 = c.register(RW);
      if (r0.n !== 0 || dst.n !== 0)
        c.fail('cmpxchg compares with and returns into r0', r0.n !== 0 ? r0.token : dst.token);
      c.expect(',');
    }
    const src = c.register(RW);
    c.expect(')');
    if (swap[1] === 'xchg' && src.n !== dst.n)
      c.fail(`xchg returns into its source register ${src.token.text}`, dst.token);
    const op = swap[1] === 'xchg' ? BPF_XCHG : BPF_CMPXCHG;
    return { insn: build(atomicForm(c, name, size, op), { dst: reg, src: src.n, off }) };
  }
  return c.fail(`unexpected '${name.text}'`, name);
}

function atomicForm(c: Cursor, token: Token, size: number, op: number): InsnForm {
  return formOr(c, token, token.text, (f) => f.kind === 'atomic' && f.size === size && f.op === op);
}

/** `rD = *(u32 *)(rS + off)`, `*(s16 *)` (sign-extending), `r0 = *(u32 *)skb[imm]` and `skb[rS (+ imm)]`. */
function parseLoad(c: Cursor, dst: Register): Statement {
  const star = c.expect('*');
  c.expect('(');
  const typeToken = c.peek();
  const signed = typeToken.text.startsWith('s');
  const size = pointerType(c, signed ? 's' : 'u');
  c.expect(')');
  if (c.accept('skb')) {
    if (dst.n !== 0 || dst.w || signed)
      c.fail('packet loads write r0 with an unsigned type: r0 = *(uN *)skb[...]', dst.token);
    c.expect('[');
    if (c.isRegister(R)) {
      const src = c.register(R).n;
      const imm = c.is('+') || c.is('-') ? c.imm32('packet offset') : 0;
      c.expect(']');
      return {
        insn: build(
          formOr(c, typeToken, 'skb[reg]', (f) => f.kind === 'ld_ind' && f.size === size),
          { src, imm },
        ),
      };
    }
    const imm = c.imm32('packet offset');
    c.expect(']');
    return {
      insn: build(
        formOr(c, typeToken, 'skb[imm]', (f) => f.kind === 'ld_abs' && f.size === size),
        { imm },
      ),
    };
  }
  const [src, off] = memory(c);
  const form = formOr(
    c,
    star,
    `*(${typeToken.text} *)`,
    (f) => f.kind === 'ldx' && f.size === size && f.signed === signed,
  );
  return { insn: build(form, { dst: dst.n, src, off }) };
}

/** `*(u32 *)(rD + off) = rS|wS|imm`. */
function parseStore(c: Cursor): Statement {
  c.expect('*');
  c.expect('(');
  const typeToken = c.peek();
  const size = pointerType(c, 'u');
  c.expect(')');
  const [dst, off] = memory(c);
  c.expect('=');
  if (c.isRegister(RW)) {
    const src = c.register(RW).n;
    return {
      insn: build(
        formOr(c, typeToken, 'store', (f) => f.kind === 'stx' && f.size === size),
        { dst, src, off },
      ),
    };
  }
  const immToken = c.peek();
  const form = formOr(c, typeToken, 'store', (f) => f.kind === 'st' && f.size === size);
  return { insn: build(form, { dst, off, imm: c.imm32() }), immToken };
}

/** `lock *(u64 *)(rD + off) += rS` (also `|=`, `&=`, `^=`). */
function parseLock(c: Cursor): Statement {
  c.expect('*');
  c.expect('(');
  const typeToken = c.peek();
  const size = pointerType(c, 'u');
  c.expect(')');
  const [dst, off] = memory(c);
  const opToken = c.next();
  const op = ALU_BY_OPERATOR.get(opToken.text);
  if (op === undefined || !LLVM_ATOMIC_NAMES.has(op)) c.fail('expected +=, |=, &= or ^=', opToken);
  const src = c.register(RW).n;
  return { insn: build(atomicForm(c, typeToken, size, op!), { dst, src, off }) };
}

/** `if rD OP rS|imm goto TARGET`; a `w` register makes it a JMP32 comparison. */
function parseConditional(c: Cursor): Statement {
  const dst = c.register(RW);
  const opToken = c.peek();
  const signed = opToken.text === 's' && c.peek(1).kind === 'punct';
  if (signed) c.next();
  const operator = `${signed ? 's' : ''}${c.next().text}`;
  const op = JUMP_BY_OPERATOR.get(operator);
  if (op === undefined) c.fail(`unknown comparison '${operator}'`, opToken);
  const x = c.isRegister(RW);
  if (!x && !c.isNumber()) c.fail('expected register or immediate');
  const form = formOr(c, opToken, operator, (f) => f.kind === 'jcond' && f.is64 === !dst.w && f.op === op && f.x === x);
  const insn = x ? build(form, { dst: dst.n, src: sameWidth(c, dst) }) : build(form, { dst: dst.n, imm: c.imm32() });
  c.expect('goto');
  return withJumpTarget(c, insn, 'off');
}

/** `call IMM` (helper), `call pc+N` (local), `call LABEL` (local), `call kfunc N`. */
function parseCall(c: Cursor): Statement {
  if (c.is('pc') && (c.is('+', 1) || c.is('-', 1))) {
    c.next();
    return withTarget(build(kind('call_local')), 'imm', c.target('imm'));
  }
  if (c.accept('kfunc')) return { insn: build(kind('call_kfunc'), { imm: c.imm32('kfunc id') }) };
  if (c.peek().kind === 'ident') return withTarget(build(kind('call_local')), 'imm', c.target('imm'));
  return { insn: build(kind('call'), { imm: c.imm32('helper id') }) };
}

/** `ld_pseudo rD, SRC, IMM[, NEXT]`: lddw with a pseudo source; src 4 (a function) also takes a label. */
function parsePseudo(c: Cursor): Statement {
  const dst = c.register(R).n;
  c.expect(',');
  const srcToken = c.peek();
  const src = c.imm32('pseudo source');
  if (src < 0 || src > 6) c.fail(`pseudo source ${src} out of range 0..6`, srcToken);
  c.expect(',');
  const insn = lddw(dst, 0n, src);
  if (src === 4 && c.peek().kind === 'ident') {
    const target = c.target('imm');
    if (c.accept(',')) insn.nextImm = c.imm32();
    return withTarget(insn, 'imm', target);
  }
  insn.imm = c.imm32();
  if (c.accept(',')) insn.nextImm = c.imm32('second-slot immediate');
  return { insn };
}

/** A jump target and llvm-objdump's optional ` <symbol+0x..>` annotation after it. */
function withJumpTarget(c: Cursor, insn: Statement['insn'], field: 'off' | 'imm'): Statement {
  const target = c.target(field);
  if (c.accept('<')) {
    while (!c.atEnd() && !c.is('>')) c.next();
    c.expect('>');
  }
  return withTarget(insn, field, target);
}

/** `u32 *` (or `s16 *`): the access size in bytes. */
function pointerType(c: Cursor, sign: 'u' | 's'): number {
  const t = c.next();
  const m = /^([us])(8|16|32|64)$/.exec(t.text);
  if (!m || m[1] !== sign || (sign === 's' && m[2] === '64')) {
    c.fail(sign === 'u' ? 'expected u8, u16, u32 or u64' : 'expected u8..u64 or s8, s16, s32', t);
  }
  c.expect('*');
  return Number(m![2]) / 8;
}

/** `(rN + off)`, `(rN - off)`, `(rN)`: a memory operand. */
function memory(c: Cursor): [number, number] {
  c.expect('(');
  const operand = address(c);
  c.expect(')');
  return operand;
}

/** `rN + off`, `rN - off`, `rN`: base register and offset. */
function address(c: Cursor): [number, number] {
  const reg = c.register(R).n;
  const off = c.is('+') || c.is('-') ? c.offset16() : 0;
  return [reg, off];
}
