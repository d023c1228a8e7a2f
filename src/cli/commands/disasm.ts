import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { Syntax } from '../../isa/asm.js';
import { formatListing } from '../../isa/disasm-llvm.js';
import { formatUbpf } from '../../isa/disasm-ubpf.js';
import { slotIndexes } from '../../isa/instruction.js';
import { formatProgramListing } from '../../object/listing.js';
import { loadObjectProgram, loadProgramFile, programFileKind } from '../program-file.js';

/**
 * `tsbpf disasm FILE [--section S] [--syntax llvm|ubpf] [--no-raw-insn]`.
 *
 * llvm (the default) prints llvm-objdump -d's instruction lines: slot number, the bytes, the text
 * (`       4:\t2d 21 03 00 00 00 00 00\tif r1 > r2 goto +0x3`); for an ELF object, the program of `--section`
 * (the first by default) with its linked subprograms, and the source lines from BTF line_info interleaved as
 * `llvm-objdump -S` does. ubpf prints one instruction per line in the conformance syntax. Either output assembles
 * back with `tsbpf asm` into the same bytes.
 */
export function register(program: Command): void {
  program
    .command('disasm')
    .description('disassemble a raw program (.bin), assembly (.s) or an ELF object in llvm-objdump or ubpf syntax')
    .argument('<file>', 'raw instructions (8-byte little-endian slots), assembly source or an ELF object')
    .option('--section <name>', 'ELF objects: the program of this section (or this name); default the first')
    .addOption(new Option('--syntax <syntax>', 'output syntax').choices(['llvm', 'ubpf']).default('llvm'))
    .option('--no-raw-insn', 'llvm syntax: leave out the instruction bytes (llvm-objdump --no-show-raw-insn)')
    .action((file: string, opts: { syntax: Syntax; rawInsn: boolean; section?: string }) => {
      let lines: string[];
      if (opts.syntax === 'llvm' && programFileKind(file, new Uint8Array(readFileSync(file))) === 'elf') {
        const p = loadObjectProgram(file, opts.section);
        lines = [`Disassembly of section ${p.section}:`, '', ...formatProgramListing(p, { rawBytes: opts.rawInsn })];
      } else {
        const insns = loadProgramFile(file, { section: opts.section });
        if (opts.syntax === 'ubpf') {
          const pcs = slotIndexes(insns);
          lines = insns.map((insn, i) => formatUbpf(insn, pcs[i]!));
        } else {
          lines = formatListing(insns, { rawBytes: opts.rawInsn });
        }
      }
      process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
    });
}
