import { formatLlvm, hexBytes } from '../isa/disasm-llvm.js';
import { slotIndexes } from '../isa/instruction.js';
import type { ProgramSpec } from './types.js';

export interface ProgramListingOptions {
  /** Print each instruction's bytes (llvm-objdump's default). Default true. */
  rawBytes?: boolean;
  /** Interleave `; <source line>` comments from line_info, as `llvm-objdump -S` does. Default true. */
  source?: boolean;
}

/**
 * A linked program as `llvm-objdump -d -S` prints a function: a `0000000000000000 <name>:` line for the entry and for
 * each appended subprogram (at its offset in the linked program), and before the instructions a source line starts
 * at, that line as a `; ...` comment. Jumps are annotated `<function+0xOFF>` relative to the function they land in.
 * Source lines come from BTF line_info, which records fewer lines than DWARF, so a comment may cover more
 * instructions than llvm-objdump's would.
 */
export function formatProgramListing(program: ProgramSpec, options: ProgramListingOptions = {}): string[] {
  const insns = program.instructions;
  const slots = slotIndexes(insns);
  const functions = program.functions ?? [{ name: program.name, insn: 0, slots: slots[insns.length]! }];
  const starts = new Map(functions.map((f) => [f.insn, f.name]));
  const fnBySlot = functions.map((f) => ({ name: f.name, slot: slots[f.insn]! })).sort((a, b) => a.slot - b.slot);
  const annotate = (target: number): string | undefined => {
    let owner: { name: string; slot: number } | undefined;
    for (const f of fnBySlot) if (f.slot <= target) owner = f;
    if (!owner) return undefined;
    const offset = BigInt.asUintN(64, BigInt(target - owner.slot) * 8n);
    return offset === 0n ? owner.name : `${owner.name}+0x${offset.toString(16)}`;
  };
  const lines = new Map<number, string>();
  if (options.source ?? true) {
    let last = '';
    for (const r of program.lineInfo) {
      const key = `${r.fileName}:${r.lineNumber}`;
      if (key === last || r.line === '') continue;
      last = key;
      if (!lines.has(r.insn)) lines.set(r.insn, r.line);
    }
  }
  const out: string[] = [];
  insns.forEach((insn, i) => {
    const pc = slots[i]!;
    const name = starts.get(i);
    if (name !== undefined) {
      if (out.length > 0) out.push('');
      out.push(`${(pc * 8).toString(16).padStart(16, '0')} <${name}>:`);
    }
    const source = lines.get(i);
    if (source !== undefined) out.push(`; ${source}`);
    const text = formatLlvm(insn, pc, annotate);
    const head = `${String(pc).padStart(8)}:\t`;
    out.push(options.rawBytes === false ? `${head}${text}` : `${head}${hexBytes(insn)}\t${text}`);
  });
  return out;
}
