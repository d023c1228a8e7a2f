import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type ArrayMap,
  type BloomFilterMap,
  BPF_EXIST,
  BPF_F_NO_PREALLOC,
  BPF_NOEXIST,
  createMap,
  Errno,
  type HashMap,
  type LpmTrieMap,
  MapDefinitionError,
  MapOpError,
  MapType,
  type QueueStackMap,
  type RefMap,
  type RingBufMap,
  u32Key,
} from '../../src/maps/index.js';
import { AddressSpace } from '../../src/vm/memory.js';

const space = () => new AddressSpace({ maxBytes: 64 << 20 });
const u32 = (n: number) => u32Key(n);
const u64 = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
};
const readU64 = (b: Uint8Array | undefined) =>
  b ? new DataView(b.buffer, b.byteOffset).getBigUint64(0, true) : undefined;

describe('array maps', () => {
  it('have every element, reject NOEXIST, E2BIG past the end, EINVAL on delete', () => {
    const m = createMap(
      { name: 'a', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 },
      space(),
    ) as ArrayMap;
    assert.equal(readU64(m.lookup(u32(3))), 0n);
    m.update(u32(3), u64(7n));
    assert.equal(readU64(m.lookup(u32(3))), 7n);
    assert.equal(m.lookup(u32(4)), undefined);
    assert.throws(
      () => m.update(u32(1), u64(1n), BPF_NOEXIST),
      (e: unknown) => e instanceof MapOpError && e.errno === Errno.EEXIST,
    );
    assert.throws(
      () => m.update(u32(4), u64(1n)),
      (e: unknown) => e instanceof MapOpError && e.errno === Errno.E2BIG,
    );
    assert.throws(
      () => m.delete(u32(1)),
      (e: unknown) => e instanceof MapOpError && e.errno === Errno.EINVAL,
    );
    assert.deepEqual(
      [...m.keys()].map((k) => k[0]),
      [0, 1, 2, 3],
    );
  });
  it('program lookups return addresses whose writes user space sees', () => {
    const s = space();
    const m = createMap({ name: 'a', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 }, s);
    const addr = m.lookupElem(u32(1), 0);
    s.view.setUint32(addr, 0xdeadbeef, true);
    assert.deepEqual([...m.lookup(u32(1))!], [0xef, 0xbe, 0xad, 0xde]);
    assert.equal(m.lookupElem(u32(2), 0), 0);
  });
  it('per-CPU arrays keep one value per CPU, each padded to 8 bytes in user space', () => {
    const s = space();
    const m = createMap({ name: 'p', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 }, s, {
      cpus: 3,
    });
    for (let cpu = 0; cpu < 3; cpu++) s.view.setUint32(m.lookupElem(u32(0), cpu), 10 + cpu, true);
    const all = m.lookup(u32(0))!;
    assert.equal(all.length, 24);
    const view = new DataView(all.buffer);
    assert.deepEqual(
      [0, 8, 16].map((o) => view.getUint32(o, true)),
      [10, 11, 12],
    );
  });
  it('reject bad definitions', () => {
    assert.throws(
      () => createMap({ name: 'x', type: MapType.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 }, space()),
      MapDefinitionError,
    );
    assert.throws(
      () => createMap({ name: 'x', type: MapType.HASH, keySize: 4, valueSize: 0, maxEntries: 1 }, space()),
      MapDefinitionError,
    );
  });
});

