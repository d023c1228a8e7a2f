import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assemble } from '../../src/isa/asm.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { hexOf, readLlvmPairs } from './llvm-fixture.js';

const llvm = (text: string) => hexOf(encodeProgram(assemble(text, { syntax: 'llvm' }).insns));

describe('llvm syntax assembler', () => {
  it('assembles every recorded llvm-objdump text into the bytes it was printed for', () => {
    const wrong: string[] = [];
    for (const p of readLlvmPairs()) {
      const got = hexOf(encodeProgram(assemble(p.text, { syntax: 'llvm', allowLargeShifts: true }).insns));
      if (got !== p.hex) wrong.push(`line ${p.line}: ${p.text} -> ${got}, expected ${p.hex}`);
    }
    assert.deepEqual(wrong.slice(0, 10), []);
  });

  it('reads what llvm-mc reads beyond objdump text: decimal, labels, w registers in memory ops, no offset', () => {
    assert.equal(llvm('r1 = 1234605616436508552 ll'), llvm('r1 = 0x1122334455667788 ll'));
    assert.equal(llvm('*(u32 *)(r1 - 8) = w2'), '63 21 f8 ff 00 00 00 00');
    assert.equal(llvm('w1 = *(u32 *)(r2)'), '61 21 00 00 00 00 00 00');
    assert.equal(llvm('r0 = -1'), 'b7 00 00 00 ff ff ff ff');
    assert.equal(llvm('r0 = 0xffffffff'), 'b7 00 00 00 ff ff ff ff');
    assert.equal(llvm('r1 = 0xffffffff ll'), '18 01 00 00 ff ff ff ff 00 00 00 00 00 00 00 00');
  });

  it('resolves labels for goto, gotol, if and local calls, forwards and backwards', () => {
    const program = assemble(
      [
        'start:',
        '  r0 = 0',
        '  if r1 s> r2 goto done',
        '  call helper',
        '  gotol start',
        'done: exit',
        'helper:',
        '  exit',
      ].join('\n'),
      { syntax: 'llvm' },
    );
    assert.deepEqual(
      program.insns.map((i) => [i.off, i.imm]),
      [
        [0, 0],
        [2, 0],
        [0, 2],
        [0, -4],
        [0, 0],
        [0, 0],
      ],
    );
    assert.equal(program.insns[2]!.src, 1, 'call to a label is a local call');
    assert.deepEqual(
      [...program.labels],
      [
        ['start', 0],
        ['done', 4],
        ['helper', 5],
      ],
    );
  });

  it('reads a pasted llvm-objdump listing line, ignoring address, bytes and the jump annotation', () => {
    assert.equal(
      llvm('       4:\t2d 21 03 00 00 00 00 00\tif r1 > r2 goto +0x3 <.text+0x40>'),
      '2d 21 03 00 00 00 00 00',
    );
    assert.equal(llvm('       9:\tcall 0x1'), '85 00 00 00 01 00 00 00');
  });

  it('reads tsbpf notations for what llvm-objdump cannot say', () => {
    assert.equal(llvm('call pc+4'), '85 10 00 00 04 00 00 00');
    assert.equal(llvm('call pc-1'), '85 10 00 00 ff ff ff ff');
    assert.equal(llvm('call kfunc 5'), '85 20 00 00 05 00 00 00');
    assert.equal(llvm('r0 = *(u32 *)skb[r2 + 0xc]'), '40 20 00 00 0c 00 00 00');
    assert.equal(llvm('ld_pseudo r1, 2, 3, 16'), '18 21 00 00 03 00 00 00 00 00 00 00 10 00 00 00');
    assert.equal(
      llvm('ld_pseudo r1, 4, f\nexit\nf: exit'),
      '18 41 00 00 02 00 00 00 00 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00',
    );
  });

  it('accepts comments in three styles and blank lines', () => {
    assert.equal(llvm('# c\n\nr0 = 0 ; c\n// c\nexit // c'), 'b7 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00');
  });
});
