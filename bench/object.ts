/**
 * Object loader benchmark: loads each fixture object of test/fixtures/objects (ELF, BTF with DATASEC fix-up,
 * .BTF.ext, maps, linking) and prints one row per object: size, programs, maps, and the mean time per load.
 * Target: a few milliseconds per fixture. Run: `node dist/bench/object.js` from the project root.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadObjectSpec } from '../src/object/load.js';
import { printTable, timeNs } from './table.js';

export function benchObjects(dir = 'test/fixtures/objects'): void {
  const rows: (string | number)[][] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.o'))
    .sort()) {
    const bytes = new Uint8Array(readFileSync(join(dir, file)));
    const spec = loadObjectSpec(bytes, { name: file });
    const insns = spec.programs.reduce((n, p) => n + p.instructions.length, 0);
    const ns = timeNs(() => loadObjectSpec(bytes, { name: file }), 200);
    rows.push([file, bytes.length, spec.programs.length, insns, spec.maps.length, ns / 1e6]);
  }
  printTable(
    'Object loader (loadObjectSpec per fixture, ms per load)',
    ['object', 'bytes', 'programs', 'insns', 'maps', 'ms/load'],
    rows,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) benchObjects(process.argv[2]);
