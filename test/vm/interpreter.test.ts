import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Instruction } from '../../src/isa/instruction.js';
import { VmFault } from '../../src/vm/fault.js';
import { HelperTable } from '../../src/vm/helper.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { AddressSpace } from '../../src/vm/memory.js';
import { MemoryRunner } from '../../src/vm/run-memory.js';
import { EXIT, I, lddw } from './build.js';
import { arbAluInsn, arbU64 } from './alu-arbitraries.js';
import { referenceRun } from './reference-model.js';

const helpers = new HelperTable().define(5, 'ret_arg1', (c) => c.u64(1));

function run(insns: Instruction[], mem = new Uint8Array(16)): bigint {
  return new MemoryRunner(insns, helpers).run(mem).r0;
}

const r0 = (...body: Instruction[]) => run([...body, EXIT]);
const U64 = (v: bigint) => BigInt.asUintN(64, v);

describe('interpreter: ALU edge cases', () => {
  it('sdiv and smod of INT_MIN by -1', () => {
    assert.equal(r0(lddw(0, -(1n << 63n)), I('sdiv', { dst: 0, imm: -1 })), 1n << 63n);
    assert.equal(r0(lddw(0, -(1n << 63n)), I('smod', { dst: 0, imm: -1 })), 0n);
    assert.equal(r0(I('mov32', { dst: 0, imm: -0x80000000 }), I('sdiv32', { dst: 0, imm: -1 })), 0x80000000n);
    assert.equal(r0(I('mov32', { dst: 0, imm: -0x80000000 }), I('smod32', { dst: 0, imm: -1 })), 0n);
  });
  it('signed modulo truncates toward zero', () => {
    assert.equal(r0(I('mov', { dst: 0, imm: -13 }), I('smod', { dst: 0, imm: 3 })), U64(-1n));
    assert.equal(r0(I('mov', { dst: 0, imm: -13 }), I('sdiv', { dst: 0, imm: 3 })), U64(-4n));
  });
  it('division by zero gives 0, modulo by zero keeps dst (32-bit zeroes the upper half)', () => {
    assert.equal(r0(I('mov', { dst: 0, imm: 7 }), I('mov', { dst: 1, imm: 0 }), I('div', { dst: 0, src: 1 })), 0n);
    assert.equal(
      r0(I('mov', { dst: 0, imm: -7 }), I('mov', { dst: 1, imm: 0 }), I('mod', { dst: 0, src: 1 })),
      U64(-7n),
    );
    assert.equal(
      r0(I('mov', { dst: 0, imm: -7 }), I('mov', { dst: 1, imm: 0 }), I('mod32', { dst: 0, src: 1 })),
      0xfffffff9n,
    );
    assert.equal(r0(I('mov', { dst: 0, imm: -7 }), I('sdiv32', { dst: 0, imm: 0 })), 0n);
  });
  it('shifts are masked to 63 and 31', () => {
    assert.equal(r0(I('mov', { dst: 0, imm: 1 }), I('lsh', { dst: 0, imm: 63 })), 1n << 63n);
    assert.equal(r0(I('mov', { dst: 0, imm: 1 }), I('mov', { dst: 1, imm: 64 }), I('lsh', { dst: 0, src: 1 })), 1n);
    assert.equal(r0(I('mov', { dst: 0, imm: 1 }), I('lsh32', { dst: 0, imm: 32 })), 1n);
    assert.equal(r0(I('mov', { dst: 0, imm: -1 }), I('rsh', { dst: 0, imm: 63 })), 1n);
    assert.equal(r0(I('mov', { dst: 0, imm: -8 }), I('arsh', { dst: 0, imm: 1 })), U64(-4n));
    assert.equal(r0(I('mov', { dst: 0, imm: -8 }), I('arsh32', { dst: 0, imm: 1 })), 0xfffffffcn);
  });
  it('32-bit operations zero-extend; 64-bit immediates are sign-extended', () => {
    assert.equal(r0(I('mov', { dst: 0, imm: -1 }), I('add32', { dst: 0, imm: 0 })), 0xffffffffn);
    assert.equal(r0(I('mov32', { dst: 0, imm: -1 })), 0xffffffffn);
    assert.equal(r0(I('mov', { dst: 0, imm: -1 })), U64(-1n));
    assert.equal(r0(I('mov', { dst: 0, imm: 0 }), I('add', { dst: 0, imm: -1 })), U64(-1n));
    assert.equal(r0(lddw(0, 0xffffffffn), I('div', { dst: 0, imm: -1 })), 0n); // -1 as imm is 2^64-1 unsigned
  });
  it('byte order conversions truncate to their width', () => {
    assert.equal(r0(lddw(0, 0x1122334455667788n), I('le16', { dst: 0 })), 0x7788n);
    assert.equal(r0(lddw(0, 0x1122334455667788n), I('le32', { dst: 0 })), 0x55667788n);
    assert.equal(r0(lddw(0, 0x1122334455667788n), I('be16', { dst: 0 })), 0x8877n);
    assert.equal(r0(lddw(0, 0x1122334455667788n), I('be64', { dst: 0 })), 0x8877665544332211n);
    assert.equal(r0(lddw(0, 0x1122334455667788n), I('bswap32', { dst: 0 })), 0x88776655n);
  });
  it('sign-extending moves', () => {
    assert.equal(r0(I('mov', { dst: 1, imm: 0x80 }), I('movsx864', { dst: 0, src: 1 })), U64(-128n));
    assert.equal(r0(I('mov', { dst: 1, imm: 0x8000 }), I('movsx1632', { dst: 0, src: 1 })), 0xffff8000n);
    assert.equal(r0(lddw(1, 0x80000000n), I('movsx3264', { dst: 0, src: 1 })), U64(-0x80000000n));
  });
  it('neg of INT_MIN wraps', () => {
    assert.equal(r0(lddw(0, 1n << 63n), I('neg', { dst: 0 })), 1n << 63n);
    assert.equal(r0(I('mov32', { dst: 0, imm: -0x80000000 }), I('neg32', { dst: 0 })), 0x80000000n);
  });
});

