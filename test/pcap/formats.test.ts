// Format details the corpus does not exercise, on hand-built files: pcapng SPB, obsolete PB, skipped NRB/ISB and
// unknown blocks (large ones streamed), if_tsresol/if_tsoffset/if_fcslen, errors with their offsets; classic pcap
// snaplen truncation, pre-2.3 swapped lengths, FCS bits, the Kuznetzov variant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaptureParser } from '../../src/pcap/parser.js';
import { capturePackets } from '../../src/pcap/reader.js';

/** Builds pcapng blocks in one byte order. */
class Ng {
  private parts: number[] = [];
  constructor(readonly le = true) {}
  private u16(n: number): number[] {
    return this.le ? [n & 255, n >>> 8] : [n >>> 8, n & 255];
  }
  private u32(n: number): number[] {
    const b = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    return this.le ? b.reverse() : b;
  }
  option(code: number, value: number[]): number[] {
    const padded = [...value, ...new Array((4 - (value.length % 4)) % 4).fill(0)];
    return [...this.u16(code), ...this.u16(value.length), ...padded];
  }
  block(type: number, body: number[]): this {
    const total = 12 + body.length;
    this.parts.push(...this.u32(type), ...this.u32(total));
    for (const b of body) this.parts.push(b); // bodies can be too large to spread
    this.parts.push(...this.u32(total));
    return this;
  }
  shb(major = 1, minor = 0): this {
    return this.block(0x0a0d0d0a, [
      ...this.u32(0x1a2b3c4d),
      ...this.u16(major),
      ...this.u16(minor),
      ...new Array(8).fill(255),
    ]);
  }
  idb(linkType: number, snaplen: number, options: number[][] = []): this {
    const opts = options.length ? [...options.flat(), 0, 0, 0, 0] : [];
    return this.block(1, [...this.u16(linkType), 0, 0, ...this.u32(snaplen), ...opts]);
  }
  epb(iface: number, hi: number, lo: number, data: number[], len = data.length, caplen = data.length): this {
    const pad = new Array((4 - (data.length % 4)) % 4).fill(0);
    return this.block(6, [
      ...this.u32(iface),
      ...this.u32(hi),
      ...this.u32(lo),
      ...this.u32(caplen),
      ...this.u32(len),
      ...data,
      ...pad,
    ]);
  }
  raw(bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  u32s(...ns: number[]): number[] {
    return ns.flatMap((n) => this.u32(n));
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function read(bytes: Uint8Array, chunk = 0) {
  const parser = new CaptureParser({ source: 't' });
  const chunks = chunk
    ? Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk))
    : [bytes];
  const packets = [...capturePackets(chunks, { parser })];
  return { parser, packets };
}

test('pcapng: SPB takes interface 0 and min(len, snaplen); obsolete PB has a 16-bit interface id', () => {
  const ng = new Ng(false).shb().idb(1, 4).idb(101, 0);
  ng.block(3, [...ng.u32s(6), 1, 2, 3, 4]); // SPB: original length 6, snaplen 4 -> 4 bytes
  ng.block(2, [0, 1, 0, 7, ...ng.u32s(0, 2_000_000, 2, 9), 8, 9, 0, 0]); // PB on interface 1, drops 7
  const { packets } = read(ng.bytes());
  assert.deepEqual(
    packets.map((p) => [p.interfaceId, p.linkType, p.seconds, p.nanos, p.originalLength, [...p.data]]),
    [
      [0, 1, 0, 0, 6, [1, 2, 3, 4]],
      [1, 101, 2, 0, 9, [8, 9]],
    ],
  );
});

test('pcapng: NRB, ISB, custom and unknown blocks are skipped, large ones without buffering them', () => {
  const big = new Array(200_000).fill(7);
  const ng = new Ng().shb().idb(1, 0);
  ng.block(4, [0, 0, 0, 0]); // NRB with only nrb_record_end
  ng.epb(0, 0, 1_000_001, [1]);
  ng.block(5, [...ng.u32s(0, 0, 0), 0, 0, 0, 0]); // ISB
  ng.block(0x80000001, big); // custom block, larger than the chunks below
  ng.block(0x0bad, [1, 2, 3, 4]);
  ng.epb(0, 0, 2_000_002, [2]);
  for (const chunk of [0, 1000, 4093]) {
    const { packets } = read(ng.bytes(), chunk);
    assert.deepEqual(
      packets.map((p) => [p.index, p.seconds, p.nanos, [...p.data]]),
      [
        [0, 1, 1000, [1]],
        [1, 2, 2000, [2]],
      ],
    );
  }
});

test('pcapng: if_tsresol (decimal, binary, coarse, fine), if_tsoffset, if_fcslen and if_name', () => {
  const ng = new Ng();
  ng.shb()
    .idb(1, 0, [
      ng.option(9, [9]),
      ng.option(14, [0x10, 0, 0, 0, 0, 0, 0, 0]),
      ng.option(13, [4]),
      ng.option(2, [...Buffer.from('eth0')]),
    ])
    .idb(1, 0, [ng.option(9, [0x80 | 20])]) // 2^-20 s
    .idb(1, 0, [ng.option(9, [3])]) // ms
    .idb(1, 0, [ng.option(9, [12])]) // ps
    .idb(1, 0, [ng.option(14, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]); // offset -1 s
  // 1700000000.123456789 s in ns = 0x1797_F5B8_A1B1_5515? compute from bigint below.
  const ns = 1_700_000_000_123_456_789n;
  ng.epb(0, Number(ns >> 32n), Number(ns & 0xffffffffn), [1]);
  const ticks2 = (3n << 20n) + (1n << 19n); // 3.5 s
  ng.epb(1, 0, Number(ticks2), [2]);
  ng.epb(2, 0, 1_234_567, [3]); // 1234.567 s
  const ps = 5_000_000_000_123_456n; // 5000.000000123456 s
  ng.epb(3, Number(ps >> 32n), Number(ps & 0xffffffffn), [4]);
  ng.epb(4, 0, 10_000_001, [5]); // 10.000001 s - 1 s
  const { packets, parser } = read(ng.bytes());
  assert.deepEqual(
    packets.map((p) => [p.seconds, p.nanos]),
    [
      [1_700_000_016, 123_456_789],
      [3, 500_000_000],
      [1234, 567_000_000],
      [5000, 123],
      [9, 1000],
    ],
  );
  const i0 = parser.interfaces[0]!;
  assert.equal(i0.name, 'eth0');
  assert.equal(i0.fcsLength, 4);
  assert.equal(i0.tsOffset, 16);
  assert.equal(i0.ticksPerSecond, 1e9);
  assert.equal(parser.interfaces[1]!.ticksPerSecond, 2 ** 20);
});

test('pcapng errors name the block offset', () => {
  const cases: Array<[string, (ng: Ng) => Ng, RegExp]> = [
    [
      'packet before any interface',
      (ng) => ng.shb().epb(0, 0, 0, [1]),
      /corrupt block at byte 28: packet on interface 0, but the section describes 0/,
    ],
    [
      'unknown interface',
      (ng) => ng.shb().idb(1, 0).epb(1, 0, 0, [1]),
      /corrupt block at byte 48: packet on interface 1, but the section describes 1/,
    ],
    [
      'caplen above snaplen',
      (ng) => ng.shb().idb(1, 2).epb(0, 0, 0, [1, 2, 3]),
      /at byte 48: captured length 3 exceeds the snaplen 2 of interface 0/,
    ],
    [
      'caplen above the block',
      (ng) => ng.shb().idb(1, 0).epb(0, 0, 0, [1, 2, 3, 4], 4, 9),
      /at byte 48: captured length 9 exceeds the 4 bytes in the block/,
    ],
    [
      'trailer mismatch',
      (ng) =>
        ng
          .shb()
          .idb(1, 0)
          .raw(ng.u32s(6, 32, 0, 0, 0, 0, 0, 31)),
      /at byte 48: block length 32 in the header differs from 31 in the trailer/,
    ],
    [
      'length not a multiple of 4',
      (ng) => ng.shb().raw(ng.u32s(1, 22)),
      /corrupt block at byte 28: block of type 1 has length 22, not a multiple of 4/,
    ],
    [
      'option past the end',
      (ng) => ng.shb().idb(1, 0, [[9, 0, 8, 0]]),
      /at byte 44: interface description option 9 of length 8 runs past the end/,
    ],
    [
      'bad if_tsresol length',
      (ng) => ng.shb().idb(1, 0, [ng.option(9, [6, 6])]),
      /if_tsresol option has length 2, not 1/,
    ],
    [
      'unsupported version',
      (ng) => ng.shb(2, 0),
      /unsupported file at byte 0: unsupported pcapng savefile version 2\.0/,
    ],
    [
      'truncated skip',
      (ng) => ng.shb().raw(ng.u32s(5, 400, 0)),
      /truncated file at byte 28: block of 400 bytes is cut short/,
    ],
  ];
  for (const [what, build, message] of cases) {
    assert.throws(() => read(build(new Ng()).bytes()), message, what);
    assert.throws(() => read(build(new Ng()).bytes(), 3), message, `${what}, 3-byte chunks`);
  }
});

/** A classic pcap file: header fields then [sec, frac, caplen, len, data] records, little-endian. */
function pcap(
  header: { magic?: number; major?: number; minor?: number; snaplen: number; field: number },
  records: Array<[number, number, number, number, number[]]>,
): Uint8Array {
  const out: number[] = [];
  const u32 = (n: number) => out.push(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
  const u16 = (n: number) => out.push(n & 255, n >>> 8);
  u32(header.magic ?? 0xa1b2c3d4);
  u16(header.major ?? 2);
  u16(header.minor ?? 4);
  u32(0);
  u32(0);
  u32(header.snaplen);
  u32(header.field);
  for (const [s, f, cap, len, data] of records) {
    u32(s);
    u32(f);
    u32(cap);
    u32(len);
    if (header.magic === 0xa1b2cd34) out.push(0, 0, 0, 0, 0, 0, 0, 0);
    out.push(...data);
  }
  return Uint8Array.from(out);
}

test('pcap: a caplen above the snaplen but within the link maximum is cut to the snaplen, as libpcap does', () => {
  const { packets } = read(
    pcap({ snaplen: 2, field: 1 }, [
      [1, 2, 4, 10, [1, 2, 3, 4]],
      [3, 4, 1, 1, [5]],
    ]),
  );
  assert.deepEqual(
    packets.map((p) => [p.seconds, p.nanos, p.capturedLength, p.originalLength, [...p.data]]),
    [
      [1, 2000, 2, 10, [1, 2]],
      [3, 4000, 1, 1, [5]],
    ],
  );
});

test('pcap: version 2.2 stores len before caplen; 2.3 swaps only when caplen > len', () => {
  const v22 = read(pcap({ minor: 2, snaplen: 100, field: 1 }, [[0, 0, 9, 2, [1, 2]]])).packets[0]!;
  assert.deepEqual([v22.capturedLength, v22.originalLength], [2, 9]);
  const v23 = read(
    pcap({ minor: 3, snaplen: 100, field: 1 }, [
      [0, 0, 2, 9, [1, 2]],
      [0, 0, 9, 2, [3, 4]],
    ]),
  ).packets;
  assert.deepEqual(
    v23.map((p) => [p.capturedLength, p.originalLength]),
    [
      [2, 9],
      [2, 9],
    ],
  );
});

test('pcap: FCS bits, snaplen 0, the Kuznetzov variant, and header errors', () => {
  const fcs = read(pcap({ snaplen: 0, field: 0x14000000 | 105 }, [[0, 0, 1, 1, [1]]]));
  assert.equal(fcs.parser.interfaces[0]!.fcsLength, 2);
  assert.equal(fcs.parser.interfaces[0]!.linkType, 105);
  assert.equal(fcs.parser.interfaces[0]!.effectiveSnaplen, 262144);
  assert.equal(fcs.parser.format?.linkTypeField, 0x14000069);
  const kuz = read(pcap({ magic: 0xa1b2cd34, snaplen: 100, field: 1 }, [[5, 6, 2, 2, [7, 8]]]));
  assert.deepEqual(
    kuz.packets.map((p) => [p.seconds, p.nanos, [...p.data]]),
    [[5, 6000, [7, 8]]],
  );
  assert.throws(
    () => read(pcap({ major: 1, minor: 4, snaplen: 100, field: 1 }, [])),
    /unsupported pcap savefile version 1\.4/,
  );
  assert.throws(
    () => read(pcap({ snaplen: 100, field: 0x00300001 }, [])),
    /bad file header at byte 20: link-type field 0x00300001 has reserved bits set \(0x00300000\)/,
  );
  assert.throws(
    () => read(pcap({ snaplen: 100, field: 1 }, []).subarray(0, 20)),
    /truncated file at byte 0: pcap file header needs 24 bytes, only 20/,
  );
  assert.throws(
    () => read(pcap({ snaplen: 100, field: 1 }, [[0, 0, 4, 4, [1, 2]]])),
    /truncated file at byte 24: record of 4 captured bytes needs 20 bytes, only 18 left/,
  );
});
