import { Command, CommanderError } from 'commander';
import { InputError } from '../errors.js';
import { commands } from './commands/index.js';

/** Exit codes of the CLI contract: 0 success, 1 failure (rejected, fault, test failed), 2 bad input or usage. */
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export async function main(argv: string[]): Promise<number> {
  const program = new Command('tsbpf')
    .description('eBPF in TypeScript: assemble, disassemble, verify, run, load and filter')
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return EXIT_BAD_INPUT;
    }
    const debug = argv.includes('--debug');
    if (err instanceof InputError || isNodeFsError(err)) {
      process.stderr.write(`tsbpf: ${(err as Error).message}\n`);
      if (debug) process.stderr.write(`${(err as Error).stack}\n`);
      return EXIT_BAD_INPUT;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tsbpf: internal error: ${message} (run with --debug for a stack trace)\n`);
    if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}

function isNodeFsError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
}
