/**
 * CO-RE rules one at a time, on tiny BTFs built for each case: flavour names, access-string parsing, candidate
 * matching through anonymous members, flexible arrays, type compatibility and matching, ambiguity, memory-size
 * adjustment, instruction forms, and poisoning with index bookkeeping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Btf } from '../../src/btf/btf.js';
import {
  applyCoreRelocations,
  CORE_POISON_HELPER,
  type CoreInstruction,
  type CoreProgram,
  CoreRelocationError,
  essentialName,
  essentialNameLength,
  CoreReloKind as K,
  resolveCoreRelocation,
  typesAreCompat,
  typesMatch,
} from '../../src/btf/core.js';
import { parseBtf } from '../../src/btf/index.js';
import { InputError } from '../../src/errors.js';
import { BtfBuilder, info } from './builder.js';

/** A BTF from type records written with the builder: `make(b)` returns records in id order. */
function btfOf(make: (b: BtfBuilder) => number[][], name = 't.btf'): Btf {
  const b = new BtfBuilder();
  for (const words of make(b)) b.add(words);
  return parseBtf(b.build(), { file: name });
}

const alu = (imm: number): CoreInstruction => ({ opcode: 0xb7, dst: 1, src: 0, off: 0, imm }); // r1 = imm
const ldxw = (off: number): CoreInstruction => ({ opcode: 0x61, dst: 1, src: 2, off, imm: 0 }); // r1 = *(u32 *)(r2 + off)
const lddw = (v: bigint): CoreInstruction => ({
  opcode: 0x18,
  dst: 1,
  src: 0,
  off: 0,
  imm: Number(BigInt.asIntN(32, v)),
  nextImm: Number(BigInt.asIntN(32, v >> 32n)),
});

describe('flavour names', () => {
  it('strips the last ___suffix, as libbpf does', () => {
    assert.equal(essentialName('task_struct___old'), 'task_struct');
    assert.equal(essentialName('task_struct___old___v2'), 'task_struct___old');
    assert.equal(essentialName('task_struct'), 'task_struct');
    // The separator needs a non-underscore on both sides.
    assert.equal(essentialName('a____b'), 'a____b');
    assert.equal(essentialName('___x'), '___x');
    assert.equal(essentialName('x___'), 'x___');
    assert.equal(essentialNameLength('ab___c'), 2);
  });
});

/** Local: struct s { int a; struct { int b; }; int arr[4]; int flex[]; } with ids 1.. */
function localS(b: BtfBuilder): number[][] {
  return [
    b.int('int', 4, true), // 1
    b.struct('', 4, [['b', 1, 0]]), // 2
    [0, info(3, 0), 0, 1, 1, 4], // 3 int[4]
    [0, info(3, 0), 0, 1, 1, 0], // 4 int[]
    b.struct('s', 24, [
      ['a', 1, 0],
      ['', 2, 32],
      ['arr', 3, 64],
      ['flex', 4, 192],
    ]), // 5
  ];
}

