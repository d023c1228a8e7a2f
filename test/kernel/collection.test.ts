import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ensurePinRoot } from '../../src/kernel/bpffs.js';
import { MapType, ProgType } from '../../src/kernel/constants.js';
import { KernelCollection } from '../../src/kernel/kernel-collection.js';
import { openLinkCount } from '../../src/kernel/link.js';
import { loadCollection } from '../../src/kernel/load-collection.js';
import { CollectionLoadError, MissingFeatureError } from '../../src/kernel/load-errors.js';
import { setVariable } from '../../src/object/variables.js';
import { fixtureSpec } from './fixtures.js';
import { bpfUnavailable, openFds } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping kernel collection tests: ${skip}`);

const XDP_DROP = 1;
const XDP_PASS = 2;
const XDP_TX = 3;

function input(a: number, b: number, c: number): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, a, true);
  view.setInt32(4, b, true);
  view.setInt32(8, c, true);
  return bytes;
}

const i32 = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getInt32(0, true);

describe('loading objects into the kernel', { skip: skip ?? false }, () => {
  let fdsBefore: string[];
  before(() => {
    // Warm up the one-time caches (feature probes, vmlinux BTF, shared attr buffers) outside the leak check.
    loadCollection(fixtureSpec('objects/xdp_parse.bpf.o')).close();
    fdsBefore = openFds();
  });
  after(() => {
    assert.deepEqual(openFds(), fdsBefore, 'every fd opened by the tests is closed');
    assert.equal(openLinkCount(), 0);
  });

  test('global data: .rodata set before load, .data and .bss through mmap, BPF-to-BPF calls', () => {
    const spec = fixtureSpec('objects/globals.bpf.o');
    setVariable(spec, 'scale', 5);
    const collection = loadCollection(spec);
    try {
      assert.ok(collection instanceof KernelCollection);
      assert.equal(collection.backend, 'kernel');
      // sum: a^2 + b^2 + 3c through two subprograms.
      assert.equal(collection.program('sum').run({ ctx: input(2, 3, 4) }).retval, 25n);
      // tweak: a * scale + counter + custom_value + b^2, and hits++.
      const tweak = collection.program('tweak');
      assert.equal(tweak.program.info().name, 'tweak');
      assert.equal(tweak.run({ ctx: input(2, 3, 0) }).retval, BigInt(2 * 5 + 7 + 0x1122 + 9));
      assert.equal(i32(collection.variable('hits').get()), 1);
      // Writing .data through the mapping changes what the program sees, without a map update.
      collection.variable('counter').set(new Uint8Array([100, 0, 0, 0]));
      assert.equal(tweak.run({ ctx: input(0, 0, 0) }).retval, BigInt(100 + 0x1122));
      assert.equal(i32(collection.variable('hits').get()), 2);
      const rodata = collection.map('.rodata');
      assert.ok(rodata.mapped(), '.rodata is mmapable');
      assert.throws(() => collection.variable('scale').set(new Uint8Array(4)), /read-only/);
      assert.throws(() => rodata.update(new Uint8Array(4), new Uint8Array(rodata.spec.valueSize)), /EPERM/);
      // The kernel names global data maps like libbpf: 8 characters of the object name, then the section.
      assert.equal(collection.map('.bss').map.name, 'globals..bss');
      // BTF-decoded .data: a DATASEC shows as its variables.
      const decoded = collection.map('.data').decodedEntries();
      assert.equal(decoded.length, 1);
      assert.deepEqual(decoded[0]!.value, { counter: 100, hidden_state: 5 + 2 + 0 });
    } finally {
      collection.close();
    }
  });

  test('prog-array slots named in the object are filled: tail calls chain entry -> stage_one -> stage_two', () => {
    const collection = loadCollection(fixtureSpec('objects/tailcall.bpf.o'));
    try {
      const packet = new Uint8Array(64);
      assert.equal(collection.program('entry').run({ data: packet }).retval, BigInt(XDP_TX));
      assert.equal(collection.program('stage_two').run({ data: packet }).retval, BigInt(XDP_TX));
      // Emptying slot 3 makes stage_one fall through to its own return.
      assert.equal(collection.map('jump_table').delete(new Uint8Array([3, 0, 0, 0])), true);
      assert.equal(collection.program('entry').run({ data: packet }).retval, BigInt(XDP_DROP));
      assert.notEqual(XDP_PASS, XDP_DROP);
    } finally {
      collection.close();
    }
  });

  test('maps of every flavour are created with their BTF; map-in-map slots are filled', () => {
    const pinRoot = `/sys/fs/bpf/tsbpf-collection-${process.pid}`;
    ensurePinRoot(pinRoot);
    try {
      const collection = loadCollection(fixtureSpec('objects/maps.bpf.o'), { pinRoot });
      try {
        const outer = collection.map('outer');
        assert.equal(outer.map.type, MapType.ARRAY_OF_MAPS);
        const slot = outer.lookup(new Uint8Array(4));
        assert.ok(slot, 'outer[0] holds inner_a');
        assert.equal(new DataView(slot.buffer).getUint32(0, true), collection.map('inner_a').map.info().id);
        const routes = collection.map('routes');
        assert.ok(routes.map.info().btfValueTypeId > 0, 'value type described by BTF');
      } finally {
        collection.close();
      }
    } finally {
      rmSync(pinRoot, { recursive: true, force: true });
    }
  });

  test('maps pinned by name outlive the collection and are reused by the next load', () => {
    const pinRoot = `/sys/fs/bpf/tsbpf-pin-${process.pid}`;
    ensurePinRoot(pinRoot);
    try {
      const first = loadCollection(fixtureSpec('objects/maps.bpf.o'), { pinRoot });
      const pinned = first.map('pinned');
      assert.equal(pinned.pinnedAt, `${pinRoot}/pinned`);
      const id = pinned.map.info().id;
      const key = new Uint8Array(pinned.spec.keySize).fill(1);
      const value = new Uint8Array(pinned.spec.valueSize).fill(7);
      pinned.update(key, value);
      first.close();
      assert.ok(existsSync(`${pinRoot}/pinned`));
      const second = loadCollection(fixtureSpec('objects/maps.bpf.o'), { pinRoot });
      try {
        assert.equal(second.map('pinned').map.info().id, id, 'the same kernel map');
        assert.deepEqual(second.map('pinned').lookup(key), value);
      } finally {
        second.close();
      }
      // A pinned map that no longer matches the object is refused, not silently used.
      const changed = fixtureSpec('objects/maps.bpf.o');
      const spec = changed.maps.find((m) => m.name === 'pinned');
      assert.ok(spec);
      spec.maxEntries += 1;
      assert.throws(() => loadCollection(changed, { pinRoot }), /pinned at .* differs \(max_entries/);
    } finally {
      rmSync(pinRoot, { recursive: true, force: true });
    }
    assert.equal(existsSync(pinRoot), false);
  });

  test('a program the verifier rejects fails the load with its log and leaves nothing behind', () => {
    const spec = fixtureSpec('objects/xdp_parse.bpf.o');
    const program = spec.programs[0]!;
    // Drop the final exit: the verifier refuses to fall off the end.
    program.instructions = program.instructions.slice(0, -1);
    program.lineInfo = program.lineInfo.filter((l) => l.insn < program.instructions.length);
    const before = openFds();
    assert.throws(
      () => loadCollection(spec),
      (error: unknown) =>
        error instanceof CollectionLoadError &&
        /program "xdp_count" \(section xdp\)/.test(error.message) &&
        typeof error.log === 'string' &&
        error.log.length > 0,
    );
    assert.deepEqual(openFds(), before);
  });

  test('a program type this kernel lacks is named before anything is created', () => {
    const spec = fixtureSpec('objects/xdp_parse.bpf.o');
    spec.programs[0]!.type = 999;
    assert.throws(() => loadCollection(spec), MissingFeatureError);
    assert.throws(() => loadCollection(spec), /program "xdp_count" \(section xdp\) needs program type type 999/);
    assert.notEqual(ProgType.XDP, 999);
  });

  test('only the programs asked for are loaded', () => {
    const collection = loadCollection(fixtureSpec('objects/tailcall.bpf.o'), { programs: ['stage_two'] });
    try {
      assert.deepEqual([...collection.programs.keys()], ['stage_two']);
    } finally {
      collection.close();
    }
    assert.ok(readdirSync('/proc/self/fd').length > 0);
  });
});
