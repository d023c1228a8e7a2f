import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMap } from '../../src/cli/format-map.js';
import type { DecodedValue, LoadedMap } from '../../src/object/collection.js';
import type { MapSpec } from '../../src/object/types.js';
import { MapType } from '../../src/uapi/bpf.js';

/** A map that only answers decodedEntries(), which is all formatMap reads besides its spec. */
function fakeMap(
  name: string,
  spec: Partial<MapSpec>,
  entries: { key: DecodedValue; value: DecodedValue }[],
): LoadedMap {
  const defaults = { name, type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16, flags: 0, pinning: 0 };
  const full = { ...defaults, ...spec } as MapSpec;
  const unused = () => {
    throw new Error('not used by formatMap');
  };
  return {
    spec: full,
    name,
    lookup: unused,
    update: unused,
    delete: unused,
    keys: unused,
    entries: unused,
    decodedEntries: () => entries,
  };
}

test('global data maps print their variables by name', () => {
  const bss = fakeMap('.bss', { type: MapType.ARRAY, globalData: '.bss', maxEntries: 1 }, [
    { key: [0, 0, 0, 0], value: { calls: 4n, last: 1752 } },
  ]);
  assert.equal(formatMap(bss, undefined), '.bss:\n  calls = "4"\n  last = 1752');
});

test('array maps show the entries a program wrote to and count the zero ones', () => {
  const stats = fakeMap('proto_stats', { type: MapType.ARRAY, maxEntries: 3 }, [
    { key: 0, value: { packets: 0n, bytes: 0n } },
    { key: 17, value: { packets: 2n, bytes: 100n } },
    { key: 6, value: { packets: 0n, bytes: 0n } },
  ]);
  const expected = 'proto_stats:\n  17: {"packets":"2","bytes":"100"}\n  (2 of 3 entries are zero)';
  assert.equal(formatMap(stats, undefined), expected);
});

test('hash maps show every entry, and bucket maps print as log2 histograms', () => {
  const counts = fakeMap('counts', {}, [
    { key: 1, value: 0 },
    { key: 2, value: 5 },
  ]);
  assert.equal(formatMap(counts, undefined), 'counts:\n  1: 0\n  2: 5');
  const hist = fakeMap('size_hist', {}, [
    { key: 1, value: 3 },
    { key: 3, value: 1 },
  ]);
  const text = formatMap(hist, undefined);
  assert.match(text, /^size_hist:\n/);
  assert.match(text, /value\s*: count\s+distribution/);
  assert.match(text, /\|\*+\s*\|/);
});

test('maps of bucket arrays print one bcc histogram per key, headed by the key field', () => {
  const hists = fakeMap('hists', {}, [
    { key: { comm: 'dd' }, value: { slots: [0, 0, 200, 0] } },
    { key: { comm: 'sync' }, value: { slots: [0, 1, 0, 0] } },
  ]);
  const text = formatMap(hists, undefined);
  assert.match(text, /^hists:\n\ncomm = dd\n/);
  assert.match(text, /\ncomm = sync\n/);
  assert.match(text, /2 -> 3 {10}: 200 {6}\|\*{40}\|/);
  // not bucket-shaped: plain lines
  const other = fakeMap('stats', {}, [{ key: { comm: 'dd' }, value: { slots: [1, 2], extra: 3 } }]);
  assert.equal(formatMap(other, undefined), 'stats:\n  {"comm":"dd"}: {"slots":[1,2],"extra":3}');
});
