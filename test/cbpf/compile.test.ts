import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileFilter } from '../../src/cbpf/compile.js';
import { FilterError } from '../../src/cbpf/errors.js';
import { formatListing } from '../../src/cbpf/listing.js';
import { resolverFromFiles } from '../../src/cbpf/nametoaddr.js';

/**
 * libpcap's own filter test suite (testprogs/TESTrun, extracted as JSON): every accept record's listing must
 * equal libpcap's instruction for instruction, every reject record must fail with libpcap's message. The
 * floors below are the shares reached; they may only go up.
 */
const SUITE = '../shared/libpcap-tests';
const lines = (f: string): Record<string, unknown>[] =>
  readFileSync(`${SUITE}/${f}`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const fixtures = JSON.parse(readFileSync(`${SUITE}/resolver-fixtures.json`, 'utf8')) as Record<string, string[]>;
const resolver = resolverFromFiles({
  hosts: fixtures.hosts_lines,
  ethers: fixtures.ethers_lines,
  networks: fixtures.networks_lines,
});
const strip = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
const dotted = (s: string | null): number | null =>
  s === null ? null : s.split('.').reduce((a, b) => a * 256 + Number(b), 0);

function compile(r: Record<string, unknown>, optimize: boolean) {
  return compileFilter(r.expr as string, {
    linkType: r.DLT as string,
    snaplen: (r.snaplen as number | undefined) ?? 262144,
    netmask: dotted((r.netmask as string | null) ?? null),
    optimize,
    resolver,
    linuxExtensions: Boolean(r.linuxext),
    source: (r.offline as 'swapped' | 'unswapped' | null) ?? 'live',
  });
}

function acceptShare(filter: (r: Record<string, unknown>) => boolean, optimize: boolean) {
  let pass = 0;
  let total = 0;
  const misses: string[] = [];
  for (const r of lines('accept.jsonl')) {
    if (!filter(r) || r.block === 'bpf_image') continue;
    total++;
    const want = (optimize ? r.opt : r.unopt) as string | null;
    let got: string | null;
    try {
      got = formatListing(compile(r, optimize));
    } catch (e) {
      got = want === null && optimize && e instanceof FilterError ? null : `ERROR ${(e as Error).message}`;
    }
    if (want === null ? got === null : got !== null && strip(got) === strip(want)) pass++;
    else if (misses.length < 5) misses.push(`${r.DLT} ${JSON.stringify(r.expr)}`);
  }
  return { pass, total, misses };
}

describe('libpcap accept suite', () => {
  it('unoptimized listings equal libpcap master (skip_kind "")', () => {
    const { pass, total, misses } = acceptShare((r) => r.skip_kind === '', false);
    assert.ok(total >= 1800);
    assert.ok(pass / total >= 1.0, `${pass}/${total}; first misses: ${misses.join('; ')}`);
  });
  it('unoptimized listings with the resolver fixtures (needs-*-file records)', () => {
    const { pass, total, misses } = acceptShare((r) => String(r.skip_kind).startsWith('needs-'), false);
    assert.ok(total >= 250);
    assert.ok(pass / total >= 1.0, `${pass}/${total}; first misses: ${misses.join('; ')}`);
  });
  it('optimized listings equal libpcap master (through src/cbpf/optimize.ts)', () => {
    const { pass, total, misses } = acceptShare((r) => r.skip_kind === '', true);
    assert.ok(pass / total >= 0.99, `${pass}/${total}; first misses: ${misses.join('; ')}`);
  });
});

describe('libpcap reject suite', () => {
  it('rejects with a message containing libpcap’s error text', () => {
    let pass = 0;
    let total = 0;
    const misses: string[] = [];
    for (const r of lines('reject.jsonl')) {
      if (r.skip_kind !== '' || r.savefile || r.DLT === null) continue;
      total++;
      let msg = '';
      try {
        compile(r, true);
      } catch (e) {
        assert.ok(e instanceof FilterError, `${JSON.stringify(r.expr)} threw ${(e as Error).name}`);
        msg = e.message;
      }
      if (msg.includes(r.errstr_substring as string)) pass++;
      else if (misses.length < 5) misses.push(`${JSON.stringify(r.expr)}: ${msg}`);
    }
    assert.ok(total >= 10000);
    assert.ok(pass / total >= 0.999, `${pass}/${total}; ${misses.join('; ')}`);
  });
});
