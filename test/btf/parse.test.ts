import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BtfError, BtfKind, loadBtf, parseBtf } from '../../src/btf/index.js';
import { BtfBuilder, info } from './builder.js';
import { fixture, fixtureBtfSection } from './helpers.js';

const kinds = loadBtf(fixture('kinds.o'), { name: 'kinds.o' });

describe('parseBtf on clang output', () => {
  it('decodes every kind', () => {
    const seen = new Set<number>();
    for (const t of kinds.types()) seen.add(t.kind);
    for (let k = 1; k <= 19; k++) assert.ok(seen.has(k), `kind ${k} present in kinds.o`);
    assert.equal(kinds.typeCount, 99);
  });

  it('decodes ints, enums, enum64 and floats', () => {
    const int = kinds.type(1);
    assert.deepEqual(int, { id: 1, name: 'int', kind: BtfKind.Int, size: 4, encoding: 1, bitOffset: 0, bits: 32 });
    const sign = kinds.type(kinds.find('sign', BtfKind.Enum)!);
    assert.ok(sign.kind === BtfKind.Enum && sign.signed);
    assert.deepEqual(sign.kind === BtfKind.Enum && sign.values.map((v) => v.value), [-2, 0, 2]);
    const sbig = kinds.type(kinds.find('sbig')!);
    assert.ok(sbig.kind === BtfKind.Enum64);
    assert.deepEqual(sbig.kind === BtfKind.Enum64 && sbig.values, [
      { name: 'SNEG', value: -0x1234567890n },
      { name: 'SPOS', value: 1n },
    ]);
    const big = kinds.type(kinds.find('big')!);
    assert.deepEqual(big.kind === BtfKind.Enum64 && big.values.map((v) => v.value), [1n, 0x1234567890n]);
    assert.equal(kinds.sizeof(kinds.find('long double')!), 8);
  });

  it('computes bitfield offsets, sizes, sizeof and alignof', () => {
    const bits = kinds.find('bits', BtfKind.Struct)!;
    assert.deepEqual(
      kinds.members(bits).map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
      [
        ['a', 0, 3],
        ['b', 3, 5],
        ['c', 8, 7],
        ['d', 16, 0],
        ['e', 24, 40],
        ['f', 64, 2],
        ['col', 66, 4],
      ],
    );
    assert.equal(kinds.sizeof(bits), 16);
    assert.equal(kinds.alignof(bits), 8);
    const packed = kinds.find('packed', BtfKind.Struct)!;
    assert.equal(kinds.sizeof(packed), 7);
    assert.equal(kinds.alignof(packed), 1);
    const matrix = kinds.find('matrix')!;
    const m = kinds.members(matrix)[0]!;
    assert.equal(kinds.sizeof(m.type), 48); // int[3][4]
    assert.equal(kinds.sizeof(kinds.find('everything')!), 368);
    assert.equal(kinds.alignof(kinds.find('everything')!), 8); // libbpf caps alignment at the pointer size
  });

  it('resolves typedefs and modifiers, member paths through anonymous members', () => {
    const quals = kinds.find('quals')!;
    const cv = kinds.members(quals)[0]!;
    assert.equal(kinds.kind(cv.type), BtfKind.Const);
    assert.equal(kinds.resolve(cv.type), 1);
    const u32 = kinds.find('u32', BtfKind.Typedef)!;
    assert.equal(kinds.name(kinds.resolve(u32)), 'unsigned int');
    const anon = kinds.find('with_anon')!;
    assert.deepEqual(kinds.memberOffset(anon, 'hi'), { bitOffset: 96, bitfieldSize: 0, type: u32 });
    assert.equal(kinds.memberOffset(anon, 'named_anon.nested_b').bitOffset, 128 + 32);
    assert.equal(kinds.memberOffset(kinds.find('everything')!, 'anon.whole').bitOffset, 192 + 64);
    assert.throws(() => kinds.memberOffset(anon, 'nope'), /no member 'nope' in with_anon/);
  });

  it('finds types by name and kind, including duplicates', () => {
    assert.deepEqual(
      kinds.findByName('u8').map((id) => kinds.kind(id)),
      [BtfKind.Typedef],
    );
    assert.equal(kinds.find('bits', BtfKind.Union), undefined);
    assert.equal(kinds.find('no such type'), undefined);
    assert.equal(kinds.findByName('LICENSE').length, 1);
  });

  it('reports sizeless types and out-of-range ids as BtfError', () => {
    assert.throws(() => kinds.sizeof(0), /void has no size/);
    assert.throws(() => kinds.sizeof(kinds.find('opaque', BtfKind.Fwd)!), /forward declaration has no size/);
    assert.throws(() => kinds.type(99), /type id 99 out of range \(last id is 98\)/);
    assert.throws(() => kinds.alignof(kinds.find('helper_add')!), BtfError);
  });

  it('parses big-endian BTF to the same types', () => {
    const be = loadBtf(fixture('kinds.eb.o'));
    assert.equal(be.littleEndian, false);
    assert.deepEqual([...be.types()], [...kinds.types()]);
  });
});