describe('resolveCoreRelocation', () => {
  const local = btfOf(localS);

  it('finds fields through differently arranged anonymous members', () => {
    // Target: struct s { long pad; union { struct { int z; int b; }; }; int a; int arr[8]; int flex[]; }
    const target = btfOf((b) => [
      b.int('int', 4, true), // 1
      b.int('long', 8, true), // 2
      b.struct('', 8, [
        ['z', 1, 0],
        ['b', 1, 32],
      ]), // 3
      b.struct('', 8, [['', 3, 0]], 5), // 4 union
      [0, info(3, 0), 0, 1, 1, 8], // 5
      [0, info(3, 0), 0, 1, 1, 0], // 6
      b.struct('s', 56, [
        ['pad', 2, 0],
        ['', 4, 64],
        ['a', 1, 128],
        ['arr', 5, 160],
        ['flex', 6, 416],
      ]), // 7
    ]);
    const off = (access: string) =>
      resolveCoreRelocation({ typeId: 5, accessString: access, kind: K.FieldByteOffset }, local, target);
    const b = off('0:1:0');
    assert.equal(b.newValue, 12n);
    assert.deepEqual(b.targetSpec?.raw, [0, 1, 0, 1]);
    assert.equal(b.access, 's.b');
    assert.equal(off('0:0').newValue, 16n);
    assert.equal(off('0:2:3').newValue, 20n + 12n);
    // A flexible array may be indexed past its (zero) length, in local and target alike.
    assert.equal(off('0:3:9').newValue, 52n + 36n);
    // Root index: &s[1].a
    assert.equal(off('1:0').newValue, 56n + 16n);
  });

  it('fails to match an index beyond the target array, and poisons', () => {
    const target = btfOf((b) => [
      b.int('int', 4, true),
      b.struct('', 4, [['b', 1, 0]]),
      [0, info(3, 0), 0, 1, 1, 2], // int[2]
      b.struct('s', 12, [
        ['', 2, 0],
        ['arr', 3, 32],
      ]),
    ]);
    const r = resolveCoreRelocation({ typeId: 5, accessString: '0:2:3', kind: K.FieldByteOffset }, local, target);
    assert.equal(r.poison, true);
    assert.equal(r.targetSpec, undefined);
    const exists = resolveCoreRelocation({ typeId: 5, accessString: '0:2:3', kind: K.FieldExists }, local, target);
    assert.deepEqual([exists.origValue, exists.newValue, exists.poison], [1n, 0n, false]);
  });

  it('rejects fields whose types are incompatible (int vs struct) as missing', () => {
    const target = btfOf((b) => [
      b.int('int', 4, true),
      b.struct('x', 4, [['q', 1, 0]]),
      b.struct('s', 4, [['a', 2, 0]]),
    ]);
    const r = resolveCoreRelocation({ typeId: 5, accessString: '0:0', kind: K.FieldByteOffset }, local, target);
    assert.equal(r.poison, true);
  });

  it('refuses ambiguous candidates that disagree, accepts ones that agree', () => {
    const two = (secondOffset: number) =>
      btfOf((b) => [
        b.int('int', 4, true),
        b.struct('s', 8, [['a', 1, 0]]),
        b.struct('s___v2', 8, [['a', 1, secondOffset]]),
      ]);
    const relo = { typeId: 5, accessString: '0:0', kind: K.FieldByteOffset };
    const agree = resolveCoreRelocation(relo, local, two(0));
    assert.deepEqual(agree.candidates, [2, 3]);
    assert.throws(
      () => resolveCoreRelocation(relo, local, two(32), { context: { program: 'p', relo: 4, insn: 7 } }),
      (err: unknown) =>
        err instanceof CoreRelocationError &&
        err instanceof InputError &&
        /^prog 'p': relo #4 \(insn 7, byte_off s\.a\): field offset ambiguity/.test(err.message),
    );
  });

  it('rejects malformed access strings with the relocation named', () => {
    const target = btfOf(localS);
    for (const access of ['', ':0', '0:', '0::1', '0:x', '0:-1', '0:9', '0:2:4']) {
      assert.throws(
        () => resolveCoreRelocation({ typeId: 5, accessString: access, kind: K.FieldByteOffset }, local, target),
        CoreRelocationError,
        `access '${access}'`,
      );
    }
    assert.throws(
      () => resolveCoreRelocation({ typeId: 5, accessString: '0:0', kind: K.TypeExists }, local, target),
      /type-based relocation with access string '0:0'/,
    );
    assert.throws(
      () => resolveCoreRelocation({ typeId: 99, accessString: '0', kind: K.TypeExists }, local, target),
      CoreRelocationError,
    );
    assert.throws(
      () => resolveCoreRelocation({ typeId: 5, accessString: '0', kind: 13 }, local, target),
      /unknown relocation kind 13/,
    );
    // Anonymous root types have no candidates in libbpf: an error, not a poisoning.
    assert.throws(
      () => resolveCoreRelocation({ typeId: 2, accessString: '0:0', kind: K.FieldByteOffset }, local, target),
      /anonymous types are not supported/,
    );
  });

  it('computes type size, existence and ids; the local id needs no target', () => {
    const target = btfOf((b) => [b.int('int', 4, true), b.ref(8, 3, 's'), b.struct('s', 40, [['a', 1, 0]])]);
    const size = resolveCoreRelocation({ typeId: 5, accessString: '0', kind: K.TypeSize }, local, target);
    assert.deepEqual([size.origValue, size.newValue], [24n, 40n]);
    const id = resolveCoreRelocation({ typeId: 5, accessString: '0', kind: K.TypeIdTarget }, local, target);
    assert.deepEqual([id.newValue, id.validate], [3n, false]);
    const localId = resolveCoreRelocation({ typeId: 5, accessString: '0', kind: K.TypeIdLocal }, local, target);
    assert.deepEqual([localId.origValue, localId.newValue], [5n, 5n]);
  });
});

