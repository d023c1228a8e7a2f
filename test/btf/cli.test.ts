import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/btf.js';
import { InputError } from '../../src/errors.js';
import { fixtureText } from './helpers.js';

/** Runs `tsbpf btf ...` in-process and returns what it wrote to stdout. */
async function run(args: string[]): Promise<string> {
  const program = new Command('tsbpf').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

describe('tsbpf btf dump', () => {
  it('prints the raw format by default and C with --format c', async () => {
    assert.equal(await run(['btf', 'dump', 'test/fixtures/btf/maps.o']), fixtureText('maps.raw.txt'));
    assert.equal(await run(['btf', 'dump', 'test/fixtures/btf/kinds.o', '--format', 'c']), fixtureText('kinds.h.txt'));
  });

  it('reports bad files as InputError and bad formats as usage errors', async () => {
    await assert.rejects(run(['btf', 'dump', 'test/fixtures/btf/kinds.c']), (e: unknown) => e instanceof InputError);
    await assert.rejects(
      run(['btf', 'dump', 'test/fixtures/btf/maps.o', '--format', 'json']),
      /argument 'json' is invalid/,
    );
  });
});
