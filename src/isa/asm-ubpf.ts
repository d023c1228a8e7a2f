/**
 * Parser of one line of the ubpf / bpf_conformance syntax (../shared/conformance/README.md and disasm-ubpf.ts):
 * a mnemonic of the opcode table then its operands. Accepted on top of the table's mnemonics: a `64` suffix on
 * ALU64 and JMP mnemonics (`add64`), `swap16/32/64` for `bswap16/32/64`, `callx %rN` for `call %rN`, registers
 * with or without `%`, and labels wherever a jump or call target goes.
 */
import { build } from './asm-build.js';
import type { Cursor, Target } from './asm-cursor.js';
import type { Statement } from './asm-program.js';
import { LDDW_PSEUDO_NAMES } from './disasm-ubpf.js';
import { FORMS_BY_MNEMONIC, type InsnForm } from './forms.js';
import { type Instruction, lddw } from './instruction.js';

const REG = ['%r', 'r'];

export function parseUbpf(c: Cursor): Statement {
  const head = c.next();
  if (head.kind !== 'ident') c.fail('expected mnemonic', head);
  let name = head.text.toLowerCase();
  if (name === 'lock') name = `lock ${c.accept('fetch') ? 'fetch ' : ''}${c.next().text.toLowerCase()}`;
  if (name === 'call') return parseCall(c);
  if (name === 'callx') return { insn: build(single('callx'), { dst: c.register(REG).n }) };
  const forms = lookup(name);
  if (!forms) c.fail(`unknown mnemonic '${name}'`, head);
  const form0 = forms![0]!;
  const pick = (x: boolean): InsnForm => forms!.find((f) => f.x === x) ?? c.fail(`'${name}' takes no register`);
  switch (form0.kind) {
    case 'alu': {
      const dst = c.register(REG).n;
      c.expect(',');
      if (c.isRegister(REG)) return { insn: build(pick(true), { dst, src: c.register(REG).n }) };
      if (!c.isNumber()) c.fail('expected register or immediate');
      const immToken = c.peek();
      return { insn: build(pick(false), { dst, imm: c.imm32() }), immToken };
    }
    case 'neg':
    case 'end':
      return { insn: build(form0, { dst: c.register(REG).n }) };
    case 'movsx': {
      const dst = c.register(REG).n;
      c.expect(',');
      return { insn: build(form0, { dst, src: c.register(REG).n }) };
    }
    case 'ldx': {
      const dst = c.register(REG).n;
      c.expect(',');
      const [src, off] = memory(c);
      return { insn: build(form0, { dst, src, off }) };
    }
    case 'st': {
      const [dst, off] = memory(c);
      c.expect(',');
      return { insn: build(form0, { dst, off, imm: c.imm32() }) };
    }
    case 'stx':
    case 'atomic': {
      const [dst, off] = memory(c);
      c.expect(',');
      return { insn: build(form0, { dst, off, src: c.register(REG).n }) };
    }
    case 'lddw':
      return parseLddw(c);
    case 'ja':
      return withTarget(build(form0), 'off', c.target('off'));
    case 'ja32':
      return withTarget(build(form0), 'imm', c.target('imm'));
    case 'jcond': {
      const dst = c.register(REG).n;
      c.expect(',');
      let insn: Instruction;
      if (c.isRegister(REG)) insn = build(pick(true), { dst, src: c.register(REG).n });
      else if (!c.isNumber()) c.fail('expected register or immediate');
      else insn = build(pick(false), { dst, imm: c.imm32() });
      c.expect(',');
      return withTarget(insn, 'off', c.target('off'));
    }
    case 'ld_abs':
      return { insn: build(form0, { imm: c.imm32() }) };
    case 'ld_ind': {
      const src = c.register(REG).n;
      c.expect(',');
      return { insn: build(form0, { src, imm: c.imm32() }) };
    }
    case 'exit':
      return { insn: build(form0) };
    default:
      return c.fail(`unknown mnemonic '${name}'`, head);
  }
}

/** Forms of a mnemonic, with the accepted aliases. */
function lookup(name: string): readonly InsnForm[] | undefined {
  const direct = FORMS_BY_MNEMONIC.get(name);
  if (direct) return direct;
  if (name.startsWith('swap')) return FORMS_BY_MNEMONIC.get(`b${name}`);
  if (name.endsWith('64')) {
    const wide = FORMS_BY_MNEMONIC.get(name.slice(0, -2))?.filter((f) => f.is64 && f.kind !== 'lddw');
    if (wide?.length) return wide;
  }
  return undefined;
}

function single(mnemonic: string): InsnForm {
  return FORMS_BY_MNEMONIC.get(mnemonic)![0]!;
}

/** `call N` (helper), `call local +N|label`, `call runtime N` (kfunc), `call %rN` (callx). */
function parseCall(c: Cursor): Statement {
  if (c.accept('local')) return withTarget(build(single('call local')), 'imm', c.target('imm'));
  if (c.accept('runtime')) return { insn: build(single('call runtime'), { imm: c.imm32('kfunc id') }) };
  if (c.isRegister(REG)) return { insn: build(single('callx'), { dst: c.register(REG).n }) };
  if (c.peek().kind === 'ident') c.fail("expected helper id, 'local', 'runtime' or a register");
  return { insn: build(single('call'), { imm: c.imm32('helper id') }) };
}

/** `lddw %rN, IMM64` or a pseudo source `lddw %rN, map_fd 3[, NEXT]` (see disasm-ubpf.ts). */
function parseLddw(c: Cursor): Statement {
  const dst = c.register(REG).n;
  c.expect(',');
  const t = c.peek();
  if (t.kind !== 'ident') return { insn: lddw(dst, c.immediate(64, 'lddw constant')) };
  const src = LDDW_PSEUDO_NAMES.indexOf(t.text);
  if (src <= 0) c.fail(`expected a constant or one of ${LDDW_PSEUDO_NAMES.slice(1).join(', ')}`);
  c.next();
  const insn = lddw(dst, 0n, src);
  let target: Target | undefined;
  if (LDDW_PSEUDO_NAMES[src] === 'func') target = c.target('imm');
  else insn.imm = c.imm32();
  if (c.accept(',')) insn.nextImm = c.imm32('second-slot immediate');
  return target ? withTarget(insn, 'imm', target) : { insn };
}

/** `[%rN]`, `[%rN+off]`, `[%rN-off]`: register and offset. */
function memory(c: Cursor): [number, number] {
  c.expect('[');
  const reg = c.register(REG).n;
  const off = c.is('+') || c.is('-') ? c.offset16() : 0;
  c.expect(']');
  return [reg, off];
}

/** The statement with a jump target: a relative value goes straight into the field, a label waits. */
export function withTarget(insn: Instruction, field: 'off' | 'imm', target: Target): Statement {
  if ('relative' in target) {
    insn[field] = target.relative;
    return { insn };
  }
  return { insn, target: { field, label: target.label, token: target.token } };
}
