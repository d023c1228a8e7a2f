import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MapFlags, MapType, UpdateFlags } from '../../src/kernel/constants.js';
import { possibleCpus } from '../../src/kernel/cpus.js';
import { isKernelError } from '../../src/kernel/errors.js';
import { KernelMap, MapArgumentError } from '../../src/kernel/map.js';
import { bpfUnavailable, openFds, readU64, u32, u64 } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping kernel map tests: ${skip}`);

describe('KernelMap', { skip: skip ?? false }, () => {
  let fdsBefore: string[];
  before(() => {
    // Warm up lazily opened descriptors (libc binding, sysfs reads) before taking the snapshot.
    KernelMap.create({ type: 'PERCPU_ARRAY', keySize: 4, valueSize: 8, maxEntries: 1 }).close();
    fdsBefore = openFds();
  });
  after(() => assert.deepEqual(openFds(), fdsBefore, 'every fd opened by the tests is closed'));

  for (const type of ['HASH', 'LRU_HASH'] as const) {
    test(`${type}: update, lookup, delete, iterate, flags`, () => {
      const map = KernelMap.create({ type, keySize: 4, valueSize: 8, maxEntries: 64, name: `t_${type.toLowerCase()}` });
      try {
        assert.equal(map.info().name, `t_${type.toLowerCase()}`);
        assert.equal(map.lookup(u32(1)), undefined);
        for (let i = 0; i < 10; i++) map.update(u32(i), u64(BigInt(i) * 1000n));
        assert.equal(readU64(map.lookup(u32(7))!), 7000n);
        const out = new Uint8Array(8);
        assert.equal(map.lookupInto(u32(3), out), true);
        assert.equal(readU64(out), 3000n);
        assert.equal(map.lookupInto(u32(99), out), false);
        assert.throws(
          () => map.update(u32(3), u64(1n), UpdateFlags.NOEXIST),
          (e) => isKernelError(e, 'EEXIST'),
        );
        assert.throws(
          () => map.update(u32(42), u64(1n), UpdateFlags.EXIST),
          (e) => isKernelError(e, 'ENOENT'),
        );
        assert.equal(map.delete(u32(3)), true);
        assert.equal(map.delete(u32(3)), false);
        const keys = [...map.keys()].map((k) => new DataView(k.buffer).getUint32(0, true)).sort((a, b) => a - b);
        assert.deepEqual(keys, [0, 1, 2, 4, 5, 6, 7, 8, 9]);
        const entries = new Map(
          [...map.entries()].map(([k, v]) => [new DataView(k.buffer).getUint32(0, true), readU64(v)]),
        );
        assert.equal(entries.get(9), 9000n);
        assert.equal(entries.size, 9);
        const batched = [...map.batchEntries(4)];
        assert.equal(batched.length, 9);
      } finally {
        map.close();
      }
    });
  }

  test('ARRAY: fixed keys, out of range, freeze', () => {
    const map = KernelMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 4 });
    try {
      assert.deepEqual(map.lookup(u32(2)), new Uint8Array(4), 'array elements start zeroed');
      map.update(u32(2), u32(5));
      assert.deepEqual(map.lookup(u32(2)), u32(5));
      assert.equal(map.lookup(u32(4)), undefined);
      assert.throws(
        () => map.update(u32(4), u32(1)),
        (e) => isKernelError(e, 'E2BIG'),
      );
      assert.throws(
        () => map.delete(u32(1)),
        (e) => isKernelError(e, 'EINVAL'),
      );
      assert.equal([...map.keys()].length, 4);
      map.freeze();
      assert.throws(
        () => map.update(u32(1), u32(1)),
        (e) => isKernelError(e, 'EPERM'),
      );
      assert.deepEqual(map.lookup(u32(2)), u32(5), 'frozen maps stay readable');
    } finally {
      map.close();
    }
  });

  test('PERCPU_ARRAY and PERCPU_HASH: one 8-byte slot per possible CPU', () => {
    const cpus = possibleCpus();
    for (const type of ['PERCPU_ARRAY', 'PERCPU_HASH'] as const) {
      const map = KernelMap.create({ type, keySize: 4, valueSize: 4, maxEntries: 2 });
      try {
        assert.equal(map.valueStride, 8 * cpus);
        const value = new Uint8Array(map.valueStride);
        for (let cpu = 0; cpu < cpus; cpu++) value[cpu * 8] = cpu + 1;
        map.update(u32(0), value);
        const slices = map.perCpuValues(map.lookup(u32(0))!);
        assert.equal(slices.length, cpus);
        slices.forEach((slice, cpu) => {
          assert.deepEqual(slice, new Uint8Array([cpu + 1, 0, 0, 0]));
        });
        assert.throws(() => map.update(u32(0), u32(1)), MapArgumentError);
      } finally {
        map.close();
      }
    }
  });

  test('QUEUE and STACK: push, peek, pop order', () => {
    for (const [type, order] of [
      ['QUEUE', [1, 2, 3]],
      ['STACK', [3, 2, 1]],
    ] as const) {
      const map = KernelMap.create({ type, keySize: 0, valueSize: 4, maxEntries: 3 });
      try {
        for (const v of [1, 2, 3]) map.push(u32(v));
        assert.throws(
          () => map.push(u32(4)),
          (e) => isKernelError(e, 'E2BIG'),
        );
        assert.deepEqual(map.lookup(), u32(order[0]), 'lookup peeks');
        const popped = [map.pop(), map.pop(), map.pop()].map((v) => new DataView(v!.buffer).getUint32(0, true));
        assert.deepEqual(popped, order);
        assert.equal(map.pop(), undefined);
      } finally {
        map.close();
      }
    }
  });

  test('LPM_TRIE: longest prefix match', () => {
    // Key: u32 prefix length, then the IPv4 address bytes.
    const key = (prefix: number, a: number[]) => new Uint8Array([...u32(prefix), ...a]);
    const map = KernelMap.create({
      type: 'LPM_TRIE',
      keySize: 8,
      valueSize: 4,
      maxEntries: 8,
      flags: MapFlags.NO_PREALLOC,
    });
    try {
      map.update(key(8, [10, 0, 0, 0]), u32(8));
      map.update(key(24, [10, 1, 2, 0]), u32(24));
      assert.deepEqual(map.lookup(key(32, [10, 1, 2, 3])), u32(24));
      assert.deepEqual(map.lookup(key(32, [10, 9, 9, 9])), u32(8));
      assert.equal(map.lookup(key(32, [11, 0, 0, 0])), undefined);
    } finally {
      map.close();
    }
  });

  test('batch update, lookup-and-delete and delete', () => {
    const map = KernelMap.create({ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 100 });
    try {
      const keys = Array.from({ length: 50 }, (_, i) => u32(i));
      const values = Array.from({ length: 50 }, (_, i) => u32(i * 2));
      assert.equal(map.updateBatch(keys, values), 50);
      const seen = new Map<number, number>();
      for (const [k, v] of map.batchEntries(16)) {
        seen.set(new DataView(k.buffer).getUint32(0, true), new DataView(v.buffer).getUint32(0, true));
      }
      assert.equal(seen.size, 50);
      assert.equal(seen.get(21), 42);
      assert.equal(map.deleteBatch(keys.slice(0, 10)), 10);
      assert.equal([...map.keys()].length, 40);
      let drained = 0;
      let position: Uint8Array | undefined;
      do {
        const batch = map.lookupBatch(16, position, true);
        drained += batch.count;
        position = batch.next;
      } while (position);
      assert.equal(drained, 40);
      assert.equal([...map.keys()].length, 0);
    } finally {
      map.close();
    }
  });

  test('HASH_OF_MAPS holds inner map fds', () => {
    const inner = KernelMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1 });
    const outer = KernelMap.create({ type: 'HASH_OF_MAPS', keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner });
    try {
      outer.update(u32(1), u32(inner.fd.fd));
      const id = new DataView(outer.lookup(u32(1))!.buffer).getUint32(0, true);
      assert.equal(id, inner.info().id, 'lookups in a map of maps return the inner map id');
    } finally {
      outer.close();
      inner.close();
    }
  });

  test('wrong key sizes are input errors, not kernel errors', () => {
    const map = KernelMap.create({ type: 'HASH', keySize: 4, valueSize: 4, maxEntries: 1 });
    try {
      assert.throws(() => map.lookup(new Uint8Array(3)), /key is 3 bytes, expected 4/);
      assert.throws(() => map.update(u32(1), new Uint8Array(5)), MapArgumentError);
      map.update(u32(1), u32(1));
      assert.throws(
        () => map.update(u32(2), u32(2), UpdateFlags.NOEXIST),
        (e) => isKernelError(e, 'E2BIG'),
      );
    } finally {
      map.close();
    }
  });

  test('a closed map refuses further use', () => {
    const map = KernelMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1 });
    map.close();
    assert.throws(() => map.info(), /already closed/);
  });
});
