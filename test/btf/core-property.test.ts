/**
 * Properties with independent oracles: (1) a bitfield read the way BPF_CORE_READ_BITFIELD does it, with the
 * relocated byte offset, size and shifts, returns the value stored at the field's bits, whatever the field's
 * width, position and signedness; (2) a field resolves to the offset the target layout put it at, however the
 * target nests it in anonymous members; (3) random relocation records never escape as anything but InputError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Btf } from '../../src/btf/btf.js';
import { CoreReloKind as K, resolveCoreRelocation } from '../../src/btf/core.js';
import { parseBtf } from '../../src/btf/index.js';
import { InputError } from '../../src/errors.js';
import { BtfBuilder, info } from './builder.js';
import { loadCoreFixture } from './core-fixture.js';

/** struct s { T x : bits; } with x at `bitOffset` (a one-member struct of 64 bytes). */
function bitfieldStruct(size: number, signed: boolean, bits: number, bitOffset: number): Btf {
  const b = new BtfBuilder();
  b.add(b.int('T', size, signed));
  b.add([b.str('s'), info(4, 1, true), 64, b.str('x'), 1, ((bits << 24) | bitOffset) >>> 0]);
  return parseBtf(b.build());
}

/** Stores `value`'s low `bits` bits at `bitOffset` of little-endian memory (bit i is byte i/8, bit i%8). */
function store(mem: Uint8Array, bitOffset: number, bits: number, value: bigint): void {
  for (let i = 0; i < bits; i++) {
    const bit = Number((value >> BigInt(i)) & 1n);
    const at = bitOffset + i;
    mem[at >> 3] = (mem[at >> 3]! & ~(1 << (at & 7))) | (bit << (at & 7));
  }
}

function loadLE(mem: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(mem[off + i]!);
  return v;
}

describe('CO-RE bitfield relocations', () => {
  it('read back the stored value with the relocated offset, size and shifts', () => {
    const field = fc.record({ size: fc.constantFrom(1, 2, 4, 8), signed: fc.boolean() }).chain(({ size, signed }) =>
      fc.integer({ min: 1, max: size * 8 }).chain((bits) =>
        fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 64 - bits })).chain(([word, inWord]) =>
          fc.record({
            size: fc.constant(size),
            signed: fc.constant(signed),
            bits: fc.constant(bits),
            bitOffset: fc.constant(word * 64 + inWord),
            raw: fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }),
            localBit: fc.integer({ min: 0, max: 400 }),
          }),
        ),
      ),
    );
    fc.assert(
      fc.property(field, ({ size, signed, bits, bitOffset, raw, localBit }) => {
        const target = bitfieldStruct(size, signed, bits, bitOffset);
        const local = bitfieldStruct(size, signed, 1, localBit);
        const value = (kind: number) =>
          resolveCoreRelocation({ typeId: 2, accessString: '0:0', kind }, local, target).newValue;
        const byteOff = Number(value(K.FieldByteOffset));
        const byteSize = Number(value(K.FieldByteSize));
        const lshift = value(K.FieldLshiftU64);
        const rshift = value(K.FieldRshiftU64);
        const isSigned = value(K.FieldSigned) === 1n;
        assert.equal(isSigned, signed);
        assert.ok([1, 2, 4, 8].includes(byteSize) && byteOff % byteSize === 0);
        const mem = new Uint8Array(72).map((_, i) => (i * 37 + 11) & 0xff); // neighbours hold noise
        store(mem, bitOffset, bits, raw);
        let v = BigInt.asUintN(64, loadLE(mem, byteOff, byteSize) << lshift);
        v = isSigned ? BigInt.asUintN(64, BigInt.asIntN(64, v) >> rshift) : v >> rshift;
        const want = signed ? BigInt.asUintN(64, BigInt.asIntN(bits, raw)) : raw;
        assert.equal(v, want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CO-RE field offsets', () => {
  it('follow the target layout through any nesting of anonymous members', () => {
    const names = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
    const layout = fc.array(
      fc.record({
        offset: fc.integer({ min: 0, max: 500 }),
        wrap: fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 3 }),
      }),
      { minLength: names.length, maxLength: names.length },
    );
    fc.assert(
      fc.property(layout, fc.shuffledSubarray(names, { minLength: 5, maxLength: 5 }), (places, order) => {
        // Local: struct s { int alpha, beta, ...; } in name order.
        const lb = new BtfBuilder();
        lb.add(lb.int('int', 4, true));
        lb.add(
          lb.struct(
            's',
            20,
            names.map((n, i) => [n, 1, i * 32]),
          ),
        );
        const local = parseBtf(lb.build());
        // Target: members in `order`, each wrapped in `wrap.length` anonymous structs at the given byte offsets.
        const tb = new BtfBuilder();
        tb.add(tb.int('int', 4, true));
        const top: [string, number, number][] = [];
        const expected = new Map<string, number>();
        order.forEach((name, i) => {
          const place = places[i]!;
          let type = 1;
          let inner: [string, number] = [name, place.offset];
          let total = place.offset;
          for (const off of place.wrap) {
            type = tb.add(tb.struct('', 1024, [[inner[0], type, inner[1] * 8]], off % 2 === 0 ? 4 : 5)) + 1;
            inner = ['', off];
            total += off;
          }
          top.push([inner[0], type, inner[1] * 8]);
          expected.set(name, total);
        });
        const sId = tb.add(tb.struct('s', 4096, top)) + 1;
        const target = parseBtf(tb.build());
        names.forEach((name, i) => {
          const r = resolveCoreRelocation(
            { typeId: 2, accessString: `0:${i}`, kind: K.FieldByteOffset },
            local,
            target,
          );
          assert.equal(r.targetSpec?.rootTypeId, sId);
          assert.equal(r.newValue, BigInt(expected.get(name)!), name);
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe('CO-RE on untrusted records', () => {
  it('throws only InputError for random type ids, access strings and kinds', () => {
    const { btf } = loadCoreFixture();
    const target = parseBtf(
      (() => {
        const b = new BtfBuilder();
        b.add(b.int('int', 4, true));
        b.add(b.struct('task_struct', 8, [['pid', 1, 0]]));
        return b.build();
      })(),
    );
    const access = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 6 }).map((a) => a.join(':')),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: btf.typeCount + 3 }),
        access,
        fc.integer({ min: 0, max: 14 }),
        (typeId, accessString, kind) => {
          try {
            resolveCoreRelocation({ typeId, accessString, kind }, btf, target);
          } catch (err) {
            assert.ok(err instanceof InputError, `${typeId} '${accessString}' kind ${kind}: ${String(err)}`);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
