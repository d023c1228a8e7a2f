import type { LineInfoRecord } from '../object/types.js';
import { VmFault } from './fault.js';

/** Where a fault happened in the source, from the program's BTF line info. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  text: string;
}

/**
 * A fault in a loaded program: the interpreter's fault (pc, address, region) with the program's name and, when the
 * object has line info, the source line the faulting instruction came from.
 */
export class ProgramFault extends VmFault {
  override name = 'ProgramFault';
  constructor(
    readonly program: string,
    readonly fault: VmFault,
    readonly source?: SourceLocation,
  ) {
    super(fault.kind, fault.pc, fault.detail, fault.address, fault.size, fault.region);
    const where = source ? ` (${source.file}:${source.line}:${source.column}: ${source.text.trim()})` : '';
    this.message = `program '${program}': ${fault.message}${where}`;
  }
}

/** The line-info record covering instruction `insn` (the last one at or before it). */
export function lineAt(lineInfo: readonly LineInfoRecord[], insn: number): SourceLocation | undefined {
  let best: LineInfoRecord | undefined;
  for (const r of lineInfo) {
    if (r.insn <= insn && (!best || r.insn >= best.insn)) best = r;
  }
  return best ? { file: best.fileName, line: best.lineNumber, column: best.column, text: best.line } : undefined;
}
