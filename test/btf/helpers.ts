import { readFileSync } from 'node:fs';
import { readElf } from '../../src/elf/index.js';

export const FIXTURES = 'test/fixtures/btf';

/** A fixture file's bytes (tests run from the project root). */
export function fixture(name: string): Uint8Array {
  const buffer = readFileSync(`${FIXTURES}/${name}`);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function fixtureText(name: string): string {
  return readFileSync(`${FIXTURES}/${name}`, 'utf8');
}

/** The .BTF section of a fixture object. */
export function fixtureBtfSection(name: string): Uint8Array {
  const elf = readElf(fixture(name), { name });
  const section = elf.sections.find((s) => s.name === '.BTF');
  if (!section) throw new Error(`${name} has no .BTF`);
  return section.data.slice();
}
