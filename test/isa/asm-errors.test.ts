import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { type AsmOptions, assemble } from '../../src/isa/asm.js';
import { AsmError } from '../../src/isa/asm-error.js';

/** Asserts that assembling `text` fails with exactly `message` (which names line and column). */
function fails(text: string, syntax: 'llvm' | 'ubpf', message: string, options: AsmOptions = {}): void {
  assert.throws(
    () => assemble(text, { syntax, ...options }),
    (err: unknown) => {
      assert.ok(err instanceof AsmError && err instanceof InputError, String(err));
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('assembler errors', () => {
  it('expected register', () =>
    fails('exit\nexit\nneg %r0\nneg 1', 'ubpf', 'line 4, column 5: expected register (%r0..%r10 or r0..r10)'));
  it('expected register or immediate', () =>
    fails('add %r1, ', 'ubpf', 'line 1, column 10: expected register or immediate at end of line'));
  it('expected operator', () => fails('if r1 goto +1', 'llvm', "line 1, column 7: unknown comparison 'goto'"));
  it('register out of range', () =>
    fails('mov %r11, 1', 'ubpf', 'line 1, column 5: register %r11 out of range (%r0..%r10)'));
  it('llvm register out of range', () =>
    fails('w12 = 1', 'llvm', 'line 1, column 1: register w12 out of range (w0..w10)'));
  it('unknown mnemonic', () => fails('  frob %r1', 'ubpf', "line 1, column 3: unknown mnemonic 'frob'"));
  it('unknown llvm instruction', () => fails('frob r1', 'llvm', "line 1, column 1: unknown instruction 'frob'"));
  it('immediate above 32 bits', () =>
    fails('mov %r0, 0x100000000', 'ubpf', 'line 1, column 10: immediate 0x100000000 does not fit in 32 bits'));
  it('decimal immediate above the signed range', () =>
    fails('r0 = 2147483648', 'llvm', 'line 1, column 6: immediate 2147483648 does not fit in 32 bits'));
  it('negative immediate below the signed range', () =>
    fails('r0 = -0x80000001', 'llvm', 'line 1, column 6: immediate -0x80000001 does not fit in 32 bits'));
  it('lddw constant above 64 bits', () =>
    fails(
      'lddw %r0, 0x10000000000000000',
      'ubpf',
      'line 1, column 11: lddw constant 0x10000000000000000 does not fit in 64 bits',
    ));
  it('offset above 16 bits', () =>
    fails('ldxw %r0, [%r1+32768]', 'ubpf', 'line 1, column 15: offset 32768 does not fit in 16 bits'));
  it('jump offset above 16 bits', () =>
    fails('goto -0x8001', 'llvm', 'line 1, column 6: jump offset -0x8001 does not fit in 16 bits'));
  it('shift by the width or more', () =>
    fails(
      'lsh32 %r0, 32',
      'ubpf',
      'line 1, column 12: shift amount 32 is out of range 0..31 (the kernel rejects it; allowLargeShifts accepts it)',
    ));
  it('negative shift', () =>
    fails(
      'r1 s>>= -1',
      'llvm',
      'line 1, column 9: shift amount -1 is out of range 0..63 (the kernel rejects it; allowLargeShifts accepts it)',
    ));
  it('large shifts pass when allowed', () =>
    assert.equal(assemble('lsh %r0, 64', { syntax: 'ubpf', allowLargeShifts: true }).insns[0]!.imm, 64));
  it('undefined label', () => fails('ja nowhere\nexit', 'ubpf', "line 1, column 4: undefined label 'nowhere'"));
  it('label defined twice', () => fails('a: exit\na: exit', 'llvm', "line 2, column 1: label 'a' is already defined"));
  it('label out of jump range', () =>
    fails(
      `goto far\n${'r0 = 0\n'.repeat(40000)}far: exit`,
      'llvm',
      "line 1, column 6: label 'far' is 40000 slots away, out of 16-bit range",
    ));
  it('unexpected trailing operand', () => fails('exit %r0', 'ubpf', "line 1, column 6: unexpected '%r0'"));
  it('unexpected character', () => fails('r0 = 1 @', 'llvm', "line 1, column 8: unexpected character '@'"));
  it('malformed number', () => fails('r0 = 12ab', 'llvm', "line 1, column 6: malformed number '12a'"));
  it('mixed register widths', () => fails('w1 += r2', 'llvm', 'line 1, column 7: expected a w register like w1'));
  it('neg of another register', () =>
    fails('r1 = -r2', 'llvm', 'line 1, column 7: expected r1 (neg negates in place)'));
  it('lddw into a w register', () =>
    fails('w1 = 1 ll', 'llvm', 'line 1, column 1: lddw loads a 64-bit register: expected rN'));
  it('bad memory operand', () =>
    fails('r0 = *(u128 *)(r1 + 0)', 'llvm', 'line 1, column 8: expected u8, u16, u32 or u64'));
  it('instruction the table lacks', () =>
    fails('w1 = (s32)w2', 'llvm', 'line 1, column 7: no such instruction: w = (s32)'));
  it('names the file when given one', () =>
    fails('exit\nbogus', 'ubpf', "prog.s: line 2, column 1: unknown mnemonic 'bogus'", { file: 'prog.s' }));
});
