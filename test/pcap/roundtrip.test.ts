// Writers and reader agree: random packets written as pcap or pcapng (either byte order, µs or ns, several
// interfaces) read back equal, whatever the chunking of the bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CapturedPacket } from '../../src/pcap/packet.js';
import { CaptureParser } from '../../src/pcap/parser.js';
import { type PacketToWrite, PcapWriter } from '../../src/pcap/pcap-writer.js';
import { PcapngWriter } from '../../src/pcap/pcapng-writer.js';
import { CaptureReader, capturePackets } from '../../src/pcap/reader.js';

const packetArb = (interfaces: number) =>
  fc.record({
    seconds: fc.integer({ min: 0, max: 0xffffffff }),
    nanos: fc.integer({ min: 0, max: 999_999_999 }),
    data: fc.uint8Array({ maxLength: 300 }),
    extra: fc.integer({ min: 0, max: 2000 }),
    interfaceId: fc.integer({ min: 0, max: interfaces - 1 }),
  });

/** Splits `bytes` at the given cut points (sorted, deduplicated) into chunks. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

function plain(p: CapturedPacket) {
  return {
    seconds: p.seconds,
    nanos: p.nanos,
    data: [...p.data],
    originalLength: p.originalLength,
    interfaceId: p.interfaceId,
    linkType: p.linkType,
  };
}

test('pcap: random packets round-trip in both byte orders and precisions, any chunking', () => {
  fc.assert(
    fc.property(
      fc.array(packetArb(1), { maxLength: 20 }),
      fc.boolean(),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 8 }),
      (packets, le, nano, cuts) => {
        const toWrite: PacketToWrite[] = packets.map((p) => ({ ...p, originalLength: p.data.length + p.extra }));
        const bytes = PcapWriter.toBytes(toWrite, { linkType: 113, littleEndian: le, precision: nano ? 'ns' : 'us' });
        const parser = new CaptureParser();
        const got = [...capturePackets(split(bytes, cuts), { parser })].map(plain);
        assert.deepEqual(
          got,
          toWrite.map((p) => ({
            seconds: p.seconds,
            nanos: nano ? p.nanos : Math.floor(p.nanos / 1000) * 1000,
            data: [...p.data],
            originalLength: p.originalLength,
            interfaceId: 0,
            linkType: 113,
          })),
        );
        assert.equal(parser.format?.littleEndian, le);
        assert.equal(parser.format?.precision, nano ? 'ns' : 'us');
      },
    ),
    { numRuns: 200 },
  );
});

test('pcapng: random packets on several interfaces round-trip, any chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ linkType: fc.constantFrom(1, 101, 113, 276, 228), ns: fc.boolean() }), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.array(packetArb(3), { maxLength: 20 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 8 }),
      (ifaces, packets, le, cuts) => {
        const toWrite = packets.map((p) => ({
          ...p,
          interfaceId: p.interfaceId % ifaces.length,
          originalLength: p.data.length + p.extra,
        }));
        const bytes = PcapngWriter.toBytes(toWrite, {
          interfaces: ifaces.map((i, n) => ({ linkType: i.linkType, precision: i.ns ? 'ns' : 'us', name: `if${n}` })),
          littleEndian: le,
        });
        const parser = new CaptureParser();
        const got = [...capturePackets(split(bytes, cuts), { parser })].map(plain);
        assert.deepEqual(
          got,
          toWrite.map((p) => ({
            seconds: p.seconds,
            nanos: ifaces[p.interfaceId]!.ns ? p.nanos : Math.floor(p.nanos / 1000) * 1000,
            data: [...p.data],
            originalLength: p.originalLength,
            interfaceId: p.interfaceId,
            linkType: ifaces[p.interfaceId]!.linkType,
          })),
        );
        assert.deepEqual(
          parser.interfaces.map((i) => [i.name, i.ticksPerSecond, i.littleEndian]),
          ifaces.map((i, n) => [`if${n}`, i.ns ? 1e9 : 1e6, le]),
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('pcapng: sections of different byte orders number their interfaces across the file', () => {
  const a = PcapngWriter.toBytes([{ seconds: 1, nanos: 0, data: Uint8Array.of(1, 2, 3) }], {
    interfaces: [{ linkType: 1 }],
    littleEndian: true,
  });
  const b = PcapngWriter.toBytes(
    [
      { seconds: 2, nanos: 5, data: Uint8Array.of(4), interfaceId: 1 },
      { seconds: 3, nanos: 0, data: Uint8Array.of(5, 6), interfaceId: 0 },
    ],
    { interfaces: [{ linkType: 101 }, { linkType: 228, precision: 'ns' }], littleEndian: false },
  );
  const parser = new CaptureParser();
  const got = [...capturePackets([a, b], { parser })];
  assert.deepEqual(
    got.map((p) => [p.index, p.interfaceId, p.linkType, p.seconds, p.nanos, [...p.data]]),
    [
      [0, 0, 1, 1, 0, [1, 2, 3]],
      [1, 2, 228, 2, 5, [4]],
      [2, 1, 101, 3, 0, [5, 6]],
    ],
  );
  assert.deepEqual(
    parser.interfaces.map((i) => [i.id, i.section, i.linkType, i.littleEndian]),
    [
      [0, 0, 1, true],
      [1, 1, 101, false],
      [2, 1, 228, false],
    ],
  );
  // Section b: SHB with shb_userappl (44 bytes), IDB (20), IDB with if_tsresol (32), then the packet.
  assert.equal(got[1]!.offset, a.length + 44 + 20 + 32);
});

test('CaptureReader: async iteration and forEach give the same packets from an async chunk source', async () => {
  const packets = Array.from({ length: 50 }, (_, i) => ({
    seconds: i,
    nanos: i * 1000,
    data: new Uint8Array(i).fill(i),
  }));
  const bytes = PcapWriter.toBytes(packets, { linkType: 1 });
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
  }
  const viaIter: number[] = [];
  const reader = new CaptureReader(chunks());
  for await (const p of reader) viaIter.push(p.data.length);
  assert.equal(reader.format?.format, 'pcap');
  const viaForEach: number[] = [];
  const n = await new CaptureReader(chunks()).forEach((p) => {
    viaForEach.push(p.data.length);
  });
  assert.equal(n, 50);
  assert.deepEqual(viaIter, viaForEach);
  assert.deepEqual(
    viaIter,
    packets.map((p) => p.data.length),
  );
});

test('writers refuse packets above the snaplen and undeclared interfaces', () => {
  assert.throws(
    () => PcapWriter.toBytes([{ seconds: 0, nanos: 0, data: new Uint8Array(11) }], { linkType: 1, snaplen: 10 }),
    /exceeds the writer's snaplen 10/,
  );
  assert.throws(
    () =>
      PcapngWriter.toBytes([{ seconds: 0, nanos: 0, data: new Uint8Array(1), interfaceId: 2 }], {
        interfaces: [{ linkType: 1 }],
      }),
    /interface 2 was not declared/,
  );
});
