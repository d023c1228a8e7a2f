import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadObjectSpec } from '../../object/load.js';
import { formatObjectSummary, summarizeObject } from '../../object/summary.js';

/**
 * `tsbpf inspect FILE.o [--json]`: what an object holds, as libbpf would open it: programs (section, type, attach
 * target, linked instruction count, source file), maps (type, sizes, flags, pinning), global variables, externs,
 * license and a BTF summary. `--json` prints `{"programs": [...], "maps": [...], "variables": [...], "license"}`.
 */
export function register(program: Command): void {
  program
    .command('inspect')
    .description('list the programs, maps and variables of an eBPF object file')
    .argument('<file>', 'ELF object compiled for BPF')
    .option('--json', 'print JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const buffer = readFileSync(file);
      const spec = loadObjectSpec(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), { name: file });
      const summary = summarizeObject(spec);
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(`${formatObjectSummary(summary).join('\n')}\n`);
    });
}
