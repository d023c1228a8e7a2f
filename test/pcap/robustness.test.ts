// Untrusted bytes: mutated and truncated captures never throw anything but PcapError, never hang, and deliver
// the packets before the damage; 1-byte chunks read exactly like whole files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { PcapError } from '../../src/pcap/errors.js';
import type { CapturedPacket } from '../../src/pcap/packet.js';
import { CaptureParser } from '../../src/pcap/parser.js';
import { capturePackets } from '../../src/pcap/reader.js';

const SEEDS = [
  'dns_tcp.pcap', // pcap LE µs
  'isup.pcap', // pcap BE
  'tcp-handshake-nano.pcap', // pcap ns
  'dhcp-option-108.pcapng', // pcapng with an ISB
  'vsock-1.pcapng',
  'OSPFv2_Capture_FINAL.pcapng',
].map((f) => new Uint8Array(readFileSync(`../shared/pcaps/${f}`)));

/** Reads all it can; returns the packets and the error (if any), failing on anything but a PcapError. */
function readAll(chunks: Uint8Array | Uint8Array[]): { packets: CapturedPacket[]; error?: PcapError } {
  const packets: CapturedPacket[] = [];
  try {
    for (const p of capturePackets(chunks)) packets.push(p);
    return { packets };
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    return { packets, error: e };
  }
}

function summary(packets: CapturedPacket[]) {
  return packets.map((p) => [p.offset, p.seconds, p.nanos, p.originalLength, p.linkType, [...p.data]]);
}

test('1-byte chunks give the same packets as the whole file, for every shared capture', () => {
  const names = (JSON.parse(readFileSync('../shared/pcaps/manifest.json', 'utf8')) as Array<{ file: string }>).map(
    (e) => e.file,
  );
  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(`../shared/pcaps/${name}`));
    const whole = readAll(bytes);
    const bytewise = readAll(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
    assert.deepEqual(summary(bytewise.packets), summary(whole.packets), name);
    assert.equal(bytewise.error?.message, whole.error?.message, name);
  }
});

test('every truncation of a capture yields a prefix of its packets, then at most a truncation error', () => {
  for (const seed of SEEDS) {
    const full = summary(readAll(seed).packets);
    for (let cut = 0; cut < seed.length; cut++) {
      const { packets, error } = readAll(seed.subarray(0, cut));
      assert.deepEqual(summary(packets), full.slice(0, packets.length));
      if (error) assert.ok(['truncated file', 'not a capture file'].includes(error.kind), error.message);
      else assert.ok(packets.length <= full.length);
    }
  }
});

test('mutated captures throw nothing but PcapError, and the packets before the error are intact', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: SEEDS.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (which, edits, cuts) => {
        const bytes = SEEDS[which]!.slice();
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        const whole = readAll(bytes);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(last, p));
          last = p;
        }
        chunks.push(bytes.subarray(last));
        const chunked = readAll(chunks);
        assert.deepEqual(summary(chunked.packets), summary(whole.packets));
        assert.equal(chunked.error?.message, whole.error?.message);
        if (whole.error) assert.match(whole.error.message, /at byte \d+: /);
      },
    ),
    { numRuns: 400 },
  );
});

test('a corrupt record names its byte offset after the packets before it were delivered', () => {
  const bytes = new Uint8Array(readFileSync('../shared/pcaps/dns_tcp.pcap'));
  // Third record: file header 24 + two records. Set its caplen to 0x7fffffff.
  const view = new DataView(bytes.buffer);
  let off = 24;
  for (let i = 0; i < 2; i++) off += 16 + view.getUint32(off + 8, true);
  view.setUint32(off + 8, 0x7fffffff, true);
  const seen: number[] = [];
  assert.throws(
    () => {
      for (const p of capturePackets(bytes, { source: 'dns_tcp.pcap' })) seen.push(p.index);
    },
    {
      name: 'PcapError',
      message: `dns_tcp.pcap: corrupt record at byte ${off}: captured length 2147483647 exceeds the maximum 262144 for link type EN10MB (snaplen 262144)`,
    },
  );
  assert.deepEqual(seen, [0, 1]);
});

test('the parser keeps failing with the same error once it has failed', () => {
  const parser = new CaptureParser({ source: 'junk.bin' });
  parser.push(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  let first: unknown;
  assert.throws(
    () => parser.next(),
    (e: unknown) => {
      first = e;
      return (
        e instanceof PcapError &&
        e.message ===
          'junk.bin: not a capture file at byte 0: unknown magic number 0x04030201 (pcap starts with a1b2c3d4 or a1b23c4d, pcapng with 0a0d0d0a)'
      );
    },
  );
  assert.throws(
    () => parser.next(),
    (e: unknown) => e === first,
  );
  assert.throws(() => [...capturePackets(new Uint8Array(0))], /not a capture file at byte 0: the input is empty/);
});
