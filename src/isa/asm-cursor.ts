/**
 * Reading one line's tokens: the operand grammar both syntaxes share (registers, immediates with their range
 * rules, jump targets) and errors that point at the offending token.
 *
 * Immediate rules (the conformance suite's and llvm-mc's): hex `0x...` is a bit pattern of the field's width
 * (`0xffffffff` is -1 in a 32-bit imm), decimal is signed; a leading `-` negates either. A value that fits neither
 * way is an error, never silently truncated.
 */
import { AsmError } from './asm-error.js';
import type { LineSource, Token } from './asm-lexer.js';
import { MAX_REG } from './opcodes.js';

/** A register operand: its number and whether it was written as a 32-bit `w` register. */
export interface Register {
  readonly n: number;
  readonly w: boolean;
  readonly token: Token;
}

/** A jump or call target: a relative slot count, or a label resolved once every label is known. */
export type Target = { readonly relative: number } | { readonly label: string; readonly token: Token };

const MIN = { 16: -(1n << 15n), 32: -(1n << 31n), 64: -(1n << 63n) } as const;
const MAX_SIGNED = { 16: (1n << 15n) - 1n, 32: (1n << 31n) - 1n, 64: (1n << 63n) - 1n } as const;
const MAX_PATTERN = { 16: (1n << 16n) - 1n, 32: (1n << 32n) - 1n, 64: (1n << 64n) - 1n } as const;

export class Cursor {
  private index = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: LineSource,
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  atEnd(): boolean {
    return this.peek().kind === 'end';
  }

  /** The next token is punctuation or an identifier with exactly this text. */
  is(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  /** Consumes the next token if it has this text. */
  accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.next();
    return true;
  }

  expect(text: string): Token {
    if (!this.is(text)) this.fail(`expected '${text}'`);
    return this.next();
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail(`unexpected '${this.peek().text}'`);
  }

  /** Throws an AsmError pointing at `token` (default: the next one). */
  fail(reason: string, token: Token = this.peek()): never {
    const where = token.kind === 'end' && reason.startsWith('expected') ? ' at end of line' : '';
    throw new AsmError(reason + where, this.source.line, token.column, this.source.file);
  }

  /** Whether the next token is a register in one of the given spellings (`%r`, `r`, `w`). */
  isRegister(prefixes: readonly string[], ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && registerPattern(prefixes).test(t.text);
  }

  /** Reads a register `r0`..`r10` (or `%r0`, `w0` as `prefixes` allow). */
  register(prefixes: readonly string[]): Register {
    const token = this.peek();
    const m = token.kind === 'ident' ? registerPattern(prefixes).exec(token.text) : null;
    if (!m) this.fail(`expected register (${prefixes.map((p) => `${p}0..${p}${MAX_REG}`).join(' or ')})`);
    const n = Number(m![2]);
    if (n > MAX_REG) this.fail(`register ${token.text} out of range (${m![1]}0..${m![1]}${MAX_REG})`);
    this.next();
    return { n, w: m![1] === 'w', token };
  }

  /** Whether an (optionally signed) number comes next. */
  isNumber(): boolean {
    const ahead = this.is('-') || this.is('+') ? 1 : 0;
    return this.peek(ahead).kind === 'number';
  }

  /** Reads an optionally signed number: its value with the sign applied, and whether it was hex. */
  signedNumber(what: string): { value: bigint; hex: boolean; negative: boolean; token: Token } {
    const first = this.peek();
    const negative = this.accept('-');
    if (!negative) this.accept('+');
    const t = this.peek();
    if (t.kind !== 'number') this.fail(`expected ${what}`);
    this.next();
    return { value: negative ? -t.value! : t.value!, hex: t.hex!, negative, token: first };
  }

  /**
   * Reads an immediate of `bits` (16, 32 or 64): unsigned hex is a bit pattern, anything else a signed value.
   * 64-bit immediates also take unsigned decimals above 2^63 (lddw constants). Returns the signed value.
   */
  immediate(bits: 16 | 32 | 64, what = 'immediate'): bigint {
    const { value, hex, negative, token } = this.signedNumber(what);
    const patternOk = (hex || bits === 64) && !negative && value <= MAX_PATTERN[bits];
    if (patternOk) return BigInt.asIntN(bits, value);
    if (value < MIN[bits] || value > MAX_SIGNED[bits]) {
      this.fail(`${what} ${describe(value, hex)} does not fit in ${bits} bits`, token);
    }
    return value;
  }

  /** A 32-bit immediate as a number (the imm field). */
  imm32(what = 'immediate'): number {
    return Number(this.immediate(32, what));
  }

  /** A signed 16-bit offset written with an explicit or implicit sign (`+0x8`, `-8`, `12`). */
  offset16(what = 'offset'): number {
    const { value, hex, token } = this.signedNumber(what);
    if (value < MIN[16] || value > MAX_SIGNED[16]) {
      this.fail(`${what} ${describe(value, hex)} does not fit in 16 bits`, token);
    }
    return Number(value);
  }

  /**
   * A jump or call target: `+N`/`-N`/`N` slots relative to the next instruction (range-checked for the field it
   * goes into: `off` 16 bits, `imm` 32 bits), or a label.
   */
  target(field: 'off' | 'imm'): Target {
    const t = this.peek();
    if (t.kind === 'ident') {
      this.next();
      return { label: t.text, token: t };
    }
    if (t.kind !== 'number' && !this.is('+') && !this.is('-')) this.fail('expected jump target (+N, -N or a label)');
    return { relative: field === 'off' ? this.offset16('jump offset') : this.imm32('jump offset') };
  }
}

function describe(value: bigint, hex: boolean): string {
  const magnitude = value < 0n ? -value : value;
  return `${value < 0n ? '-' : ''}${hex ? `0x${magnitude.toString(16)}` : magnitude.toString()}`;
}

const patterns = new Map<string, RegExp>();
function registerPattern(prefixes: readonly string[]): RegExp {
  const key = prefixes.join('|');
  let re = patterns.get(key);
  if (!re) {
    re = new RegExp(`^(${prefixes.join('|')})([0-9]+)$`);
    patterns.set(key, re);
  }
  return re;
}
