import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseConformanceFile } from '../../conformance/data-file.js';
import { type ConformanceResult, conformanceHelpers, runConformanceTest } from '../../conformance/run.js';
import { InputError } from '../../errors.js';
import { assemble } from '../../isa/asm.js';
import { AsmError } from '../../isa/asm-error.js';
import { parseBackend, rawRunner } from '../raw-backends.js';

/** `.data` files named by the arguments: files as they are, directories searched (not recursively), sorted. */
export function conformanceFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (name.endsWith('.data')) files.push(join(p, name));
    } else files.push(p);
  }
  if (files.length === 0) throw new InputError(`no .data files in ${paths.join(', ')}`);
  return files;
}

export function register(program: Command): void {
  program
    .command('conformance')
    .description('run bpf_conformance .data tests; last line "N passed, N failed"')
    .argument('<paths...>', '.data files or directories of them')
    .option('--backend <name>', 'vm, jit or kernel', 'vm')
    .option('--json', 'print {"passed", "failed", "results": [...]}')
    .action(async (paths: string[], opts: { backend: string; json?: boolean }) => {
      const backend = parseBackend(opts.backend);
      const files = conformanceFiles(paths);
      const run = await rawRunner(backend, conformanceHelpers());
      const results: ConformanceResult[] = [];
      for (const file of files) {
        const test = parseConformanceFile(readFileSync(file, 'utf8'), file);
        const asm = (text: string) => {
          try {
            return assemble(text, { syntax: 'ubpf', allowLargeShifts: true }).insns;
          } catch (err) {
            // report assembler positions as lines of the .data file
            if (err instanceof AsmError) {
              throw new AsmError(err.reason, test.asmLine + err.line - 1, err.column, file);
            }
            throw err;
          }
        };
        results.push(await runConformanceTest(test, asm, run));
      }
      const passed = results.filter((r) => r.status === 'passed').length;
      const failed = results.length - passed;
      if (opts.json) {
        const out = results.map((r) => ({
          file: r.file,
          status: r.status,
          expected: r.expected ?? null,
          got: r.got ?? null,
          error: r.error ?? null,
        }));
        process.stdout.write(`${JSON.stringify({ passed, failed, results: out }, null, 2)}\n`);
      } else {
        for (const r of results) {
          if (r.status === 'failed') {
            const detail = r.error ? `error: ${r.error}` : `expected ${r.expected}, got ${r.got}`;
            process.stdout.write(
              `FAIL ${r.file}: ${detail}${r.error && r.expected ? ` (expected ${r.expected})` : ''}\n`,
            );
          }
        }
        process.stdout.write(`${passed} passed, ${failed} failed\n`);
      }
      if (failed > 0) process.exitCode = 1;
    });
}
