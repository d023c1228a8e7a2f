// Loads every object of a directory with loadObjectSpec (from the built dist/ or $TSBPF_BUILD) and prints how
// many load, with the failures grouped by reason (the error message with names and numbers blanked out).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const build = process.env.TSBPF_BUILD ?? join(root, 'dist');
const { loadObjectSpec } = await import(join(build, 'src/object/index.js'));
const dir = process.argv[2] ?? '/tmp/object-corpus/obj';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.o'))
  .sort();
let ok = 0;
let programs = 0;
let maps = 0;
const reasons = new Map();
const started = performance.now();
for (const f of files) {
  try {
    const spec = loadObjectSpec(new Uint8Array(readFileSync(join(dir, f))), { name: f });
    ok++;
    programs += spec.programs.length;
    maps += spec.maps.length;
  } catch (err) {
    const kind = err?.name ?? 'Error';
    const message = String(err?.message ?? err).replace(`${f}: `, '');
    const reason = `${kind}: ${message
      .replace(/'[^']*'/g, "'…'")
      .replace(/0x[0-9a-f]+/g, 'N')
      .replace(/\d+/g, 'N')}`;
    const list = reasons.get(reason) ?? [];
    list.push(f);
    reasons.set(reason, list);
  }
}
const ms = performance.now() - started;
console.log(`${ok}/${files.length} objects load (${programs} programs, ${maps} maps) in ${ms.toFixed(0)} ms`);
for (const [reason, list] of [...reasons].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`${String(list.length).padStart(5)}  ${reason}`);
  console.log(`       e.g. ${list.slice(0, 4).join(', ')}`);
}
