/**
 * DEVMAP, DEVMAP_HASH, CPUMAP and XSKMAP: definitions, user-space updates, lookups, deletes and key walks with
 * the kernel's value layouts and errors. The same operation scripts run against the kernel's maps (skipped, with
 * the reason printed, where bpf() is denied) and must give the same results.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { possibleCpus } from '../../src/kernel/cpus.js';
import { KernelError } from '../../src/kernel/errors.js';
import { KernelMap } from '../../src/kernel/map.js';
import {
  BPF_EXIST,
  BPF_NOEXIST,
  createMap,
  type CpuMap,
  type DevMap,
  Errno,
  errnoName,
  isRedirectMap,
  type MapDefinition,
  MapDefinitionError,
  MapOpError,
  MapType,
  u32Key,
  type VmMap,
  type XskMap,
} from '../../src/maps/index.js';
import { AddressSpace } from '../../src/vm/memory.js';
import { bpfUnavailable } from '../kernel/support.js';

const u32 = u32Key;
const words = (...ws: number[]) => new Uint8Array(new Uint32Array(ws).buffer);
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : 'none');

function make(def: Omit<MapDefinition, 'name'>, options: { cpus?: number; netdevs?: (i: number) => boolean } = {}) {
  const space = new AddressSpace({ maxBytes: 16 << 20 });
  return createMap({ name: 'm', ...def }, space, { cpus: options.cpus ?? 2, netdevs: options.netdevs });
}

const errnoOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof MapOpError) return errnoName(e.errno);
    throw e;
  }
};

describe('devmap', () => {
  const def = { type: MapType.DEVMAP, keySize: 4, valueSize: 8, maxEntries: 4 };
  it('stores struct bpf_devmap_val, empties a slot on ifindex 0 and walks every index', () => {
    const m = make(def) as DevMap;
    assert.equal(m.lookup(u32(1)), undefined);
    m.update(u32(1), words(3, 0));
    assert.equal(hex(m.lookup(u32(1))), hex(words(3, 0)));
    assert.equal(m.hasRedirectTarget(1), true);
    m.update(u32(1), words(0, 0));
    assert.equal(m.lookup(u32(1)), undefined);
    assert.deepEqual([...m.keys()].map((k) => k[0]), [0, 1, 2, 3]);
    assert.ok(isRedirectMap(m));
  });
  it('answers with the kernel errors', () => {
    const m = make(def, { netdevs: (i) => i === 1 || i === 3 }) as DevMap;
    assert.equal(errnoOf(() => m.update(u32(4), words(1, 0))), 'E2BIG');
    assert.equal(errnoOf(() => m.update(u32(0), words(1, 0), BPF_NOEXIST)), 'EEXIST');
    assert.equal(errnoOf(() => m.update(u32(0), words(1, 0), 4)), 'EINVAL');
    assert.equal(errnoOf(() => m.update(u32(0), words(2, 0))), 'EINVAL'); // no device 2
    assert.equal(errnoOf(() => m.update(u32(0), words(0, 5))), 'EINVAL'); // a program fd without a device
    assert.equal(errnoOf(() => m.update(u32(0), words(1, 7))), 'EINVAL'); // no program fds in the VM
    assert.equal(errnoOf(() => m.update(u32(0), words(1, 0), BPF_EXIST)), 'ok');
    assert.equal(m.delete(u32(2)), true); // deleting an empty slot is not an error
    assert.equal(errnoOf(() => m.delete(u32(9))), 'EINVAL');
  });
  it('is read-only to programs: a lookup gives a pointer they cannot write through', () => {
    const m = make(def) as DevMap;
    m.update(u32(2), words(7, 0));
    const at = m.lookupElem(u32(2));
    assert.notEqual(at, 0);
    assert.equal(m.space.check(at, 8, false), true);
    assert.equal(m.space.check(at, 4, true), false);
    assert.equal(m.lookupElem(u32(3)), 0);
    assert.equal(m.updateElem(), -Errno.EOPNOTSUPP);
  });
  it('refuses definitions the kernel refuses', () => {
    for (const bad of [
      { ...def, keySize: 8 },
      { ...def, valueSize: 12 },
      { ...def, maxEntries: 0 },
      { ...def, flags: 1 },
    ]) {
      assert.throws(() => make(bad), MapDefinitionError);
    }
  });
});

describe('devmap hash', () => {
  const def = { type: MapType.DEVMAP_HASH, keySize: 4, valueSize: 4, maxEntries: 2 };
  it('counts entries against max_entries, refuses ifindex 0 and deletes with ENOENT when absent', () => {
    const m = make(def) as DevMap;
    m.update(u32(100), words(1));
    assert.equal(errnoOf(() => m.update(u32(100), words(2), BPF_NOEXIST)), 'EEXIST');
    m.update(u32(7), words(2), BPF_EXIST); // BPF_EXIST on an absent key adds it, as the kernel does
    assert.equal(errnoOf(() => m.update(u32(8), words(3))), 'E2BIG');
    assert.equal(errnoOf(() => m.update(u32(100), words(0))), 'EINVAL');
    m.update(u32(100), words(5)); // replacing is not an addition
    assert.equal(hex(m.lookup(u32(100))), hex(words(5)));
    assert.equal(m.delete(u32(8)), false);
    assert.equal(m.delete(u32(7)), true);
    assert.deepEqual([...m.keys()].map((k) => k[0]), [100]);
  });
  it('walks keys bucket by bucket, newest first within a bucket, as dev_map_hash_get_next_key', () => {
    const m = make({ ...def, maxEntries: 4 }) as DevMap;
    for (const k of [5, 2, 1, 9, 4].slice(0, 4)) m.update(u32(k), words(1));
    // 4 buckets: 5 and 1 and 9 share bucket 1 (newest first: 9, 1, 5), 2 is bucket 2
    assert.deepEqual([...m.keys()].map((k) => k[0]), [9, 1, 5, 2]);
    // a key not in the map restarts the walk
    assert.deepEqual(m.nextKey(u32(77)), u32(9));
  });
});

describe('cpumap', () => {
  const def = { type: MapType.CPUMAP, keySize: 4, valueSize: 8, maxEntries: 4 };
  it('stores a queue size per possible CPU with the kernel errors', () => {
    const m = make(def, { cpus: 2 }) as CpuMap;
    m.update(u32(1), words(192, 0));
    assert.equal(hex(m.lookup(u32(1))), hex(words(192, 0)));
    assert.equal(errnoOf(() => m.update(u32(2), words(192, 0))), 'ENODEV'); // only 2 CPUs
    assert.equal(errnoOf(() => m.update(u32(4), words(192, 0))), 'E2BIG');
    assert.equal(errnoOf(() => m.update(u32(0), words(16385, 0))), 'EOVERFLOW');
    assert.equal(errnoOf(() => m.update(u32(0), words(192, 0), BPF_NOEXIST)), 'EEXIST');
    assert.equal(errnoOf(() => m.update(u32(0), words(192, 3))), 'ENOMEM'); // a program fd the VM cannot open
    m.update(u32(1), words(0, 0));
    assert.equal(m.lookup(u32(1)), undefined);
    assert.equal(errnoOf(() => m.delete(u32(4))), 'EINVAL');
    assert.throws(() => make({ ...def, maxEntries: 100000 }), /NR_CPUS/);
  });
});

describe('xskmap', () => {
  const def = { type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 4 };
  it('binds sockets by index, which user space cannot read back', () => {
    const m = make(def) as XskMap;
    m.update(u32(1), words(42));
    assert.equal(m.hasRedirectTarget(1), true);
    assert.equal(errnoOf(() => m.lookup(u32(1))), 'EOPNOTSUPP');
    assert.equal(errnoOf(() => m.update(u32(1), words(43), BPF_NOEXIST)), 'EEXIST');
    assert.equal(errnoOf(() => m.update(u32(2), words(43), BPF_EXIST)), 'ENOENT');
    assert.equal(errnoOf(() => m.update(u32(4), words(43))), 'E2BIG');
    assert.deepEqual([...m.entries()], []);
    assert.equal(m.delete(u32(1)), true);
    assert.equal(m.hasRedirectTarget(1), false);
    assert.throws(() => make({ ...def, valueSize: 8 }), MapDefinitionError);
  });
});

// ---- the kernel as the oracle ----

const skip = bpfUnavailable();
if (skip) console.log(`# skipping redirect-map kernel comparisons: ${skip}`);

type Op =
  | { op: 'update'; key: number; value: number[]; flags?: number }
  | { op: 'delete'; key: number }
  | { op: 'lookup'; key: number }
  | { op: 'keys' };

/** The ifindexes of this network namespace, for the VM's devmaps to accept the same devices. */
function hostIfindexes(): Set<number> {
  const out = new Set<number>();
  for (const dev of readdirSync('/sys/class/net')) {
    out.add(Number(readFileSync(`/sys/class/net/${dev}/ifindex`, 'latin1').trim()));
  }
  return out;
}

