import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Instruction } from '../../src/isa/instruction.js';
import { VerifierError } from '../../src/kernel/errors.js';
import { KernelProgram } from '../../src/kernel/prog.js';
import { highHalfVariant, kernelRunRaw } from '../../src/kernel/raw-run.js';
import { bpfUnavailable, openFds } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping kernel program tests: ${skip}`);

const insn = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });
const MOV64_IMM = 0xb7;
const EXIT = 0x95;
const XDP_PASS = 2;

describe('KernelProgram', { skip: skip ?? false }, () => {
  let fdsBefore: string[];
  before(() => {
    KernelProgram.load({ type: 'SOCKET_FILTER', insns: [insn(MOV64_IMM), insn(EXIT)] }).close();
    fdsBefore = openFds();
  });
  after(() => assert.deepEqual(openFds(), fdsBefore, 'every fd opened by the tests is closed'));

  test('r0 = 42; exit as SOCKET_FILTER test-runs to 42', () => {
    const prog = KernelProgram.load({
      type: 'SOCKET_FILTER',
      insns: [insn(MOV64_IMM, 0, 0, 0, 42), insn(EXIT)],
      name: 'answer',
      logLevel: 1,
    });
    try {
      assert.match(prog.log, /processed 2 insns/);
      const result = prog.testRun({ data: new Uint8Array(64), repeat: 3 });
      assert.equal(result.retval, 42);
      const info = prog.info();
      assert.equal(info.name, 'answer');
      assert.equal(info.xlatedSize, 16);
      assert.match(info.tag, /^[0-9a-f]{16}$/);
    } finally {
      prog.close();
    }
  });

  test('XDP_PASS on a 64-byte packet leaves the packet unchanged', () => {
    const prog = KernelProgram.load({ type: 'XDP', insns: [insn(MOV64_IMM, 0, 0, 0, XDP_PASS), insn(EXIT)] });
    try {
      const packet = Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 3) & 0xff);
      const result = prog.testRun({ data: packet });
      assert.equal(result.retval, XDP_PASS);
      assert.deepEqual(result.data, packet);
    } finally {
      prog.close();
    }
  });

  test('a rejected program throws a VerifierError carrying the log', () => {
    // exit without setting r0
    const error = catchError(() => KernelProgram.load({ type: 'SOCKET_FILTER', insns: [insn(EXIT)] }));
    assert.ok(error instanceof VerifierError, String(error));
    assert.equal(error.code, 'EACCES');
    assert.match(error.log, /R0 !read_ok/);
    assert.match(error.message, /BPF_PROG_LOAD failed: EACCES: R0 !read_ok/);
  });

  test('the log grows past a too-small initial buffer and is kept whole', () => {
    const body: Instruction[] = [];
    for (let i = 0; i < 200; i++) body.push(insn(0x07, 0, 0, 0, 1)); // r0 += 1
    const prog = KernelProgram.load({
      type: 'SOCKET_FILTER',
      insns: [insn(MOV64_IMM), ...body, insn(EXIT)],
      logLevel: 2,
      logSize: 256,
    });
    try {
      assert.ok(prog.log.length > 256, `log of ${prog.log.length} bytes`);
      assert.match(prog.log, /^func#0 @0\n/, 'the log starts at its beginning (not a rotated tail)');
      assert.match(prog.log, /processed 202 insns/);
    } finally {
      prog.close();
    }
  });

  test('kernelRunRaw: r1 points at memory, stores are visible, all 64 bits of r0', () => {
    const memory = new Uint8Array(16);
    new DataView(memory.buffer).setBigUint64(0, 0x1122334455667788n, true);
    const result = kernelRunRaw(
      [
        insn(0x79, 0, 1, 0), // r0 = *(u64 *)(r1 + 0)
        insn(0x07, 0, 0, 0, 1), // r0 += 1
        insn(0x62, 1, 0, 8, 7), // *(u32 *)(r1 + 8) = 7
        insn(EXIT),
      ],
      { data: memory },
    );
    assert.equal(result.retval, 0x1122334455667789n);
    assert.equal(new DataView(result.data.buffer).getUint32(8, true), 7);
  });

  test('kernelRunRaw: subprograms and raw bytes', () => {
    const bytes = new Uint8Array([
      0x85,
      0x10,
      0,
      0,
      1,
      0,
      0,
      0, // call +1 (local)
      0x95,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // exit
      0x18,
      0,
      0,
      0,
      0x0d,
      0xf0,
      0xfe,
      0xca, // r0 = 0xdeadbeefcafef00d ll
      0,
      0,
      0,
      0,
      0xef,
      0xbe,
      0xad,
      0xde,
      0x95,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // exit
    ]);
    assert.equal(kernelRunRaw(bytes).retval, 0xdeadbeefcafef00dn);
    assert.equal(kernelRunRaw(bytes, { wide: false }).retval, 0xcafef00dn);
  });

  test('kernelRunRaw as XDP passes memory as the packet', () => {
    const result = kernelRunRaw([insn(MOV64_IMM, 0, 0, 0, XDP_PASS), insn(EXIT)], {
      progType: 'XDP',
      data: new Uint8Array(64).fill(9),
      repeat: 2,
    });
    assert.equal(result.retval, 2n);
    assert.deepEqual(result.data, new Uint8Array(64).fill(9));
  });
});

describe('highHalfVariant', () => {
  test('redirects main exits to an epilogue before the first subprogram and re-aims calls', () => {
    const program = [
      insn(0x15, 1, 0, 1, 0), // if r1 == 0 goto +1
      insn(EXIT),
      insn(0x85, 0, 1, 0, 1), // call +1
      insn(EXIT),
      insn(MOV64_IMM, 0, 0, 0, 5), // subprogram
      insn(EXIT),
    ];
    assert.deepEqual(highHalfVariant(program), [
      insn(0x15, 1, 0, 1, 0),
      insn(0x05, 0, 0, 2), // exit -> ja epilogue at 4
      insn(0x85, 0, 1, 0, 3), // call re-aimed to 6
      insn(0x05, 0, 0, 0), // exit -> ja +0
      insn(0x77, 0, 0, 0, 32),
      insn(EXIT),
      insn(MOV64_IMM, 0, 0, 0, 5),
      insn(EXIT),
    ]);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}
