/**
 * Classic BPF compiled to a JavaScript function, for running filters over whole captures several times faster
 * than the interpreter: V8 turns the generated code into machine code with A, X and the scratch words in
 * registers, constants folded into the bounds checks, and no opcode dispatch for straight-line code.
 *
 * Shape of the generated code: one `switch (pc)` inside a loop, with a `case` only at jump targets, so
 * straight-line instructions fall through and a jump is `pc = t; continue`. Scratch words are local variables
 * initialised to 0 per call (libpcap's semantics for free). Every other behaviour is the interpreter's
 * (interpret.ts): the same rejects, backward-jump limit, shifts and ancillary loads.
 *
 * Safety: the generated text contains only numbers produced here (opcodes are matched, constants are formatted
 * from `>>> 0` integers), never text taken from the program, so no input can inject code. Where `new Function`
 * is forbidden (a browser Content-Security-Policy without 'unsafe-eval'), compileCbpf falls back to the
 * interpreter.
 */
import { ancillaryValue, SKF_AD_ALU_XOR_X, SKF_AD_OFF } from './ancillary.js';
import type { CbpfInsn } from './insn.js';
import { BACKWARD_JUMP_ALLOWANCE, type CbpfFilter, compileCbpfInterpreter } from './interpret.js';

/** Above this many instructions the generated function is too large for V8's optimizing compiler to take. */
export const JSGEN_MAX_INSNS = 3000;

/** Byte `i` of the packet: `p[i]`, or `p[o + i]` when the packet sits at offset `o` of a larger buffer. */
type ByteAt = (i: string) => string;
const loadWith = (byte: ByteAt, size: number, at: string): string => {
  switch (size) {
    case 4:
      return `((${byte(at)} << 24) | (${byte(`${at} + 1`)} << 16) | (${byte(`${at} + 2`)} << 8) | ${byte(`${at} + 3`)}) >>> 0`;
    case 2:
      return `(${byte(at)} << 8) | ${byte(`${at} + 1`)}`;
    default:
      return byte(at);
  }
};
const SIZE: Readonly<Record<number, number>> = { 0: 4, 8: 2, 16: 1 };
const ALU: Readonly<Record<number, (a: string, b: string) => string>> = {
  0: (a, b) => `(${a} + ${b}) >>> 0`,
  16: (a, b) => `(${a} - ${b}) >>> 0`,
  32: (a, b) => `Math.imul(${a}, ${b}) >>> 0`,
  48: (a, b) => `Math.floor(${a} / ${b})`,
  144: (a, b) => `${a} % ${b}`,
  64: (a, b) => `(${a} | ${b}) >>> 0`,
  80: (a, b) => `(${a} & ${b}) >>> 0`,
  160: (a, b) => `(${a} ^ ${b}) >>> 0`,
  96: (a, b) => `(${a} << ${b}) >>> 0`,
  112: (a, b) => `${a} >>> ${b}`,
};
const COND: Readonly<Record<number, (a: string, b: string) => string>> = {
  16: (a, b) => `${a} === ${b}`,
  32: (a, b) => `${a} > ${b}`,
  48: (a, b) => `${a} >= ${b}`,
  64: (a, b) => `(${a} & ${b}) !== 0`,
};

/**
 * The body of `function (p, wirelen, aux)` (with `anc` = ancillaryValue in scope) equivalent to `prog`; with
 * `offset`, of `function (p, o, buflen, wirelen, aux)` reading the packet at `p[o .. o + buflen)` (a record inside a
 * capture chunk, with no subarray per packet).
 */
