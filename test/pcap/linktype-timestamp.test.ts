// Link-type table lookups, and pcapng tick splitting/joining against a bigint oracle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  allLinkTypes,
  dltToLinkType,
  linkTypeByName,
  linkTypeInfo,
  linkTypeName,
  linkTypeToDlt,
} from '../../src/pcap/linktype.js';
import { joinTicks, TickSplitter } from '../../src/pcap/timestamp.js';

test('link types: names and numbers agree both ways, with libpcap values', () => {
  assert.equal(linkTypeByName('en10mb')?.linkType, 1);
  assert.equal(linkTypeByName('DLT_RAW')?.dlt, 12);
  assert.equal(linkTypeByName('LINKTYPE_RAW')?.linkType, 101);
  assert.equal(linkTypeByName('linux_sll2')?.linkType, 276);
  assert.equal(linkTypeByName('IPMB_LINUX')?.name, 'I2C_LINUX');
  assert.equal(linkTypeByName('nonsense'), undefined);
  assert.equal(linkTypeInfo(113)?.description, 'Linux cooked v1');
  assert.equal(linkTypeName(160), '160');
  assert.deepEqual([100, 101, 102, 103, 106].map(linkTypeToDlt), [11, 12, 15, 16, 19]);
  for (const t of allLinkTypes()) {
    assert.equal(linkTypeByName(t.name), t);
    assert.equal(dltToLinkType(t.dlt), t.linkType);
    assert.equal(linkTypeToDlt(t.linkType), t.dlt);
  }
  assert.ok(allLinkTypes().length >= 169);
});

test('tick splitting equals bigint division for every resolution', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.boolean(),
      fc.integer({ min: 0, max: 19 }),
      (t, binary, exp) => {
        const exponent = binary ? exp * 3 : exp;
        const per = binary ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
        const s = new TickSplitter({ binary, exponent });
        s.split(Number(t >> 32n), Number(t & 0xffffffffn));
        assert.equal(s.seconds, Number(t / per));
        assert.equal(s.nanos, Number(((t % per) * 1_000_000_000n) / per));
      },
    ),
    { numRuns: 3000 },
  );
});

test('joinTicks inverts split for µs and ns', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 999_999_999 }),
      fc.constantFrom(6, 9, 3, 12),
      (seconds, nanos, exponent) => {
        const per0 = 10n ** BigInt(exponent);
        fc.pre(BigInt(seconds) * per0 + per0 < 1n << 64n); // pcapng ticks are 64-bit
        const res = { binary: false, exponent };
        const [hi, lo] = joinTicks(seconds, nanos, res);
        const t = (BigInt(hi) << 32n) | BigInt(lo);
        const per = 10n ** BigInt(exponent);
        assert.equal(t, BigInt(seconds) * per + (BigInt(nanos) * per) / 1_000_000_000n);
      },
    ),
    { numRuns: 2000 },
  );
});