/** A builder with int (1) and whatever the test adds. */
function withInt(): BtfBuilder {
  const b = new BtfBuilder();
  b.add(b.int('int', 4, true));
  return b;
}

describe('parseBtf on malformed input', () => {
  it('rejects truncated headers and bad magic', () => {
    const raw = fixtureBtfSection('kinds.o');
    assert.throws(
      () => parseBtf(raw.subarray(0, 10), { file: 'x.o' }),
      /^BtfError: x\.o: \.BTF: at offset 0x0: header: 10 bytes/,
    );
    const bad = raw.slice();
    bad[0] = 0x12;
    assert.throws(() => parseBtf(bad), /bad magic 0x12eb/);
    assert.throws(
      () => parseBtf(raw.subarray(0, raw.length - 5)),
      /string section 0x[0-9a-f]+\+0x[0-9a-f]+ past end of data/,
    );
  });

  it('rejects a truncated type record, naming the type id and offset', () => {
    const b = withInt();
    b.add(b.struct('s', 4, [['a', 1, 0]]));
    const blob = b.build();
    const view = new DataView(blob.buffer);
    view.setUint32(24 + 16 + 4, info(4, 50), true); // second type claims 50 members
    assert.throws(() => parseBtf(blob), /type \[2\] at offset 0x28: STRUCT with vlen 50 runs past the end/);
  });

  it('rejects unknown kinds', () => {
    const b = withInt();
    b.add([0, info(25, 0), 0]);
    assert.throws(() => parseBtf(b.build()), /type \[2\] at offset 0x2c: unknown kind 25/);
  });

  it('rejects out-of-range type ids and string offsets', () => {
    let b = withInt();
    b.add(b.ref(BtfKind.Ptr, 7));
    assert.throws(
      () => parseBtf(b.build()),
      /type \[2\] at offset 0x30: referenced type id 7 out of range \(last id is 2\)/,
    );
    b = withInt();
    b.add(b.struct('s', 4, [['a', 1, 0]]));
    const words = b.build();
    new DataView(words.buffer).setUint32(24 + 16 + 12 + 4, 3, true); // member type
    assert.throws(() => parseBtf(words), /type \[2\].*member 0 type id 3 out of range/);
    b = withInt();
    b.add([5000, info(BtfKind.Typedef, 0), 1]);
    assert.throws(
      () => parseBtf(b.build()),
      /type \[2\] at offset 0x28: name string offset 0x1388 outside the string section/,
    );
  });

  it('rejects typedef and pointer cycles instead of hanging', () => {
    let b = withInt();
    b.add(b.ref(BtfKind.Typedef, 3, 'a'));
    b.add(b.ref(BtfKind.Typedef, 2, 'b'));
    assert.throws(() => parseBtf(b.build()), /TYPEDEF is part of a type cycle/);
    b = withInt();
    b.add(b.ref(BtfKind.Ptr, 2));
    assert.throws(() => parseBtf(b.build()), /type \[2\].*PTR is part of a type cycle/);
    b = withInt();
    b.add([0, info(BtfKind.Array, 0), 0, 2, 1, 4]);
    assert.throws(() => parseBtf(b.build()), /ARRAY is part of a type cycle/);
  });

  it('reports a struct that contains itself when its alignment is asked, instead of recursing forever', () => {
    const b = withInt();
    b.add(b.struct('a', 8, [['x', 3, 0]]));
    b.add(b.struct('b', 8, [['y', 2, 0]]));
    const btf = parseBtf(b.build());
    assert.equal(btf.sizeof(2), 8); // sizes come from the struct header
    assert.throws(() => btf.alignof(2), /type \[2\].*contains itself/);
  });

  it('rejects a FUNC whose type is not a FUNC_PROTO and bad decl tag indices', () => {
    let b = withInt();
    b.add(b.ref(BtfKind.Func, 1, 'f'));
    assert.throws(() => parseBtf(b.build()), /FUNC type 1 is not a FUNC_PROTO/);
    b = withInt();
    b.add(b.struct('s', 4, [['a', 1, 0]]));
    b.add([b.str('tag'), info(BtfKind.DeclTag, 0), 2, 3]);
    assert.throws(() => parseBtf(b.build()), /DECL_TAG component index 3 out of range \(1\)/);
  });
});