describe('hash maps', () => {
  const def = (type: number, maxEntries = 3) => ({ name: 'h', type, keySize: 4, valueSize: 8, maxEntries });
  it('follow BPF_ANY / BPF_NOEXIST / BPF_EXIST and report E2BIG when full', () => {
    const m = createMap(def(MapType.HASH), space()) as HashMap;
    assert.throws(
      () => m.update(u32(1), u64(1n), BPF_EXIST),
      (e: unknown) => e instanceof MapOpError && e.errno === Errno.ENOENT,
    );
    m.update(u32(1), u64(1n), BPF_NOEXIST);
    assert.throws(
      () => m.update(u32(1), u64(2n), BPF_NOEXIST),
      (e: unknown) => e instanceof MapOpError && e.errno === Errno.EEXIST,
    );
    m.update(u32(1), u64(3n), BPF_EXIST);
    assert.equal(readU64(m.lookup(u32(1))), 3n);
    m.update(u32(2), u64(0n));
    m.update(u32(3), u64(0n));
    assert.throws(
      () => m.update(u32(4), u64(0n)),
      (e: unknown) => e instanceof MapOpError && e.errno === Errno.E2BIG,
    );
    assert.equal(m.delete(u32(2)), true);
    assert.equal(m.delete(u32(2)), false);
    m.update(u32(4), u64(0n));
    assert.throws(
      () => m.update(u32(9), u64(0n), 8),
      (e: unknown) => e instanceof MapOpError && e.errno === Errno.EINVAL,
    );
  });
  it('get-next-key restarts from the first key when the given key was deleted', () => {
    const m = createMap(def(MapType.HASH, 10), space());
    for (const k of [5, 6, 7]) m.update(u32(k), u64(0n));
    m.delete(u32(6));
    assert.deepEqual(m.nextKey(u32(6)), u32(5));
    assert.deepEqual(m.nextKey(u32(5)), u32(7));
    assert.equal(m.nextKey(u32(7)), undefined);
  });
  it('iteration visits every remaining key exactly once while deleting as it goes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 50 }), (keys) => {
        const m = createMap(def(MapType.HASH, 64), space());
        for (const k of keys) m.update(u32(k), u64(BigInt(k)));
        const seen: number[] = [];
        let key = m.nextKey(undefined);
        while (key) {
          const next = m.nextKey(key);
          seen.push(new DataView(key.buffer).getUint32(0, true));
          m.delete(key);
          key = next;
        }
        assert.deepEqual(
          seen.sort((a, b) => a - b),
          [...keys].sort((a, b) => a - b),
        );
      }),
      { numRuns: 50 },
    );
  });
  it('LRU maps evict the least recently used element; program lookups refresh recency', () => {
    const m = createMap(def(MapType.LRU_HASH), space()) as HashMap;
    for (const k of [1, 2, 3]) m.update(u32(k), u64(BigInt(k)));
    m.lookupElem(u32(1), 0); // 1 becomes most recent: order 2, 3, 1
    m.update(u32(4), u64(4n)); // evicts 2
    assert.equal(m.lookup(u32(2)), undefined);
    m.update(u32(5), u64(5n)); // evicts 3
    assert.equal(m.lookup(u32(3)), undefined);
    assert.deepEqual(
      [...m.keys()].map((k) => k[0]),
      [1, 4, 5],
    );
  });
  it('per-CPU hash: program updates set one CPU, user space sees all', () => {
    const s = space();
    const m = createMap(def(MapType.LRU_PERCPU_HASH), s, { cpus: 2 });
    assert.equal(m.updateElem(u32(1), u64(9n), 0, 1), 0);
    const all = m.lookup(u32(1))!;
    const view = new DataView(all.buffer);
    assert.deepEqual([view.getBigUint64(0, true), view.getBigUint64(8, true)], [0n, 9n]);
  });
  it('agrees with a JS Map model under random operations', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('update' as const),
        key: fc.integer({ min: 0, max: 20 }),
        value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        flags: fc.constantFrom(0, 1, 2),
      }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const m = createMap(def(MapType.HASH, 8), space());
        const model = new Map<number, bigint>();
        for (const o of ops) {
          if (o.kind === 'delete') {
            assert.equal(m.delete(u32(o.key)), model.delete(o.key));
            continue;
          }
          const exists = model.has(o.key);
          let expected = 0;
          if (o.flags === 1 && exists) expected = Errno.EEXIST;
          else if (o.flags === 2 && !exists) expected = Errno.ENOENT;
          else if (!exists && model.size >= 8) expected = Errno.E2BIG;
          try {
            m.update(u32(o.key), u64(o.value), o.flags);
            assert.equal(expected, 0);
            model.set(o.key, o.value);
          } catch (e) {
            assert.ok(e instanceof MapOpError);
            assert.equal(e.errno, expected);
          }
        }
        for (const [k, v] of model) assert.equal(readU64(m.lookup(u32(k))), v);
        assert.equal([...m.keys()].length, model.size);
      }),
      { numRuns: 100 },
    );
  });
});

describe('LPM trie', () => {
  const key = (prefix: number, ...bytes: number[]) => Uint8Array.from([prefix & 0xff, prefix >> 8, 0, 0, ...bytes]);
  const v4 = () =>
    createMap(
      { name: 'lpm', type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 16, flags: BPF_F_NO_PREALLOC },
      space(),
    ) as LpmTrieMap;
  const val = (b: Uint8Array | undefined) => (b ? new DataView(b.buffer).getUint32(0, true) : undefined);
  it('finds the longest matching prefix among overlapping ones, including /0 and /32', () => {
    const m = v4();
    m.update(key(0, 0, 0, 0, 0), u32(1));
    m.update(key(8, 10, 0, 0, 0), u32(2));
    m.update(key(24, 10, 1, 2, 0), u32(3));
    m.update(key(32, 10, 1, 2, 3), u32(4));
    assert.equal(val(m.lookup(key(32, 10, 1, 2, 3))), 4);
    assert.equal(val(m.lookup(key(32, 10, 1, 2, 4))), 3);
    assert.equal(val(m.lookup(key(32, 10, 9, 9, 9))), 2);
    assert.equal(val(m.lookup(key(32, 192, 168, 0, 1))), 1);
    assert.equal(val(m.lookup(key(16, 10, 1, 2, 3))), 2, 'the key prefixlen caps the match');
  });
  it('ignores host bits beyond the prefix and rejects prefixes longer than the key', () => {
    const m = v4();
    m.update(key(12, 10, 0xff, 0xff, 0xff), u32(7));
    assert.equal(val(m.lookup(key(32, 10, 0xf1, 2, 3))), 7);
    assert.equal(val(m.lookup(key(32, 10, 0x0f, 0, 0))), undefined);
    assert.throws(() => m.update(key(33, 1, 2, 3, 4), u32(1)), MapOpError);
    assert.equal(m.delete(key(12, 10, 0xf5, 0, 0)), true);
  });
  it('IPv6 /128 and /64 prefixes', () => {
    const m = createMap(
      { name: 'v6', type: MapType.LPM_TRIE, keySize: 20, valueSize: 4, maxEntries: 4, flags: BPF_F_NO_PREALLOC },
      space(),
    );
    const addr = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    m.update(Uint8Array.from([128, 0, 0, 0, ...addr]), u32(128));
    m.update(Uint8Array.from([64, 0, 0, 0, ...addr]), u32(64));
    assert.equal(val(m.lookup(Uint8Array.from([128, 0, 0, 0, ...addr]))), 128);
    const other = [...addr];
    other[15] = 2;
    assert.equal(val(m.lookup(Uint8Array.from([128, 0, 0, 0, ...other]))), 64);
  });
  it('requires BPF_F_NO_PREALLOC', () => {
    assert.throws(
      () => createMap({ name: 'x', type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 1 }, space()),
      MapDefinitionError,
    );
  });
});