describe('interpreter: memory', () => {
  it('loads and stores every size through the stack, with sign extension', () => {
    const prog = [
      lddw(1, 0x8182838485868788n),
      I('stxdw', { dst: 10, src: 1, off: -8 }),
      I('ldxsb', { dst: 2, src: 10, off: -8 }),
      I('ldxsh', { dst: 3, src: 10, off: -8 }),
      I('ldxsw', { dst: 4, src: 10, off: -8 }),
      I('ldxb', { dst: 5, src: 10, off: -1 }),
      I('mov', { dst: 0, src: 2 }),
      I('add', { dst: 0, src: 3 }),
      I('add', { dst: 0, src: 4 }),
      I('add', { dst: 0, src: 5 }),
      EXIT,
    ];
    const expected = U64(BigInt.asIntN(8, 0x88n) + BigInt.asIntN(16, 0x8788n) + BigInt.asIntN(32, 0x85868788n) + 0x81n);
    assert.equal(run(prog), expected);
  });
  it('cmpxchg leaves memory alone when r0 differs and returns the old value', () => {
    const prog = [
      I('stdw', { dst: 10, off: -8, imm: 5 }),
      I('mov', { dst: 0, imm: 4 }),
      I('mov', { dst: 1, imm: 9 }),
      I('lock cmpxchg', { dst: 10, src: 1, off: -8 }),
      I('ldxdw', { dst: 2, src: 10, off: -8 }),
      I('lsh', { dst: 0, imm: 8 }),
      I('or', { dst: 0, src: 2 }),
      EXIT,
    ];
    assert.equal(run(prog), (5n << 8n) | 5n);
  });
  it('atomic fetch-add returns the old value zero-extended (32-bit)', () => {
    const prog = [
      I('stw', { dst: 10, off: -4, imm: -1 }),
      I('mov', { dst: 1, imm: 1 }),
      I('lock fetch add32', { dst: 10, src: 1, off: -4 }),
      I('ldxw', { dst: 0, src: 10, off: -4 }),
      I('lsh', { dst: 1, imm: 32 }),
      I('or', { dst: 0, src: 1 }),
      EXIT,
    ];
    assert.equal(run(prog), 0xffffffffn << 32n);
  });
  it('faults on an out-of-bounds read with pc, address, size and the nearest region', () => {
    const runner = new MemoryRunner([I('ldxw', { dst: 0, src: 1, off: 14 }), EXIT], helpers);
    assert.throws(
      () => runner.run(new Uint8Array(16)),
      (err: unknown) =>
        err instanceof VmFault &&
        err.kind === 'read' &&
        err.pc === 0 &&
        err.size === 4 &&
        err.region?.name === 'memory' &&
        /straddles the end of memory/.test(err.message),
    );
  });
  it('faults on null and on reserved host memory', () => {
    assert.throws(() => r0(I('mov', { dst: 1, imm: 0 }), I('ldxb', { dst: 0, src: 1 })), VmFault);
    assert.throws(() => r0(I('mov', { dst: 1, imm: 8 }), I('stxb', { dst: 1, src: 1 })), VmFault);
    assert.throws(() => r0(lddw(1, 1n << 32n), I('ldxb', { dst: 0, src: 1 })), VmFault);
  });
  it('read-only regions reject stores', () => {
    const space = new AddressSpace();
    const ro = space.alloc(8, 'rodata', 'map-value', false);
    const interp = new Interpreter([I('stb', { dst: 1, imm: 1 }), EXIT], space, helpers);
    assert.throws(
      () => interp.run({ args: [ro.start] }),
      (e: unknown) => e instanceof VmFault && e.kind === 'write',
    );
    const read = new Interpreter([I('ldxb', { dst: 0, src: 1 }), EXIT], space, helpers);
    assert.equal(read.run({ args: [ro.start] }).r0, 0n);
  });
  it('partial chunks are checked exactly', () => {
    const runner = new MemoryRunner([I('ldxb', { dst: 0, src: 1, off: 5 }), EXIT], helpers);
    assert.throws(() => runner.run(new Uint8Array(5)), VmFault);
    assert.equal(runner.run(Uint8Array.from([0, 0, 0, 0, 0, 42])).r0, 42n);
  });
});

