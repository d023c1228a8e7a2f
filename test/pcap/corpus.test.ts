// Every real capture in ../shared reads like tcpdump reads it: the same packet count, and byte for byte the same
// records (timestamps, lengths, data) as libpcap hands them to `tcpdump -w` (see test/fixtures/pcap/counts.json
// and the script beside it). The bad files are rejected with a reason naming the byte offset.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PcapError } from '../../src/pcap/errors.js';
import type { CapturedPacket } from '../../src/pcap/packet.js';
import { CaptureParser } from '../../src/pcap/parser.js';
import { PcapWriter } from '../../src/pcap/pcap-writer.js';
import { capturePackets } from '../../src/pcap/reader.js';

interface Expected {
  packets?: number;
  sha256?: string;
  error?: string;
}
const fixture = JSON.parse(readFileSync('test/fixtures/pcap/counts.json', 'utf8')) as {
  files: Record<string, Expected>;
};
const entries = Object.entries(fixture.files);

/** sha256 of the records as libpcap's `tcpdump --time-stamp-precision=nano -w` writes them, minus the file header. */
function digestWithoutHeader(packets: readonly CapturedPacket[]): string {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter({ linkType: 1, precision: 'ns', snaplen: 1 << 30 }, (c) => chunks.push(c));
  for (const p of packets) w.write(p);
  w.flush();
  const hash = createHash('sha256');
  let skip = 24;
  for (const c of chunks) {
    hash.update(c.subarray(Math.min(skip, c.length)));
    skip = Math.max(0, skip - c.length);
  }
  return hash.digest('hex');
}

test('the corpus covers the manifest: 131 shared captures, 6 of them bad, plus libpcap savefiles', () => {
  assert.equal(entries.filter(([f]) => f.startsWith('../shared/pcaps/')).length, 131);
  assert.equal(entries.filter(([, e]) => e.error !== undefined).length, 12);
  assert.ok(entries.length > 160);
});

for (const [file, expected] of entries) {
  test(`${file.replace('../shared/', '')}: ${expected.error ? 'rejected' : `${expected.packets} packets as tcpdump reads them`}`, () => {
    const bytes = new Uint8Array(readFileSync(file));
    const packets: CapturedPacket[] = [];
    if (expected.error !== undefined) {
      assert.throws(
        () => {
          for (const p of capturePackets(bytes, { source: file })) packets.push(p);
        },
        (e: unknown) => e instanceof PcapError && e.message.startsWith(`${file}: `) && / at byte \d+: /.test(e.message),
      );
      return;
    }
    const parser = new CaptureParser({ source: file });
    for (const p of capturePackets(bytes, { parser })) packets.push(p);
    assert.equal(packets.length, expected.packets);
    assert.equal(digestWithoutHeader(packets), expected.sha256);
    assert.ok(parser.format !== undefined);
    for (const [i, p] of packets.entries()) {
      assert.equal(p.index, i);
      assert.equal(p.capturedLength, p.data.length);
      assert.equal(p.linkType, parser.interfaces[p.interfaceId]!.linkType);
    }
  });
}
