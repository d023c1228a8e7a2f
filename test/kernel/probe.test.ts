import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MapType, ProgType } from '../../src/kernel/constants.js';
import { probeHelper, probeMapType, probeProgType } from '../../src/kernel/probe.js';
import { bpfUnavailable } from './support.js';

const skip = bpfUnavailable();
describe('feature probes', { skip: skip ?? false }, () => {
  test('program types', () => {
    assert.equal(probeProgType(ProgType.SOCKET_FILTER), true);
    assert.equal(probeProgType(ProgType.XDP), true);
    assert.equal(probeProgType(ProgType.SYSCALL), true);
    assert.equal(probeProgType(ProgType.TRACING), true);
    assert.equal(probeProgType(9999), false);
  });
  test('map types', () => {
    for (const type of [
      MapType.HASH,
      MapType.ARRAY,
      MapType.RINGBUF,
      MapType.LPM_TRIE,
      MapType.QUEUE,
      MapType.TASK_STORAGE,
    ]) {
      assert.equal(probeMapType(type), true, `map type ${type}`);
    }
    assert.equal(probeMapType(9999), false);
  });
  test('helpers', () => {
    assert.equal(probeHelper(ProgType.XDP, 1), true, 'bpf_map_lookup_elem');
    assert.equal(probeHelper(ProgType.KPROBE, 6), true, 'bpf_trace_printk');
    assert.equal(probeHelper(ProgType.SOCKET_FILTER, 9999), false);
  });
});