describe('interpreter: control flow', () => {
  it('local calls preserve r6..r9 and give the callee a fresh frame', () => {
    const prog = [
      I('mov', { dst: 6, imm: 6 }),
      I('stdw', { dst: 10, off: -8, imm: 77 }),
      I('call local', { imm: 4 }),
      I('ldxdw', { dst: 1, src: 10, off: -8 }),
      I('add', { dst: 0, src: 6 }),
      I('add', { dst: 0, src: 1 }),
      EXIT,
      // callee
      I('mov', { dst: 6, imm: 100 }),
      I('stdw', { dst: 10, off: -8, imm: 1 }),
      I('mov', { dst: 0, imm: 1000 }),
      EXIT,
    ];
    assert.equal(run(prog), 1000n + 6n + 77n);
  });
  it('more than 8 frames fault', () => {
    const prog = [I('call local', { imm: -1 }), EXIT];
    assert.throws(
      () => run(prog),
      (e: unknown) => e instanceof VmFault && e.kind === 'call-depth',
    );
  });
  it('the instruction budget stops an endless loop', () => {
    const runner = new MemoryRunner([I('ja', { off: -1 }), EXIT], helpers);
    assert.throws(
      () => runner.run(new Uint8Array(1), { budget: 1000 }),
      (e: unknown) => e instanceof VmFault && e.kind === 'budget',
    );
  });
  it('signed and unsigned, 64- and 32-bit compares', () => {
    const cmp = (mn: string, a: bigint, b: bigint) =>
      r0(
        lddw(1, a),
        lddw(2, b),
        I('mov', { dst: 0, imm: 1 }),
        I(mn, { dst: 1, src: 2, off: 1 }),
        I('mov', { dst: 0, imm: 0 }),
      );
    assert.equal(cmp('jgt', U64(-1n), 1n), 1n);
    assert.equal(cmp('jsgt', U64(-1n), 1n), 0n);
    assert.equal(cmp('jslt32', 0x1_ffff_ffffn, 0n), 1n);
    assert.equal(cmp('jlt32', 0x1_0000_0001n, 2n), 1n);
    assert.equal(cmp('jset', 0x1_0000_0000n, 0x1_0000_0000n), 1n);
    assert.equal(cmp('jset32', 0x1_0000_0000n, 0x1_0000_0000n), 0n);
  });
  it('helpers by id and callx by register; unknown helpers fault', () => {
    assert.equal(r0(I('mov', { dst: 1, imm: 42 }), I('call', { imm: 5 })), 42n);
    assert.equal(r0(I('mov', { dst: 1, imm: 43 }), I('mov', { dst: 2, imm: 5 }), I('callx', { dst: 2 })), 43n);
    assert.throws(
      () => r0(I('call', { imm: 999 })),
      (e: unknown) => e instanceof VmFault && e.kind === 'helper',
    );
  });
  it('LD_ABS loads big-endian and ends the program with 0 when out of bounds', () => {
    const runner = new MemoryRunner([I('ldabsh', { imm: 1 }), EXIT], helpers);
    assert.equal(runner.run(Uint8Array.from([0, 0x12, 0x34]), { packet: true }).r0, 0x1234n);
    assert.equal(runner.run(Uint8Array.from([0, 0x12]), { packet: true }).r0, 0n);
  });
});

describe('interpreter vs BigInt reference model', () => {
  it('random straight-line ALU programs give the same registers', () => {
    fc.assert(
      fc.property(
        fc.array(arbU64, { minLength: 10, maxLength: 10 }),
        fc.array(arbAluInsn, { maxLength: 40 }),
        (init, body) => {
          const prologue = init.map((v, i) => lddw(i, v));
          const space = new AddressSpace({ maxBytes: 1 << 20 });
          const interp = new Interpreter([...prologue, ...body, EXIT], space, helpers);
          interp.run();
          const expected = referenceRun(body, init);
          for (let i = 0; i < 10; i++) {
            const got = space.view.getBigUint64(interp.registers + 8 * i, true);
            assert.equal(got, expected[i], `r${i}`);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