describe('queue, stack and bloom filter', () => {
  it('queue is FIFO, stack LIFO; BPF_EXIST overwrites the oldest when full', () => {
    const q = createMap(
      { name: 'q', type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 2 },
      space(),
    ) as QueueStackMap;
    const st = createMap(
      { name: 's', type: MapType.STACK, keySize: 0, valueSize: 4, maxEntries: 2 },
      space(),
    ) as QueueStackMap;
    for (const m of [q, st]) {
      m.push(u32(1));
      m.push(u32(2));
      assert.throws(
        () => m.push(u32(3)),
        (e: unknown) => e instanceof MapOpError && e.errno === Errno.E2BIG,
      );
      m.push(u32(3), BPF_EXIST);
    }
    assert.deepEqual([q.pop()?.[0], q.pop()?.[0], q.pop()], [2, 3, undefined]);
    assert.deepEqual([st.peek()?.[0], st.pop()?.[0], st.pop()?.[0], st.pop()], [3, 3, 2, undefined]);
  });
  it('bloom filter never forgets an added value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 100 }), (values) => {
        const b = createMap(
          { name: 'b', type: MapType.BLOOM_FILTER, keySize: 0, valueSize: 4, maxEntries: 100 },
          space(),
        ) as BloomFilterMap;
        for (const v of values) b.add(u32(v >>> 0));
        for (const v of values) assert.ok(b.mayContain(u32(v >>> 0)));
      }),
      { numRuns: 30 },
    );
  });
});

describe('ring buffer', () => {
  const ring = () =>
    createMap({ name: 'rb', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 }, space()) as RingBufMap;
  it('delivers submitted records in order and skips discarded ones; busy records block the consumer', () => {
    const rb = ring();
    const a = rb.reserve(4, 0);
    const b = rb.reserve(6, 0);
    rb.space.view.setUint32(a, 1, true);
    rb.commit(b, true, 0);
    const got: Uint8Array[] = [];
    assert.equal(
      rb.consume((r) => got.push(r)),
      0,
      'record a is still busy',
    );
    rb.commit(a, false, 0);
    rb.output(Uint8Array.of(9, 9), 0);
    rb.consume((r) => got.push(r));
    assert.deepEqual(
      got.map((r) => [...r]),
      [
        [1, 0, 0, 0],
        [9, 9],
      ],
    );
  });
  it('drops and counts when full, wraps around without corrupting records', () => {
    const rb = ring();
    let produced = 0;
    let consumed = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) {
        const payload = new Uint8Array(250 + ((round * 7 + i) % 50)).fill((produced + 1) & 0xff);
        if (rb.output(payload, 0) === 0) produced++;
      }
      rb.consume((r) => {
        consumed++;
        assert.ok(
          r.every((x) => x === (consumed & 0xff)),
          'record intact',
        );
      });
    }
    assert.equal(consumed, produced);
    assert.ok(rb.dropped > 0, 'some reservations were dropped while full');
  });
  it('rejects sizes that are not a power-of-two number of pages', () => {
    assert.throws(
      () => createMap({ name: 'r', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 5000 }, space()),
      MapDefinitionError,
    );
  });
  it('async iteration yields records as they are committed', async () => {
    const rb = ring();
    const ac = new AbortController();
    setTimeout(() => rb.output(Uint8Array.of(42), 0), 5);
    for await (const r of rb.records(ac.signal)) {
      assert.equal(r[0], 42);
      ac.abort();
    }
  });
});

describe('map-in-map and prog arrays', () => {
  it('a program lookup in an array of maps gives the inner map address', () => {
    const s = space();
    const inner = createMap({ name: 'inner', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 }, s);
    const outer = createMap(
      { name: 'outer', type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 2 },
      s,
    ) as RefMap<typeof inner>;
    outer.set(1, inner);
    assert.equal(outer.lookupElem(u32(1)), inner.address);
    assert.equal(outer.lookupElem(u32(0)), 0);
    assert.deepEqual(outer.lookup(u32(1)), u32(inner.id));
    assert.throws(() => outer.set(5, inner));
  });
});