describe('type compatibility and matching', () => {
  // [1] int, [2] unsigned int, [3] struct a {int x;}, [4] ptr->3, [5] enum e {A,B} (4), [6] fwd struct a
  const types = (b: BtfBuilder, xType = 1, enumSize = 4): number[][] => [
    b.int('int', 4, true),
    b.int('unsigned int', 4),
    b.struct('a', 4, [['x', xType, 0]]),
    b.ref(2, 3),
    [b.str('e'), info(6, 2), enumSize, b.str('A'), 0, b.str('B'), 1],
    [b.str('a'), info(7, 0), 0],
    b.ref(2, 6),
  ];
  const one = btfOf((b) => types(b));
  const unsignedX = btfOf((b) => types(b, 2));
  const wideEnum = btfOf((b) => types(b, 1, 8));

  it('types_are_compat ignores int signedness and struct contents', () => {
    assert.equal(typesAreCompat(one, 3, unsignedX, 3), true);
    assert.equal(typesAreCompat(one, 1, unsignedX, 2), true);
    assert.equal(typesAreCompat(one, 4, one, 4), true);
    assert.equal(typesAreCompat(one, 3, one, 1), false);
  });

  it('types_match compares member types, int signedness and enum sizes', () => {
    assert.equal(typesMatch(one, 3, one, 3), true);
    assert.equal(typesMatch(one, 3, unsignedX, 3), false);
    assert.equal(typesMatch(one, 5, wideEnum, 5), false);
    assert.equal(typesMatch(one, 5, one, 5), true);
    // Behind a pointer a struct matches a forward declaration of a struct.
    assert.equal(typesMatch(one, 4, one, 7), true);
    assert.equal(typesMatch(one, 3, one, 6), false);
  });
});

/** struct t { unsigned int u; int i; unsigned long ul; long l; void *p; } locally; the target widens/narrows. */
function widths(b: BtfBuilder, uSize: number, iSize: number): number[][] {
  return [
    b.int('unsigned int', uSize), // 1
    b.int('int', iSize, true), // 2
    b.struct('t', 16, [
      ['u', 1, 0],
      ['i', 2, 64],
    ]), // 3
  ];
}

