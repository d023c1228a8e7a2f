import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadObjectSpec } from '../../src/object/load.js';
import type { ObjectSpec } from '../../src/object/types.js';

/** The committed fixture objects (rebuilt by scripts/build-object-fixtures.sh); tests run from the project root. */
export const FIXTURE_DIR = 'test/fixtures/objects';

/** What llvm-objdump and bpftool recorded about a fixture (scripts/object-expectations.mjs). */
export interface Expectations {
  object: string;
  sections: { name: string; size: number; type: string }[];
  functions: { name: string; section: string; offset: number; insns: number; global: boolean }[];
  skeleton: { maps: string[]; mapNames: string[]; programs: string[]; programNames: string[] } | null;
  skeletonError?: string;
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.bpf.o'))
    .map((f) => f.slice(0, -'.bpf.o'.length))
    .sort();
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURE_DIR, `${name}.bpf.o`)));
}

export function loadFixture(name: string): ObjectSpec {
  return loadObjectSpec(fixtureBytes(name), { name: `${name}.bpf.o` });
}

export function expectations(name: string): Expectations {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.bpf.expect.json`), 'utf8')) as Expectations;
}

export function fixtureText(name: string, suffix: string): string {
  return readFileSync(join(FIXTURE_DIR, `${name}.bpf.${suffix}`), 'utf8');
}
