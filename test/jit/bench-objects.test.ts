import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { benchPrograms } from '../../bench/programs.js';
import { loadCollection } from '../../src/collection-node.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { bpfUnavailable } from '../kernel/support.js';

const noKernel = bpfUnavailable();

/** The benchmark's XDP objects: every backend computes what the JavaScript oracle does, on the bench's packet. */
describe('bench programs as XDP objects', () => {
  for (const p of benchPrograms()) {
    it(p.name, async () => {
      const path = `bench/programs/${p.name}.xdp.o`;
      const spec = loadObjectSpec(new Uint8Array(readFileSync(path)), { name: path });
      const backends = noKernel ? (['vm', 'jit'] as const) : (['vm', 'jit', 'kernel'] as const);
      const packets: number[][] = [];
      for (const backend of backends) {
        const c = await loadCollection(spec, { backend });
        try {
          const r = await c.program('bench').run({ data: p.input.slice() });
          const result = new DataView(c.variable('result').get().buffer).getBigUint64(0, true);
          assert.equal(result, p.expected, `${p.name} on ${backend}`);
          assert.equal(r.retval, 2n, 'XDP_PASS');
          packets.push([...(r.data ?? [])]);
        } finally {
          await c.close();
        }
      }
      for (const data of packets) assert.deepEqual(data, packets[0]);
    });
  }
});
