#!/usr/bin/env node
// Compares the filter compiler's listings with the ones Debian's libpcap 1.10.3 produced for the same inputs
// (../shared/libpcap-tests/accept-libpcap-1.10.3.jsonl). tsbpf follows libpcap master, so the shares here are
// bounded by how much 1.10.3 and master agree (the file's opt_vs_master / unopt_vs_master fields).
// Usage: node scripts/libpcap-1.10.3-share.mjs [BUILD_DIR=dist]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const build = resolve(process.argv[2] ?? 'dist');
const suite = '../shared/libpcap-tests';
const mod = (p) => import(pathToFileURL(join(build, 'src/cbpf', p)).href);
const { compileFilter } = await mod('compile.js');
const { formatListing } = await mod('listing.js');
const { resolverFromFiles } = await mod('nametoaddr.js');
const fixtures = JSON.parse(readFileSync(join(suite, 'resolver-fixtures.json'), 'utf8'));
const resolver = resolverFromFiles({
  hosts: fixtures.hosts_lines,
  ethers: fixtures.ethers_lines,
  networks: fixtures.networks_lines,
});
const strip = (s) =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
const rows = readFileSync(join(suite, 'accept-libpcap-1.10.3.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
for (const mode of ['unopt', 'opt']) {
  let equal = 0;
  let total = 0;
  let bothVsMaster = 0;
  for (const r of rows) {
    const want = r[`${mode}_1.10.3`];
    if (want == null) continue;
    total++;
    if (r[`${mode}_vs_master`] === 'identical') bothVsMaster++;
    let got;
    try {
      got = formatListing(
        compileFilter(r.expr, {
          linkType: r.DLT,
          snaplen: r.snaplen,
          netmask: r.netmask,
          optimize: mode === 'opt',
          resolver,
          source: r.offline ?? 'live',
        }),
      );
    } catch {
      continue;
    }
    if (strip(got) === strip(want)) equal++;
  }
  const pct = (n) => ((100 * n) / total).toFixed(1);
  console.log(
    `${mode}: ${equal}/${total} equal to libpcap 1.10.3 (${pct(equal)}%); 1.10.3 itself equals master on ${bothVsMaster} (${pct(bothVsMaster)}%)`,
  );
}
