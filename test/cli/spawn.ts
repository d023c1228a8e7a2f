import { spawnSync } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `tsbpf` binary (bin/tsbpf.js over dist/) from the project root. */
export function tsbpf(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ['bin/tsbpf.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Bad input: exit 2 and exactly one line on stderr, no stack trace. */
export function isOneLineInputError(r: CliResult): boolean {
  const lines = r.stderr.trim().split('\n');
  return r.code === 2 && lines.length === 1 && lines[0]!.startsWith('tsbpf: ') && !/\n\s+at /.test(r.stderr);
}
