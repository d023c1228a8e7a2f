/**
 * XDP multi-buffer byte helpers (bpf_xdp_get_buff_len, _load_bytes, _store_bytes, _adjust_tail) and
 * bpf_redirect_map into devmaps, cpumaps and xskmaps, on both userspace backends. objects/xdp_frags.bpf.o records
 * what its helpers return; the kernel comparison of the same fixture is in kernel-differential-runtime.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MapType } from '../../src/maps/types.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { onEachBackend } from './backends.js';
import { map, object, program } from './spec-builder.js';

const fixture = () =>
  loadObjectSpec(new Uint8Array(readFileSync('test/fixtures/objects/xdp_frags.bpf.o')), { name: 'xdp_frags.bpf.o' });
const words = (...ws: number[]) => new Uint8Array(new Uint32Array(ws).buffer);
const u32 = (n: number) => words(n);
/** A frame whose byte i is (i * 7 + 3) & 0xff. */
const frame = (length: number) => new Uint8Array(length).map((_, i) => (i * 7 + 3) & 0xff);

/** struct xdp_seen of the fixture. */
function seen(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const s64 = (at: number) => Number(v.getBigInt64(at, true));
  return {
    buffLen: s64(0),
    load: s64(8),
    loadPastEnd: s64(16),
    loadBigOffset: s64(24),
    store: s64(32),
    tailShrink: s64(40),
    tailGrowTooFar: s64(48),
    buffLenAfter: s64(56),
    last: [...bytes.subarray(64, 68)],
    first: [...bytes.subarray(68, 72)],
  };
}

