/**
 * The core in a real browser: scripts/browser-check.mjs serves dist/ and ../shared to headless Chromium, whose page
 * imports dist/src/index.js as plain ES modules and runs the conformance suite (interpreter and JIT), an XDP object
 * (verified, loaded on the JIT, run over a capture) and a tcpdump filter. The same work done here in Node is the
 * oracle. Skips with the reason when no Chromium is installed (apt-get install chromium).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compileCbpf } from '../../src/cbpf/jsgen.js';
import { compileFilter } from '../../src/cbpf/compile.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { capturePackets } from '../../src/pcap/reader.js';
import { loadCollection } from '../../src/vm/collection.js';
import { runOverPackets } from '../../src/vm/packet-run.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!chromium) console.log('# skipping the browser test: no Chromium (apt-get install chromium)');

const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_, x) => (typeof x === 'bigint' ? `${x}` : x)));

test('the core runs in headless Chromium and computes what it computes in Node', { skip: !chromium }, async () => {
  const r = spawnSync(process.execPath, ['scripts/browser-check.mjs', '--chromium', chromium!], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(r.status, 0, `browser-check failed: ${r.stdout}${r.stderr}`);
  const page = JSON.parse(r.stdout) as {
    userAgent: string;
    conformance: Record<string, { passed: number; failed: string[] }>;
    object: { verifier: Record<string, string>; packets: number; verdicts: Record<string, number>; maps: unknown };
    filter: { packets: number; matched: number };
  };
  assert.match(page.userAgent, /HeadlessChrome/);
  const suite = readdirSync('../shared/conformance').filter((f) => f.endsWith('.data')).length;
  for (const backend of ['vm', 'jit']) {
    assert.deepEqual(page.conformance[backend], { passed: suite, failed: [] }, backend);
  }

  const spec = loadObjectSpec(new Uint8Array(readFileSync('test/fixtures/objects/xdp_parse.bpf.o')));
  const collection = loadCollection(spec, { backend: 'jit' });
  const frames = [...capturePackets(new Uint8Array(readFileSync('../shared/pcaps/dns_tcp.pcap')))];
  const summary = await runOverPackets(
    [...collection.programs.values()].find((p) => p.spec.section === 'xdp')!,
    frames.map((f) => f.data),
  );
  const maps = Object.fromEntries([...collection.maps.values()].map((m) => [m.name, plain(m.decodedEntries())]));
  collection.close();
  assert.deepEqual(page.object.verifier, { xdp_count: 'accepted' });
  assert.equal(page.object.packets, summary.packets);
  assert.deepEqual(page.object.verdicts, Object.fromEntries([...summary.verdicts].map(([k, v]) => [`${k}`, v])));
  assert.deepEqual(page.object.maps, maps);

  const matcher = compileCbpf(compileFilter('tcp port 53', { linkType: frames[0]!.linkType }));
  const matched = frames.filter((f) => matcher(f.data, f.originalLength) !== 0).length;
  assert.deepEqual(page.filter, { packets: frames.length, matched });
});