interface Backend {
  update(key: Uint8Array, value: Uint8Array, flags: number): void;
  delete(key: Uint8Array): boolean;
  lookup(key: Uint8Array): Uint8Array | undefined;
  keys(): Iterable<Uint8Array>;
}

function runScript(map: Backend, ops: Op[]): string[] {
  return ops.map((o) => {
    try {
      switch (o.op) {
        case 'update':
          map.update(u32(o.key), words(...o.value), o.flags ?? 0);
          return 'ok';
        case 'delete':
          return String(map.delete(u32(o.key)));
        case 'lookup':
          return hex(map.lookup(u32(o.key)));
        case 'keys':
          return [...map.keys()].map((k) => k[0]).join(',');
      }
    } catch (e) {
      if (e instanceof MapOpError) return errnoName(e.errno);
      if (e instanceof KernelError) return errnoName(e.errno);
      throw e;
    }
  });
}

const SCRIPTS: { name: string; def: Omit<MapDefinition, 'name'>; ops: Op[] }[] = [
  {
    name: 'devmap with struct bpf_devmap_val',
    def: { type: MapType.DEVMAP, keySize: 4, valueSize: 8, maxEntries: 4 },
    ops: [
      { op: 'lookup', key: 0 },
      { op: 'update', key: 0, value: [1, 0] },
      { op: 'lookup', key: 0 },
      { op: 'update', key: 1, value: [1, 0], flags: BPF_NOEXIST },
      { op: 'update', key: 1, value: [1, 0], flags: BPF_EXIST },
      { op: 'update', key: 4, value: [1, 0] },
      { op: 'update', key: 2, value: [0x7ffffff0, 0] },
      { op: 'update', key: 2, value: [0, 9] },
      { op: 'update', key: 2, value: [1, 0], flags: 7 },
      { op: 'update', key: 1, value: [0, 0] },
      { op: 'lookup', key: 1 },
      { op: 'delete', key: 3 },
      { op: 'delete', key: 8 },
      { op: 'keys' },
    ],
  },
  {
    name: 'devmap of ifindexes',
    def: { type: MapType.DEVMAP, keySize: 4, valueSize: 4, maxEntries: 2 },
    ops: [
      { op: 'update', key: 1, value: [1] },
      { op: 'lookup', key: 1 },
      { op: 'lookup', key: 5 },
      { op: 'keys' },
    ],
  },
  {
    name: 'devmap hash',
    def: { type: MapType.DEVMAP_HASH, keySize: 4, valueSize: 4, maxEntries: 3 },
    ops: [
      { op: 'update', key: 5, value: [1] },
      { op: 'update', key: 1, value: [1], flags: BPF_EXIST },
      { op: 'update', key: 9, value: [1] },
      { op: 'update', key: 13, value: [1] },
      { op: 'update', key: 5, value: [1], flags: BPF_NOEXIST },
      { op: 'update', key: 5, value: [0] },
      { op: 'update', key: 6, value: [0x7ffffff0] },
      { op: 'keys' },
      { op: 'delete', key: 9 },
      { op: 'delete', key: 9 },
      { op: 'update', key: 2, value: [1] },
      { op: 'keys' },
      { op: 'lookup', key: 2 },
      { op: 'lookup', key: 3 },
    ],
  },
  {
    name: 'cpumap',
    def: { type: MapType.CPUMAP, keySize: 4, valueSize: 8, maxEntries: 8 },
    ops: [
      { op: 'update', key: 0, value: [64, 0] },
      { op: 'lookup', key: 0 },
      { op: 'update', key: 0, value: [16385, 0] },
      { op: 'update', key: 7, value: [64, 0] },
      { op: 'update', key: 8, value: [64, 0] },
      { op: 'update', key: 0, value: [64, 0], flags: BPF_NOEXIST },
      { op: 'update', key: 0, value: [0, 0] },
      { op: 'lookup', key: 0 },
      { op: 'delete', key: 1 },
      { op: 'delete', key: 8 },
      { op: 'keys' },
    ],
  },
  {
    name: 'xskmap (no sockets bound)',
    def: { type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 4 },
    ops: [
      { op: 'lookup', key: 0 },
      { op: 'update', key: 9, value: [0] },
      { op: 'update', key: 0, value: [0], flags: 9 },
      { op: 'delete', key: 1 },
      { op: 'delete', key: 4 },
      { op: 'keys' },
    ],
  },
];

