/** Loading the compiled objects the kernel tests use, and waiting for asynchronous kernel output. */
import { readFileSync } from 'node:fs';
import { loadObjectSpec } from '../../src/object/index.js';
import type { ObjectSpec } from '../../src/object/types.js';

/** An object from test/fixtures (path relative to it), as a fresh spec. */
export function fixtureSpec(path: string): ObjectSpec {
  const file = `test/fixtures/${path}`;
  return loadObjectSpec(new Uint8Array(readFileSync(file)), { name: file });
}

/** Resolves once `predicate` holds, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The NUL-terminated string in `bytes[offset, offset + length)`. */
export function cString(bytes: Uint8Array, offset: number, length: number): string {
  const slice = bytes.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end < 0 ? slice : slice.subarray(0, end));
}
