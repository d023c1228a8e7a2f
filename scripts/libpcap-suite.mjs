#!/usr/bin/env node
// Run the libpcap filter test suite (../shared/libpcap-tests) against the filter compiler and print the share
// of equal listings per DLT, the reject share and the first mismatches.
// Usage: node scripts/libpcap-suite.mjs [BUILD_DIR=dist] [--opt] [--show N] [--dlt NAME] [--grep TEXT]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const build = resolve(
  args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--show'))) ?? 'dist',
);
const useOpt = flag('--opt');
const show = Number(opt('--show', '10'));
const onlyDlt = opt('--dlt', null);
const grep = opt('--grep', null);
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
const lines = (f) =>
  readFileSync(join(suite, f), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const strip = (s) =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
const runnable = (r) => r.skip_kind === '' || r.skip_kind.startsWith('needs-');

function compile(r, optimize) {
  return compileFilter(r.expr, {
    linkType: r.DLT,
    snaplen: r.snaplen ?? 262144,
    netmask: r.netmask ? r.netmask.split('.').reduce((a, b) => a * 256 + Number(b), 0) : null,
    optimize,
    resolver,
    linuxExtensions: !!r.linuxext,
    source: r.offline ?? 'live',
  });
}

const perDlt = new Map();
const misses = [];
let pass = 0;
let total = 0;
for (const r of lines('accept.jsonl')) {
  if (!runnable(r) || r.block === 'bpf_image') continue;
  if (onlyDlt && r.DLT !== onlyDlt) continue;
  if (grep && !r.expr.includes(grep)) continue;
  const want = useOpt ? r.opt : r.unopt;
  let got;
  try {
    got = formatListing(compile(r, useOpt));
  } catch (e) {
    got = `ERROR: ${e.message}`;
    if (want === null && useOpt) got = null;
  }
  const ok = want === null ? got === null : got !== null && strip(got) === strip(want);
  const d = perDlt.get(r.DLT) ?? { pass: 0, total: 0 };
  d.total++;
  total++;
  if (ok) {
    d.pass++;
    pass++;
  } else misses.push({ r, got, want });
  perDlt.set(r.DLT, d);
}
let rpass = 0;
let rtotal = 0;
const rmiss = [];
if (!onlyDlt && !grep) {
  for (const r of lines('reject.jsonl')) {
    if (!runnable(r) || r.savefile || r.DLT === null) continue;
    rtotal++;
    let msg = '';
    try {
      compile(r, true);
    } catch (e) {
      msg = e.message;
    }
    if (msg.includes(r.errstr_substring)) rpass++;
    else rmiss.push({ r, msg });
  }
}
const pct = (a, b) => (b ? ((100 * a) / b).toFixed(1) : '-');
console.log(`accept (${useOpt ? 'opt' : 'unopt'}): ${pass}/${total} = ${pct(pass, total)}%`);
for (const [dlt, d] of [...perDlt].sort((a, b) => b[1].total - a[1].total))
  console.log(
    `  ${dlt.padEnd(26)} ${String(d.pass).padStart(4)}/${String(d.total).padEnd(4)} ${pct(d.pass, d.total)}%`,
  );
if (rtotal) console.log(`reject: ${rpass}/${rtotal} = ${pct(rpass, rtotal)}%`);
for (const { r, got, want } of misses.slice(0, show)) {
  console.log(`\n--- ${r.block}[${r.alias_index}] ${r.DLT} ${JSON.stringify(r.expr)}`);
  const g = (got ?? 'null').split('\n');
  const w = (want ?? 'null').split('\n');
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    const a = (g[i] ?? '').trimEnd();
    const b = (w[i] ?? '').trimEnd();
    console.log(`${a === b ? ' ' : '!'} ${a.padEnd(50)} | ${b}`);
  }
}
for (const { r, msg } of rmiss.slice(0, show))
  console.log(`\nREJECT ${r.name} ${r.DLT} ${JSON.stringify(r.expr)}\n  want: ${r.errstr_substring}\n  got:  ${msg}`);