describe('applyCoreRelocations', () => {
  const local = btfOf((b) => widths(b, 4, 4));

  it('adjusts load sizes for unsigned integers and poisons signed ones that changed width', () => {
    const target = btfOf((b) => widths(b, 8, 8));
    const program: CoreProgram = {
      name: 'p',
      instructions: [ldxw(0), ldxw(8), { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }],
      coreRelocations: [
        { insn: 0, typeId: 3, accessString: '0:0', kind: K.FieldByteOffset },
        { insn: 1, typeId: 3, accessString: '0:1', kind: K.FieldByteOffset },
      ],
    };
    const report = applyCoreRelocations(program, local, target);
    assert.equal(program.instructions[0]!.opcode, 0x79, 'u32 load became a u64 load');
    assert.equal(program.instructions[1]!.imm, CORE_POISON_HELPER);
    assert.equal(report.relocations[1]!.poisoned, true);
    assert.match(report.relocations[1]!.reason!, /changed size/);
  });

  it('refuses instructions that do not hold the local value', () => {
    const program: CoreProgram = {
      name: 'p',
      instructions: [alu(4)],
      coreRelocations: [{ insn: 0, typeId: 3, accessString: '0:1', kind: K.FieldByteOffset }],
    };
    assert.throws(
      () => applyCoreRelocations(program, local, local),
      (err: unknown) =>
        err instanceof CoreRelocationError &&
        err.message === "prog 'p': relo #0 (insn 0, byte_off t.i): unexpected ALU immediate: got 4, expected 8 -> 8",
    );
    const far: CoreProgram = {
      name: 'p',
      instructions: [alu(8)],
      coreRelocations: [{ ...program.coreRelocations[0]!, insn: 3 }],
    };
    assert.throws(() => applyCoreRelocations(far, local, local), /instruction 3 is outside the program/);
    const jump: CoreProgram = {
      name: 'p',
      instructions: [{ opcode: 0x05, dst: 0, src: 0, off: 8, imm: 0 }],
      coreRelocations: [program.coreRelocations[0]!],
    };
    assert.throws(() => applyCoreRelocations(jump, local, local), /cannot relocate instruction: opcode 0x5/);
  });

  it('poisons both slots of an lddw and moves every later index', () => {
    const e = (b: BtfBuilder, names: string[]) => [
      [b.str('e'), info(6, names.length), 4, ...names.flatMap((n, i) => [b.str(n), i + 40])],
    ];
    const localE = btfOf((b) => e(b, ['A', 'GONE']));
    const targetE = btfOf((b) => e(b, ['A']));
    const program: CoreProgram = {
      name: 'p',
      instructions: [lddw(41n), alu(0), lddw(40n), { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }],
      coreRelocations: [
        { insn: 0, typeId: 1, accessString: '1', kind: K.EnumvalValue },
        { insn: 2, typeId: 1, accessString: '0', kind: K.EnumvalValue },
      ],
      mapReferences: [{ insn: 1 }],
      funcReferences: [{ insn: 1, target: 3 }],
      kfuncCalls: new Map([[3, 'bpf_kfunc']]),
      lineInfo: [{ insn: 0 }, { insn: 2 }],
      funcInfo: [{ insn: 0 }],
    };
    const report = applyCoreRelocations(program, localE, targetE);
    const poison = { opcode: 0x85, dst: 0, src: 0, off: 0, imm: CORE_POISON_HELPER };
    assert.deepEqual(program.instructions.slice(0, 2), [poison, poison]);
    assert.equal(program.instructions.length, 5);
    assert.deepEqual(
      report.relocations.map((r) => [r.insn, r.pc, r.poisoned]),
      [
        [0, 0, true],
        [3, 3, false],
      ],
    );
    assert.deepEqual(
      program.coreRelocations.map((r) => r.insn),
      [0, 3],
    );
    assert.deepEqual(program.mapReferences, [{ insn: 2 }]);
    assert.deepEqual(program.funcReferences, [{ insn: 2, target: 4 }]);
    assert.deepEqual([...program.kfuncCalls!], [[4, 'bpf_kfunc']]);
    assert.deepEqual(program.lineInfo, [{ insn: 0 }, { insn: 3 }]);
    assert.deepEqual(program.funcInfo, [{ insn: 0 }]);
    assert.equal(program.instructions[3]!.imm, 40);
  });

  it('keeps pruned candidates across relocations through a shared cache, as libbpf does', () => {
    // Two flavours of s in the target: only s___b has field y. Relocating x (both match) keeps both; relocating y
    // first prunes to s___b, after which x resolves through s___b alone.
    const localXY = btfOf((b) => [
      b.int('int', 4, true),
      b.struct('s', 8, [
        ['x', 1, 0],
        ['y', 1, 32],
      ]),
    ]);
    const target = btfOf((b) => [
      b.int('int', 4, true),
      b.struct('s___a', 8, [['x', 1, 0]]),
      b.struct('s___b', 8, [
        ['x', 1, 0],
        ['y', 1, 32],
      ]),
    ]);
    const program: CoreProgram = {
      name: 'p',
      instructions: [alu(4), alu(0)],
      coreRelocations: [
        { insn: 0, typeId: 2, accessString: '0:1', kind: K.FieldByteOffset },
        { insn: 1, typeId: 2, accessString: '0:0', kind: K.FieldByteOffset },
      ],
    };
    const report = applyCoreRelocations(program, localXY, target);
    assert.deepEqual(
      report.relocations.map((r) => r.targetTypeId),
      [3, 3],
    );
  });
});

describe('CoreRelocationError', () => {
  it('says which relocation, in one line', () => {
    const e = (c: ConstructorParameters<typeof CoreRelocationError>[0]) => new CoreRelocationError(c, 'bad').message;
    assert.equal(
      e({ program: 'p', relo: 3, insn: 9, kindName: 'byte_off', access: 'task_struct.pid' }),
      "prog 'p': relo #3 (insn 9, byte_off task_struct.pid): bad",
    );
    assert.equal(e({ kindName: 'type_size', access: 's' }), 'relo (type_size s): bad');
    assert.equal(e({ program: 'p' }), "prog 'p': bad");
    assert.equal(e({}), 'bad');
  });
});
