import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';

/** Files allowed to import node: modules (design.md: only kernel/, cli/ and thin fs adapters). */
const NODE_ALLOWED = [/^src\/kernel\//, /^src\/cli\//, /node[^/]*\.ts$/, /^src\/node\.ts$/];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

it('the core imports nothing from node: (so it runs in a browser)', () => {
  const offenders: string[] = [];
  for (const file of sources('src')) {
    const rel = relative('.', file);
    if (NODE_ALLOWED.some((re) => re.test(rel))) continue;
    const text = readFileSync(file, 'utf8');
    if (/from ['"]node:|require\(['"]node:|import\(['"]node:/.test(text)) offenders.push(rel);
  }
  assert.deepEqual(offenders, []);
});

it('nothing outside cli/ imports the cli, and the core does not import the kernel backend', () => {
  const offenders: string[] = [];
  for (const file of sources('src')) {
    const rel = relative('.', file);
    const text = readFileSync(file, 'utf8');
    if (!rel.startsWith('src/cli/') && /from ['"][./]*\/cli\//.test(text)) offenders.push(`${rel} imports cli/`);
    if (!rel.startsWith('src/kernel/') && !rel.startsWith('src/cli/') && /from ['"][./]*kernel\//.test(text)) {
      offenders.push(`${rel} imports kernel/`);
    }
  }
  assert.deepEqual(offenders, []);
});
