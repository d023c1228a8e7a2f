/**
 * Runs `tsbpf filter ...` in-process and returns what it printed and its exit code, mapping errors to exit codes
 * the way src/cli/main.ts does (InputError and file-system errors: 2, one `tsbpf: ` line on stderr; usage errors
 * from commander: 2). The command is registered on its own program with its own output, so nothing global is
 * patched (the test runner reports through the real stdout) and the tests do not depend on the CLI's command list.
 */
import { Command, CommanderError } from 'commander';
import { register } from '../../src/cli/commands/filter.js';
import { InputError } from '../../src/errors.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command line (without the leading `tsbpf`). */
export async function runFilterCli(...args: string[]): Promise<CliResult> {
  return runFilterCliWithInput([], ...args);
}

/** Runs one command line with `stdin` as the chunks of standard input (for FILE `-`). */
export async function runFilterCliWithInput(stdin: Uint8Array[], ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const program = new Command('tsbpf').exitOverride().configureOutput({
    writeOut: (t) => {
      stdout += t;
    },
    writeErr: (t) => {
      stderr += t;
    },
    outputError: (t) => {
      stderr += t;
    },
  });
  register(program, {
    write: (t) => {
      stdout += t;
    },
    stdin: () => stdin,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  });
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      code = e.exitCode === 0 ? 0 : 2;
    } else if (e instanceof InputError || (e instanceof Error && 'syscall' in e)) {
      stderr += `tsbpf: ${e.message}\n`;
      code = 2;
    } else {
      throw e;
    }
  }
  return { code, stdout, stderr };
}