export function generateCbpfJs(prog: readonly CbpfInsn[], options: { offset?: boolean } = {}): string {
  const byte: ByteAt = options.offset ? (i) => `p[o + ${i}]` : (i) => `p[${i}]`;
  const load = (size: number, at: string): string => loadWith(byte, size, at);
  const n = prog.length;
  if (n === 0) return 'return 0;';
  // Jump targets get a case label; jumps outside the program reject.
  const targets = new Set<number>([0]);
  const jumpTo = (t: number): string => {
    if (t < 0 || t >= n) return 'return 0;';
    targets.add(t);
    return `{ pc = ${t}; continue; }`;
  };
  const body: string[] = [];
  let usesBackward = false;
  for (let i = 0; i < n; i++) {
    // Field normalisation as in the interpreter: u16 code, u8 jt/jf, u32 k.
    const code = prog[i]!.code & 0xffff;
    const k = prog[i]!.k >>> 0;
    const next = i + 1;
    let s: string;
    const cls = code & 0x07;
    switch (true) {
      case code === 0x06:
        s = `return ${k};`;
        break;
      case code === 0x16:
        s = 'return A;';
        break;
      case code === 0x20 || code === 0x28 || code === 0x30: {
        if (k >= SKF_AD_OFF) {
          const ad = k - SKF_AD_OFF;
          s =
            ad === SKF_AD_ALU_XOR_X
              ? 'if (aux === undefined) return 0; A = (A ^ X) >>> 0;'
              : `if (aux === undefined) return 0; kk = anc(${ad}, aux); if (kk === undefined) return 0; A = kk;`;
          break;
        }
        const size = SIZE[code & 0x18]!;
        s = `if (buflen < ${k + size}) return 0; A = ${load(size, String(k))};`;
        break;
      }
      case code === 0x40 || code === 0x48 || code === 0x50: {
        const size = SIZE[code & 0x18]!;
        s = `kk = X + ${k}; if (kk + ${size} > buflen) return 0; A = ${load(size, 'kk')};`;
        break;
      }
      case code === 0xb1:
        s = `if (buflen <= ${k}) return 0; X = (${byte(String(k))} & 15) << 2;`;
        break;
      case code === 0x80 || code === 0x81:
        s = `${code === 0x80 ? 'A' : 'X'} = wirelen >>> 0;`;
        break;
      case code === 0x00 || code === 0x01:
        s = `${code === 0x00 ? 'A' : 'X'} = ${k};`;
        break;
      case code === 0x60 || code === 0x61:
        s = k < 16 ? `${code === 0x60 ? 'A' : 'X'} = m${k};` : 'return 0;';
        break;
      case code === 0x02 || code === 0x03:
        s = k < 16 ? `m${k} = ${code === 0x02 ? 'A' : 'X'};` : 'return 0;';
        break;
      case code === 0x07:
        s = 'X = A;';
        break;
      case code === 0x87:
        s = 'A = X;';
        break;
      case code === 0x84:
        s = 'A = (0 - A) >>> 0;';
        break;
      case code === 0x05: {
        const off = k | 0;
        if (off >= 0 || off === -1 || i + 1 + off < 0) {
          s = off === -1 ? 'return 0;' : jumpTo(i + 1 + off);
        } else {
          usesBackward = true;
          s = `if (bw++ >= buflen + ${BACKWARD_JUMP_ALLOWANCE}) return 0; ${jumpTo(i + 1 + off)}`;
        }
        break;
      }
      case cls === 0x04 && ALU[code & 0xf0] !== undefined: {
        const op = code & 0xf0;
        const x = (code & 0x08) !== 0;
        const b = x ? 'X' : String(k);
        if (op === 0x30 || op === 0x90) {
          s = x
            ? `if (X === 0) return 0; A = ${ALU[op]!('A', 'X')};`
            : k === 0
              ? 'return 0;'
              : `A = ${ALU[op]!('A', b)};`;
        } else if (op === 0x60 || op === 0x70) {
          s = x ? `A = X < 32 ? ${ALU[op]!('A', 'X')} : 0;` : k < 32 ? `A = ${ALU[op]!('A', b)};` : 'A = 0;';
        } else {
          s = `A = ${ALU[op]!('A', b)};`;
        }
        break;
      }
      case cls === 0x05 && COND[code & 0xf0] !== undefined: {
        const test = COND[code & 0xf0]!('A', (code & 0x08) !== 0 ? 'X' : String(k));
        const jt = prog[i]!.jt & 0xff;
        const jf = prog[i]!.jf & 0xff;
        if (jt === jf) s = jt === 0 ? '' : jumpTo(next + jt);
        else if (jt === 0) s = `if (!(${test})) ${jumpTo(next + jf)}`;
        else if (jf === 0) s = `if (${test}) ${jumpTo(next + jt)}`;
        else s = `if (${test}) ${jumpTo(next + jt)} ${jumpTo(next + jf)}`;
        break;
      }
      default:
        s = 'return 0;';
    }
    body.push(s);
  }
  const lines = [
    ...(options.offset ? [] : ['const buflen = p.length;']),
    `let A = 0, X = 0, kk = 0, pc = 0${usesBackward ? ', bw = 0' : ''};`,
    `let ${Array.from({ length: 16 }, (_, i) => `m${i} = 0`).join(', ')};`,
    'for (;;) {',
    'switch (pc) {',
  ];
  for (let i = 0; i < n; i++) {
    if (targets.has(i)) lines.push(`case ${i}:`);
    lines.push(`  ${body[i]}`);
  }
  lines.push('default: return 0;', '}', '}');
  return lines.join('\n');
}

/** Compiles `prog` to a JavaScript function, or undefined where code generation is not allowed. */
export function compileCbpfToJs(prog: readonly CbpfInsn[]): CbpfFilter | undefined {
  const source = generateCbpfJs(prog);
  try {
    const factory = new Function('anc', `'use strict'; return function cbpfFilter(p, wirelen, aux) {\n${source}\n};`);
    return factory(ancillaryValue) as CbpfFilter;
  } catch {
    return undefined;
  }
}

/** A filter over a packet stored at `p[o .. o + buflen)`, as `compileCbpfToJs` makes for whole arrays. */
export type CbpfOffsetFilter = (p: Uint8Array, o: number, buflen: number, wirelen: number) => number;

/** `prog` compiled to an offset-taking JavaScript function, or undefined where that is not possible. */
export function compileCbpfOffsetJs(prog: readonly CbpfInsn[]): CbpfOffsetFilter | undefined {
  if (prog.length > JSGEN_MAX_INSNS) return undefined;
  const source = generateCbpfJs(prog, { offset: true });
  try {
    const factory = new Function(
      'anc',
      `'use strict'; return function cbpfFilterAt(p, o, buflen, wirelen, aux) {\n${source}\n};`,
    );
    return factory(ancillaryValue) as CbpfOffsetFilter;
  } catch {
    return undefined;
  }
}

/**
 * The fastest available runner for `prog`: generated JavaScript when allowed and the program is small enough
 * for V8 to optimize, the interpreter otherwise. Same results either way.
 */
export function compileCbpf(prog: readonly CbpfInsn[]): CbpfFilter {
  return (prog.length <= JSGEN_MAX_INSNS ? compileCbpfToJs(prog) : undefined) ?? compileCbpfInterpreter(prog);
}
