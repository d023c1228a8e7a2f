/**
 * The assembler and disassembler entry points, for both syntaxes:
 * - `llvm`: LLVM's BPF assembly, what llvm-objdump prints (`r0 = *(u32 *)(r1 + 0x4)`, `if r0 > 0x5 goto +0x2`);
 * - `ubpf`: the uBPF / bpf_conformance syntax (`ldxw %r0, [%r1+4]`, `jgt %r0, 0x5, +2`).
 */
import { Cursor } from './asm-cursor.js';
import { lex } from './asm-lexer.js';
import { parseLlvm } from './asm-llvm.js';
import { type AssembledProgram, type AssembleOptions, assembleWith } from './asm-program.js';
import { parseUbpf } from './asm-ubpf.js';
import { formatLlvm } from './disasm-llvm.js';
import { formatUbpf } from './disasm-ubpf.js';
import { FORMS_BY_MNEMONIC } from './forms.js';
import { type Instruction, slotCount } from './instruction.js';

export type { AssembledProgram, AssembleOptions } from './asm-program.js';

export type Syntax = 'llvm' | 'ubpf';

export interface AsmOptions extends AssembleOptions {
  /** Source syntax; 'auto' (the default) guesses it from the text (see `detectSyntax`). */
  syntax?: Syntax | 'auto';
}

/**
 * Assembles a program. Labels (`name:`) may stand alone or before an instruction; jump and call targets are
 * labels or slot counts relative to the next instruction (`+3`, `-1`). Throws `AsmError` (line and column) for
 * anything it cannot encode exactly.
 */
export function assemble(text: string, options: AsmOptions = {}): AssembledProgram & { syntax: Syntax } {
  const syntax = !options.syntax || options.syntax === 'auto' ? detectSyntax(text) : options.syntax;
  const program =
    syntax === 'llvm'
      ? assembleWith(text, parseLlvm, options)
      : assembleWith(text, parseUbpf, { ...options, implicitExitLabel: true });
  return { ...program, syntax };
}

/** The text of every instruction, one line each, in the given syntax (default llvm). */
export function disassemble(insns: readonly Instruction[], options: { syntax?: Syntax } = {}): string[] {
  const format = options.syntax === 'ubpf' ? formatUbpf : formatLlvm;
  const lines: string[] = [];
  let pc = 0;
  for (const insn of insns) {
    lines.push(format(insn, pc));
    pc += slotCount(insn);
  }
  return lines;
}

const UBPF_ONLY = /%r\d/;
const LLVM_ONLY = /^(?:if|goto|gotol|ld_pseudo|lock\s*\*|\*\s*\()|^[rw]\d+\s*(?:s?[-+*/%|&^]?=|<<=|s?>>=)/;

/**
 * Guesses the syntax of a source: `%r` registers or a line starting with a ubpf mnemonic (`mov`, `ldxw`, `ja`...)
 * mean ubpf; `rN = ...`, `if`, `goto`, `lock *(...)` mean llvm. The first line that decides wins; a program that
 * reads the same in both (only `exit` and `call N`) is llvm.
 */
export function detectSyntax(text: string): Syntax {
  for (const [i, raw] of text.split('\n').entries()) {
    let line: string;
    try {
      const tokens = lex({ text: raw, line: i + 1 });
      const cursor = new Cursor(tokens, { text: raw, line: i + 1 });
      while (cursor.peek().kind === 'ident' && cursor.is(':', 1)) {
        cursor.next();
        cursor.next();
      }
      line = raw
        .slice(cursor.peek().column - 1)
        .replace(/(#|;|\/\/).*$/, '')
        .trim();
    } catch {
      continue; // a line that does not even lex decides nothing; the assembler will report it
    }
    if (line === '') continue;
    if (UBPF_ONLY.test(line)) return 'ubpf';
    if (LLVM_ONLY.test(line)) return 'llvm';
    const word = /^[a-z0-9_]+/.exec(line)?.[0] ?? '';
    const ubpfWord =
      word === 'lock' ||
      word.startsWith('swap') ||
      FORMS_BY_MNEMONIC.has(word) ||
      FORMS_BY_MNEMONIC.has(word.replace(/64$/, ''));
    if (ubpfWord && word !== 'exit' && word !== 'call' && word !== 'callx') return 'ubpf';
  }
  return 'llvm';
}
