import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadObjectSpec } from '../../src/object/load.js';

const DIR = 'test/fixtures/objects';

it('loads from a Node Buffer (whose slice() is a view, not a copy) exactly as from a plain Uint8Array', () => {
  for (const name of readdirSync(DIR).filter((n) => n.endsWith('.bpf.o'))) {
    const buffer = readFileSync(join(DIR, name));
    const fromBuffer = loadObjectSpec(buffer, { name });
    const fromCopy = loadObjectSpec(new Uint8Array(buffer), { name });
    assert.deepEqual(
      fromBuffer.programs.map((p) => [p.name, p.instructions]),
      fromCopy.programs.map((p) => [p.name, p.instructions]),
      name,
    );
    assert.equal(fromBuffer.btf?.typeCount, fromCopy.btf?.typeCount, name);
  }
});
