import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { compileCbpf } from '../../src/cbpf/jsgen.js';
import { fastPcapCount } from '../../src/cli/filter-fast-count.js';
import { scanCapture } from '../../src/cli/filter-scan.js';
import { fileChunks } from '../../src/pcap/node-file.js';

const DIR = '../shared/pcaps';
const EXPRESSIONS = ['ip', 'tcp', 'udp port 53 or icmp', 'ip6 and len > 100', 'ether[12:2] = 0x800 and ip[9] = 6'];

it('the --count fast path over classic pcap counts what the general scanner counts, or steps aside', async () => {
  let fast = 0;
  let declined = 0;
  for (const name of readdirSync(DIR).filter((n) => n.endsWith('.pcap')).sort()) {
    const path = join(DIR, name);
    for (const expression of EXPRESSIONS) {
      let general: { packets: number; matched: number };
      try {
        general = await scanCapture(fileChunks(path), {
          expression,
          optimize: true,
          makeMatcher: (prog) => compileCbpf(prog),
          onMatch: () => {},
          source: path,
        });
      } catch {
        // an expression that does not compile for this link type, or a capture the reader rejects: the fast path
        // must not invent a count for it
        let got: unknown;
        try {
          got = fastPcapCount(path, expression, true);
        } catch {
          got = undefined;
        }
        assert.equal(got, undefined, `${name} '${expression}'`);
        continue;
      }
      const quick = fastPcapCount(path, expression, true);
      if (quick === undefined) {
        declined++;
        continue;
      }
      fast++;
      assert.deepEqual(quick, { packets: general.packets, matched: general.matched }, `${name} '${expression}'`);
    }
  }
  assert.ok(fast > 100, `the fast path took only ${fast} runs (${declined} declined)`);
});
