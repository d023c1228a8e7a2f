/**
 * Tokens of one assembly line, shared by the llvm and ubpf syntaxes. Both are line oriented and need only
 * identifiers (`r1`, `%r1`, `ldxw`, `u32`, `.LBB0_2`), unsigned numbers (`12`, `0x1f`: the sign is a separate token,
 * because `r1 - 0x8` and `[%r10-8]` use it as an operator) and punctuation, longest match first
 * (`<<=`, `s` `>>=` ...). A comment (`#`, `;` or `//`) ends the line. Every token keeps its 1-based column so errors
 * can point at it.
 */
import { AsmError } from './asm-error.js';

export type TokenKind = 'ident' | 'number' | 'punct' | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 1-based column of the token's first character. */
  readonly column: number;
  /** Value of a number token. */
  readonly value?: bigint;
  /** The number was written in hex (`0x...`): a bit pattern rather than a signed quantity. */
  readonly hex?: boolean;
}

/** Where a line comes from, for error messages. */
export interface LineSource {
  readonly text: string;
  readonly line: number;
  readonly file?: string;
}

const PUNCTUATION = [
  '<<=',
  '>>=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '|=',
  '&=',
  '^=',
  '==',
  '!=',
  '>=',
  '<=',
  '=',
  '<',
  '>',
  '&',
  '(',
  ')',
  '[',
  ']',
  '*',
  '+',
  '-',
  ',',
  ':',
];

const IDENT_START = /[A-Za-z_.$]/;
const IDENT_CHAR = /[A-Za-z0-9_.$]/;

/** Splits a line into tokens, ending with an `end` token at the comment or the end of the line. */
export function lex(source: LineSource): Token[] {
  const { text } = source;
  const tokens: Token[] = [];
  const fail = (reason: string, index: number): never => {
    throw new AsmError(reason, source.line, index + 1, source.file);
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '#' || ch === ';' || text.startsWith('//', i)) break;
    const start = i;
    if (IDENT_START.test(ch) || (ch === '%' && IDENT_START.test(text[i + 1] ?? ''))) {
      i++;
      while (i < text.length && IDENT_CHAR.test(text[i]!)) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), column: start + 1 });
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const hex = /^0[xX][0-9a-fA-F]+/.exec(text.slice(i));
      const digits = hex ? hex[0] : /^[0-9]+/.exec(text.slice(i))![0];
      i += digits.length;
      if (i < text.length && IDENT_CHAR.test(text[i]!)) fail(`malformed number '${text.slice(start, i + 1)}'`, start);
      tokens.push({ kind: 'number', text: digits, column: start + 1, value: BigInt(digits), hex: hex !== null });
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (!punct) fail(`unexpected character '${ch}'`, i);
    tokens.push({ kind: 'punct', text: punct!, column: start + 1 });
    i += punct!.length;
  }
  tokens.push({ kind: 'end', text: '', column: i + 1 });
  return tokens;
}