describe('redirect maps against the kernel', { skip: skip ?? undefined }, () => {
  for (const script of SCRIPTS) {
    it(script.name, () => {
      const cpus = possibleCpus();
      const ifindexes = hostIfindexes();
      const vm = make(script.def, { cpus, netdevs: (i) => ifindexes.has(i) });
      const kernel = KernelMap.create({ ...script.def, name: 'm' });
      try {
        // the VM has the machine's CPUs: key 7 of the cpumap is ENODEV in both unless there are 8 or more
        assert.deepEqual(runScript(vm as VmMap, script.ops), runScript(kernel, script.ops));
      } finally {
        kernel.close();
      }
    });
  }
  it('refuses the same definitions', () => {
    const defs: Omit<MapDefinition, 'name'>[] = [
      { type: MapType.DEVMAP, keySize: 4, valueSize: 6, maxEntries: 4 },
      { type: MapType.DEVMAP_HASH, keySize: 8, valueSize: 4, maxEntries: 4 },
      { type: MapType.DEVMAP, keySize: 4, valueSize: 4, maxEntries: 4, flags: 1 },
      { type: MapType.CPUMAP, keySize: 4, valueSize: 4, maxEntries: 257 },
      { type: MapType.CPUMAP, keySize: 4, valueSize: 4, maxEntries: 4, flags: 1 << 3 },
      { type: MapType.XSKMAP, keySize: 4, valueSize: 8, maxEntries: 4 },
      { type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 0 },
      { type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 4, flags: 1 << 3 },
    ];
    const outcome = (fn: () => { close(): void }) => {
      try {
        fn().close();
        return 'created';
      } catch (e) {
        if (e instanceof MapDefinitionError || e instanceof KernelError) return 'refused';
        throw e;
      }
    };
    for (const def of defs) {
      const kernel = outcome(() => KernelMap.create({ ...def, name: 'm' }));
      assert.equal(outcome(() => make(def)), kernel, JSON.stringify(def));
    }
  });
});
