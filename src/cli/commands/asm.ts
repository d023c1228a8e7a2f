import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { assemble, type Syntax } from '../../isa/asm.js';
import { encodeProgram } from '../../isa/encode.js';
import { readText } from '../read-text.js';

/**
 * `tsbpf asm FILE.s [-o OUT.bin] [--syntax llvm|ubpf|auto] [--allow-large-shifts]`.
 *
 * With -o the program is written as raw bytes (little-endian 8-byte slots, what `tsbpf run`/`disasm` and uBPF
 * read). Without it the bytes go to stdout as hex text, one 8-byte slot per line in llvm-objdump's byte format
 * (`b7 00 00 00 01 00 00 00`), so a terminal stays readable; `xxd -r -p` turns that back into the binary.
 */
export function register(program: Command): void {
  program
    .command('asm')
    .description('assemble eBPF assembly (llvm or ubpf syntax) into raw instructions')
    .argument('<file>', 'assembly source (- for stdin)')
    .option('-o, --output <file>', 'write the raw program (8-byte little-endian slots) to this file')
    .addOption(new Option('--syntax <syntax>', 'source syntax').choices(['llvm', 'ubpf', 'auto']).default('auto'))
    .option('--allow-large-shifts', 'accept constant shifts by >= the register width (the kernel rejects them)')
    .action((file: string, opts: { output?: string; syntax: Syntax | 'auto'; allowLargeShifts?: boolean }) => {
      const { insns } = assemble(readText(file), {
        syntax: opts.syntax,
        file,
        allowLargeShifts: opts.allowLargeShifts,
      });
      const bytes = encodeProgram(insns);
      if (opts.output !== undefined) {
        writeFileSync(opts.output, bytes);
        return;
      }
      process.stdout.write(hexSlots(bytes));
    });
}

/** One line of hex bytes per 8-byte slot. */
export function hexSlots(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8) {
    out += `${Array.from(bytes.subarray(i, i + 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}\n`;
  }
  return out;
}
