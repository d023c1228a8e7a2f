/**
 * The syntax-independent half of the assembler: lines, labels, slot numbering, label resolution and the checks
 * that need the whole program. A syntax only turns one line's tokens into an instruction (`StatementParser`).
 */
import { Cursor } from './asm-cursor.js';
import { type LineSource, lex, type Token } from './asm-lexer.js';
import { formOf } from './forms.js';
import { type Instruction, slotCount } from './instruction.js';
import { BPF_ARSH, BPF_LSH, BPF_RSH } from './opcodes.js';

/** One parsed instruction, with a label target still to resolve and the token of its immediate (for errors). */
export interface Statement {
  insn: Instruction;
  target?: { readonly field: 'off' | 'imm'; readonly label: string; readonly token: Token };
  immToken?: Token;
}

export type StatementParser = (cursor: Cursor) => Statement;

export interface AssembleOptions {
  /** File name for error messages. */
  file?: string;
  /** Line number of the text's first line, when it is a part of a file (default 1). */
  firstLine?: number;
  /**
   * Accept constant shifts by the register width or more, or negative (`lsh %r0, 64`). They encode fine and
   * userspace VMs mask the amount (the conformance suite tests exactly that), but the kernel verifier rejects
   * them ("invalid shift"), so by default they are an error.
   */
  allowLargeShifts?: boolean;
}

export interface AssembledProgram {
  insns: Instruction[];
  /** Label name -> slot index (pc) it marks. */
  labels: Map<string, number>;
  /** 1-based source line of each instruction. */
  lines: number[];
}

/** llvm-objdump's `%8d:\t[hex bytes\t]` line prefix, so a pasted listing assembles. */
const LISTING_PREFIX = /^\s*\d+:\t(?:(?:[0-9a-f]{2} )*[0-9a-f]{2}\t)?/;

/**
 * Assembles `text` line by line with `parse`. `implicitExitLabel`: the first `exit` defines the label `exit` unless
 * the program defines it (the ubpf convention `jne %r0, 0, exit`).
 */
export function assembleWith(
  text: string,
  parse: StatementParser,
  options: AssembleOptions & { implicitExitLabel?: boolean },
): AssembledProgram {
  const statements: { stmt: Statement; pc: number; line: number; cursor: Cursor }[] = [];
  const labels = new Map<string, number>();
  let pc = 0;
  const first = options.firstLine ?? 1;
  text.split('\n').forEach((raw, i) => {
    const line = first + i;
    const source: LineSource = { text: blankListingPrefix(raw), line, file: options.file };
    const cursor = new Cursor(lex(source), source);
    while (cursor.peek().kind === 'ident' && cursor.is(':', 1)) {
      const token = cursor.next();
      cursor.next();
      if (labels.has(token.text)) cursor.fail(`label '${token.text}' is already defined`, token);
      labels.set(token.text, pc);
    }
    if (cursor.atEnd()) return;
    const stmt = parse(cursor);
    cursor.expectEnd();
    if (!options.allowLargeShifts) checkShift(stmt, cursor);
    statements.push({ stmt, pc, line, cursor });
    pc += slotCount(stmt.insn);
  });
  if (options.implicitExitLabel && !labels.has('exit')) {
    const exit = statements.find((s) => formOf(s.stmt.insn)?.kind === 'exit');
    if (exit) labels.set('exit', exit.pc);
  }
  for (const { stmt, pc: at, cursor } of statements) {
    const target = stmt.target;
    if (!target) continue;
    const dest = labels.get(target.label);
    if (dest === undefined) cursor.fail(`undefined label '${target.label}'`, target.token);
    const relative = dest! - (at + 1);
    const bits = target.field === 'off' ? 16 : 32;
    if (relative < -(2 ** (bits - 1)) || relative >= 2 ** (bits - 1)) {
      cursor.fail(`label '${target.label}' is ${relative} slots away, out of ${bits}-bit range`, target.token);
    }
    stmt.insn[target.field] = relative;
  }
  return {
    insns: statements.map((s) => s.stmt.insn),
    labels,
    lines: statements.map((s) => s.line),
  };
}

function blankListingPrefix(line: string): string {
  const m = LISTING_PREFIX.exec(line);
  return m ? ' '.repeat(m[0].length) + line.slice(m[0].length) : line;
}

/** Rejects constant shifts the kernel verifier would reject (amount outside 0..width-1). */
function checkShift(stmt: Statement, cursor: Cursor): void {
  const form = formOf(stmt.insn);
  if (form?.kind !== 'alu' || form.x) return;
  if (form.op !== BPF_LSH && form.op !== BPF_RSH && form.op !== BPF_ARSH) return;
  const width = form.is64 ? 64 : 32;
  const amount = stmt.insn.imm;
  if (amount < 0 || amount >= width) {
    cursor.fail(
      `shift amount ${amount} is out of range 0..${width - 1} (the kernel rejects it; allowLargeShifts accepts it)`,
      stmt.immToken,
    );
  }
}
