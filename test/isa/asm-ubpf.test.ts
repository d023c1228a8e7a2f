import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assemble, detectSyntax, disassemble } from '../../src/isa/asm.js';
import { formatUbpf } from '../../src/isa/disasm-ubpf.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { hexOf } from './llvm-fixture.js';

const ubpf = (text: string) => hexOf(encodeProgram(assemble(text, { syntax: 'ubpf' }).insns));
const one = (text: string) => formatUbpf(assemble(text, { syntax: 'ubpf' }).insns[0]!);

describe('ubpf syntax', () => {
  it('prints the conformance suite syntax', () => {
    assert.equal(one('mov32 %r0, 1'), 'mov32 %r0, 0x1');
    assert.equal(one('ldxw %r2, [%r1+4]'), 'ldxw %r2, [%r1+4]');
    assert.equal(one('ldxw %r2, [%r1+0]'), 'ldxw %r2, [%r1]');
    assert.equal(one('stxdw [%r10-8], %r1'), 'stxdw [%r10-8], %r1');
    assert.equal(one('stw [%r10-8], -1'), 'stw [%r10-8], -0x1');
    assert.equal(one('lock fetch add [%r10-8], %r1'), 'lock fetch add [%r10-8], %r1');
    assert.equal(one('lock cmpxchg32 [%r10-8], %r1'), 'lock cmpxchg32 [%r10-8], %r1');
    assert.equal(one('jeq %r1, 5, +3'), 'jeq %r1, 0x5, +3');
    assert.equal(one('jsgt32 %r1, %r2, -1'), 'jsgt32 %r1, %r2, -1');
    assert.equal(one('call local +4'), 'call local +4');
    assert.equal(one('call %r2'), 'call %r2');
    assert.equal(one('call runtime 7'), 'call runtime 7');
    assert.equal(one('call 5'), 'call 5');
    assert.equal(one('lddw %r0, 0x1122334455667788'), 'lddw %r0, 0x1122334455667788');
    assert.equal(one('lddw %r0, -1'), 'lddw %r0, 0xffffffffffffffff');
    assert.equal(one('be16 %r1'), 'be16 %r1');
    assert.equal(one('movsx864 %r1, %r2'), 'movsx864 %r1, %r2');
    assert.equal(one('sdiv32 %r1, -3'), 'sdiv32 %r1, -0x3');
    assert.equal(one('ja32 -2'), 'ja32 -2');
    assert.equal(one('ldabsh 12'), 'ldabsh 12');
    assert.equal(one('ldindb %r3, -4'), 'ldindb %r3, -4');
  });

  it('reads and prints lddw pseudo sources by name', () => {
    assert.equal(ubpf('lddw %r1, map_fd 3'), '18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00');
    assert.equal(ubpf('lddw %r1, map_value 3, 16'), '18 21 00 00 03 00 00 00 00 00 00 00 10 00 00 00');
    assert.equal(ubpf('lddw %r1, btf_id 123'), '18 31 00 00 7b 00 00 00 00 00 00 00 00 00 00 00');
    assert.equal(ubpf('lddw %r1, map_idx 0'), '18 51 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
    assert.equal(ubpf('lddw %r1, map_idx_value 1, 8'), '18 61 00 00 01 00 00 00 00 00 00 00 08 00 00 00');
    const p = assemble('lddw %r1, func f\nexit\nf:\nexit', { syntax: 'ubpf' });
    assert.equal(p.insns[0]!.imm, 2);
    assert.deepEqual(disassemble(p.insns, { syntax: 'ubpf' }), ['lddw %r1, func +2', 'exit', 'exit']);
  });

  it('accepts 32/64 suffixes, swap aliases, registers without %, hex bit patterns and signed decimals', () => {
    assert.equal(ubpf('add64 %r1, 2'), ubpf('add %r1, 2'));
    assert.equal(ubpf('jeq64 %r1, 2, +0'), ubpf('jeq %r1, 2, +0'));
    assert.equal(ubpf('swap32 %r1'), ubpf('bswap32 %r1'));
    assert.equal(ubpf('mov r1, r2'), ubpf('mov %r1, %r2'));
    assert.equal(ubpf('mov %r1, 0xffffffff'), ubpf('mov %r1, -1'));
    assert.equal(ubpf('mov %r1, 0x80000000'), ubpf('mov %r1, -2147483648'));
    assert.equal(ubpf('lddw %r1, 18446744073709551615'), ubpf('lddw %r1, 0xffffffffffffffff'));
    assert.equal(ubpf('callx %r3'), ubpf('call %r3'));
  });

  it('lets the first exit define the label exit, unless the program defines it', () => {
    const implicit = assemble('jne %r0, 0, exit\nmov %r0, 1\nexit\nexit', { syntax: 'ubpf' });
    assert.equal(implicit.insns[0]!.off, 1);
    assert.equal(implicit.labels.get('exit'), 2);
    const explicit = assemble('jne %r0, 0, exit\nexit\nexit:\nexit', { syntax: 'ubpf' });
    assert.equal(explicit.insns[0]!.off, 1);
  });

  it('resolves labels on their own line or before an instruction, and records source lines', () => {
    const p = assemble(
      '# comment\nstart: mov %r0, 0\n\nloop:\n  add %r0, 1 ; comment\n  jlt %r0, 10, loop\n  ja start\nexit',
      {
        syntax: 'ubpf',
      },
    );
    assert.deepEqual(
      p.insns.map((i) => i.off),
      [0, 0, -2, -4, 0],
    );
    assert.deepEqual(p.lines, [2, 5, 6, 7, 8]);
  });
});

describe('detectSyntax', () => {
  it('recognizes each syntax by its first deciding line', () => {
    assert.equal(detectSyntax('# x\nmov %r0, 1\nexit'), 'ubpf');
    assert.equal(detectSyntax('start:\n  ja +1\nexit'), 'ubpf');
    assert.equal(detectSyntax('lock add [%r10-8], %r1'), 'ubpf');
    assert.equal(detectSyntax('r0 = 1\nexit'), 'llvm');
    assert.equal(detectSyntax('if r1 > r2 goto +1\nexit'), 'llvm');
    assert.equal(detectSyntax('lock *(u64 *)(r10 - 0x8) += r1'), 'llvm');
    assert.equal(detectSyntax('*(u64 *)(r10 - 8) = r1'), 'llvm');
    assert.equal(detectSyntax('w1 s>>= 3'), 'llvm');
    assert.equal(detectSyntax('exit'), 'llvm');
  });

  it('is what assemble uses by default', () => {
    assert.equal(assemble('mov %r0, 1\nexit').syntax, 'ubpf');
    assert.equal(assemble('r0 = 1\nexit').syntax, 'llvm');
  });
});
