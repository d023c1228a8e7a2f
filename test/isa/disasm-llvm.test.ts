import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeProgram } from '../../src/isa/decode.js';
import { formatListing, formatLlvm } from '../../src/isa/disasm-llvm.js';
import { FORMS, formOf } from '../../src/isa/forms.js';
import { readLlvmPairs } from './llvm-fixture.js';

const pairs = readLlvmPairs();

describe('formatLlvm', () => {
  it('prints exactly what llvm-objdump printed for every recorded instruction', () => {
    const llvm = pairs.filter((p) => p.source !== 'tsbpf');
    assert.ok(llvm.length > 1000, `only ${llvm.length} recorded llvm pairs`);
    const wrong = llvm.filter((p) => formatLlvm(p.insn, 0) !== p.text);
    assert.deepEqual(
      wrong.slice(0, 10).map((p) => `${p.hex}: got ${JSON.stringify(formatLlvm(p.insn, 0))}, llvm ${p.text}`),
      [],
    );
  });

  it('prints the documented tsbpf text where llvm-objdump loses information', () => {
    const own = pairs.filter((p) => p.source === 'tsbpf');
    assert.ok(own.length > 0);
    for (const p of own) assert.equal(formatLlvm(p.insn, 0), p.text, p.hex);
  });

  it('covers every form of the opcode table with recorded llvm text', () => {
    const seen = new Set(pairs.filter((p) => p.source !== 'tsbpf').map((p) => formOf(p.insn)!.id));
    const missing = FORMS.filter((f) => !seen.has(f.id) && f.kind !== 'call_local' && f.kind !== 'call_kfunc');
    assert.deepEqual(
      missing.map((f) => f.mnemonic),
      [],
    );
  });

  it('prints <unknown> for an invalid encoding, like llvm-objdump', () => {
    assert.equal(formatLlvm({ opcode: 0x8f, dst: 0, src: 0, off: 0, imm: 0 }), '<unknown>');
  });
});

describe('formatListing', () => {
  it('reproduces a whole llvm-objdump listing (addresses, bytes, jump annotations)', () => {
    const expected = readFileSync('test/fixtures/isa/llvm-objdump-listing.txt', 'utf8');
    const insns = decodeProgram(new Uint8Array(readFileSync('test/fixtures/isa/llvm-objdump-listing.bin')));
    const lines = formatListing(insns, { section: '.text', symbol: '.text' });
    assert.equal(`${lines.join('\n')}\n`, expected);
  });

  it('omits raw bytes on request and annotates jumps before the symbol as llvm does', () => {
    const insns = [
      { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
      { opcode: 0x05, dst: 0, src: 0, off: -2, imm: 0 },
      { opcode: 0x05, dst: 0, src: 0, off: -4, imm: 0 },
    ];
    assert.deepEqual(formatListing(insns, { symbol: 'f', rawBytes: false }), [
      '0000000000000000 <f>:',
      '       0:\tr0 = 0x0',
      '       1:\tgoto -0x2 <f>',
      '       2:\tgoto -0x4 <f+0xfffffffffffffff8>',
    ]);
  });
});
