import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBtfValue } from '../../src/btf/btf-decode.js';
import { parseBtf } from '../../src/btf/parse.js';
import { formatLog2Histogram } from '../../src/vm/histogram.js';
import { BtfBuilder, info } from '../btf/builder.js';

function btfWithStruct() {
  const builder = new BtfBuilder();
  // the builder numbers types from 0; BTF ids start at 1 (0 is void)
  const b = {
    str: (x: string) => builder.str(x),
    int: builder.int.bind(builder),
    add: (w: number[]) => builder.add(w) + 1,
  };
  const int = b.add(b.int('int', 4, true)); // 1
  const uchar = b.add(b.int('unsigned char', 1)); // 2
  const uint = b.add(b.int('unsigned int', 4)); // 3
  const arr = b.add([b.str(''), info(3, 0), 0, uchar, uint, 4]); // 4
  const e = b.add([b.str('E'), info(6, 2), 4, b.str('A'), 0, b.str('B'), 7]); // 5
  const bool = b.add([b.str('_Bool'), info(1, 0), 1, (4 << 24) | 8]); // 6
  const u64 = b.add(b.int('unsigned long long', 8)); // 7
  const members: [string, number, number][] = [
    ['x', int, 0],
    ['e', e, 32],
    ['b', bool, 64],
    ['bits', uint, (3 << 24) | 72],
    ['arr', arr, 80],
    ['big', u64, 128],
  ];
  const words = [b.str('T'), info(4, members.length, true), 24];
  for (const [n, t, off] of members) words.push(b.str(n), t, off);
  const t = b.add(words); // 8
  return { btf: parseBtf(builder.build()), t };
}

describe('BTF value decoding (bpftool formatted shape)', () => {
  it('decodes signed ints, enums by name, bools, bitfields, char arrays as numbers, big u64 as bigint', () => {
    const { btf, t } = btfWithStruct();
    const bytes = new Uint8Array(24);
    const v = new DataView(bytes.buffer);
    v.setInt32(0, -5, true);
    v.setUint32(4, 7, true);
    bytes[8] = 1;
    bytes[9] = 0b101;
    bytes.set([1, 2, 3, 4], 10);
    v.setBigUint64(16, 1n << 63n, true);
    assert.deepEqual(decodeBtfValue(btf, t, bytes), {
      x: -5,
      e: 'B',
      b: true,
      bits: 5,
      arr: [1, 2, 3, 4],
      big: 1n << 63n,
    });
  });
  it('short input decodes what is there and gives null for the rest', () => {
    const { btf, t } = btfWithStruct();
    const out = decodeBtfValue(btf, t, new Uint8Array(4)) as Record<string, unknown>;
    assert.equal(out.x, 0);
    assert.equal(out.big, null);
  });
});

describe('bcc log2 histogram', () => {
  it('prints rows from bucket 1 to the last non-empty one; bars scale to the largest count, bucket 0 included', () => {
    assert.equal(
      formatLog2Histogram([5, 1, 0, 4], 'usecs'),
      [
        '     usecs               : count     distribution',
        '         0 -> 1          : 1        |********                                |',
        '         2 -> 3          : 0        |                                        |',
        '         4 -> 7          : 4        |********************************        |',
      ].join('\n'),
    );
    assert.equal(formatLog2Histogram([3], 'usecs'), '');
  });
  it('switches to the wide layout past bucket 32', () => {
    const counts = new Array(34).fill(0);
    counts[33] = 2;
    const lines = formatLog2Histogram(counts, 'ns').split('\n');
    assert.equal(lines[0], '               ns                            : count     distribution');
    assert.equal(lines.at(-1), '          4294967296 -> 8589934591           : 2        |********************|');
  });
});