onEachBackend((loadCollection) => {
  describe('XDP byte helpers', () => {
    for (const length of [60, 1500, 5000, 9000]) {
      it(`a ${length}-byte frame${length > 3520 ? ' (linear part and fragments)' : ''}`, () => {
        const c = loadCollection(fixture());
        const data = frame(length);
        const r = c.program('xdp_bytes').run({ data });
        assert.equal(r.retval, 2n);
        const s = seen(c.map('seen').lookup(u32(0))!);
        assert.equal(s.buffLen, length);
        assert.equal(s.load, 0);
        assert.deepEqual(s.last, [...data.subarray(length - 4)]);
        assert.equal(s.loadPastEnd, -22); // past the end: -EINVAL
        assert.equal(s.loadBigOffset, -14); // offset above 0xffff: -EFAULT
        assert.equal(s.store, 0);
        assert.deepEqual(s.first, [...data.subarray(0, 4)]);
        assert.equal(s.tailShrink, 0);
        assert.equal(s.tailGrowTooFar, -22);
        assert.equal(s.buffLenAfter, length - 1);
        // the stored bytes land at the end (in the last fragment for long frames); the shrink cut the last one
        const expected = data.slice(0, length - 1);
        expected[length - 2] = 0xab;
        assert.deepEqual(r.data, expected);
      });
    }
    it('a helper buffer outside the program memory faults naming the helper', () => {
      const c = loadCollection(
        object([program('p', 'xdp', 'XDP', 'r2 = 0\nr3 = 16\nr4 = 4\ncall 189\nexit')]),
      );
      assert.throws(() => c.program('p').run({ data: frame(60) }), /invalid write of 4 bytes at 0x10\b/);
    });
    it('outside XDP programs the helpers fault', () => {
      const c = loadCollection(object([program('p', 'kprobe/f', 'KPROBE', 'call 188\nexit')]));
      assert.throws(() => c.program('p').run(), /bpf_xdp_get_buff_len needs an XDP context/);
    });
  });

  describe('bpf_redirect_map', () => {
    /** The fixture's redirect programs take the key from byte 0 and the flags from byte 1. */
    const run = (c: ReturnType<typeof loadCollection>, prog: string, key: number, flags: number) => {
      const data = frame(60);
      data[0] = key;
      data[1] = flags;
      return c.program(prog).run({ data });
    };

    it('into a devmap: present keys redirect, absent ones give the fallback action in the flags', () => {
      const c = loadCollection(fixture());
      c.map('ports').update(u32(1), words(3, 0));
      const hit = run(c, 'redirect_dev', 1, 0);
      assert.equal(hit.retval, 4n);
      assert.deepEqual(hit.redirect, { kind: 'map', map: 'ports', key: 1, flags: 0 });
      const miss = run(c, 'redirect_dev', 2, 2);
      assert.equal(miss.retval, 2n);
      assert.equal(miss.redirect, undefined);
      assert.equal(run(c, 'redirect_dev', 2, 3).retval, 3n); // XDP_TX
      // BPF_F_BROADCAST redirects without looking the key up; an unknown flag aborts
      assert.equal(run(c, 'redirect_dev', 5, 8).retval, 4n);
      assert.equal(run(c, 'redirect_dev', 1, 4).retval, 0n);
    });
    it('into a devmap hash, a cpumap and an xskmap', () => {
      const c = loadCollection(fixture(), { cpus: 2 });
      c.map('ports_hash').update(u32(200), u32(9));
      c.map('cpus').update(u32(1), words(64, 0));
      c.map('xsks').update(u32(3), u32(77));
      assert.deepEqual(run(c, 'redirect_dev_hash', 200, 0).redirect, {
        kind: 'map',
        map: 'ports_hash',
        key: 200,
        flags: 0,
      });
      assert.equal(run(c, 'redirect_dev_hash', 201, 1).retval, 1n);
      assert.deepEqual(run(c, 'redirect_cpu', 1, 0).redirect, { kind: 'map', map: 'cpus', key: 1, flags: 0 });
      assert.equal(run(c, 'redirect_cpu', 0, 2).retval, 2n);
      // cpumaps and xskmaps take no broadcast: the flag aborts
      assert.equal(run(c, 'redirect_cpu', 1, 8).retval, 0n);
      assert.deepEqual(run(c, 'redirect_xsk', 3, 0).redirect, { kind: 'map', map: 'xsks', key: 3, flags: 0 });
      assert.equal(run(c, 'redirect_xsk', 2, 2).retval, 2n);
      c.map('xsks').delete(u32(3));
      assert.equal(run(c, 'redirect_xsk', 3, 1).retval, 1n);
    });
    it('a later miss forgets an earlier redirect, as the kernel clears its redirect info', () => {
      const c = loadCollection(
        object(
          [
            program(
              'p',
              'xdp',
              'XDP',
              `r1 = map:ports ll
              r2 = 1
              r3 = 0
              call 51
              r1 = map:ports ll
              r2 = 2
              r3 = 2
              call 51
              exit`,
            ),
          ],
          [map('ports', MapType.DEVMAP, 4, 4, 4)],
        ),
      );
      c.map('ports').update(u32(1), u32(1));
      const r = c.program('p').run({ data: frame(60) });
      assert.equal(r.retval, 2n);
      assert.equal(r.redirect, undefined);
    });
    it('a key above 32 bits is truncated, as the kernel lookup takes a u32', () => {
      const c = loadCollection(
        object(
          [program('p', 'xdp', 'XDP', 'r1 = map:ports ll\nr2 = 0x100000001 ll\nr3 = 0\ncall 51\nexit')],
          [map('ports', MapType.DEVMAP, 4, 4, 4)],
        ),
      );
      c.map('ports').update(u32(1), u32(1));
      assert.equal(c.program('p').run({ data: frame(60) }).retval, 4n);
    });
    it('a map of another type is a fault (the kernel verifier refuses the program)', () => {
      const c = loadCollection(
        object(
          [program('p', 'xdp', 'XDP', 'r1 = map:ports ll\nr2 = 1\nr3 = 2\ncall 51\nexit')],
          [map('ports', MapType.ARRAY, 4, 4, 4)],
        ),
      );
      assert.throws(
        () => c.program('p').run({ data: frame(60) }),
        /bpf_redirect_map: map 'ports' \(array\) is not a devmap, cpumap or xskmap/,
      );
    });
  });
});
