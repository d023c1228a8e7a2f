import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { decodeProgram } from '../../src/isa/decode.js';
import { IsaError } from '../../src/isa/errors.js';

/** Little-endian program bytes from 8-byte slots written as [opcode, regs, off, imm]. */
function program(...slots: [number, number, number, number][]): Uint8Array {
  const bytes = new Uint8Array(slots.length * 8);
  const view = new DataView(bytes.buffer);
  slots.forEach(([opcode, regs, off, imm], i) => {
    view.setUint8(i * 8, opcode);
    view.setUint8(i * 8 + 1, regs);
    view.setInt16(i * 8 + 2, off, true);
    view.setInt32(i * 8 + 4, imm, true);
  });
  return bytes;
}

const EXIT: [number, number, number, number] = [0x95, 0, 0, 0];
const MOV: [number, number, number, number] = [0xb7, 0, 0, 1];

function fails(bytes: Uint8Array, pc: number, offset: number, reason: RegExp): void {
  assert.throws(
    () => decodeProgram(bytes),
    (err: unknown) => {
      assert.ok(err instanceof IsaError && err instanceof InputError);
      assert.equal(err.pc, pc);
      assert.equal(err.offset, offset);
      assert.match(err.reason, reason);
      assert.match(err.message, new RegExp(`pc ${pc} \\(byte offset ${offset}\\)`));
      return true;
    },
  );
}

describe('decode errors name the offending slot', () => {
  it('unknown opcode', () => fails(program(MOV, [0x8f, 0, 0, 0], EXIT), 1, 8, /unknown opcode 0x8f/));
  it('reserved field set', () => fails(program(MOV, MOV, [0x95, 0, 0, 7]), 2, 16, /reserved imm field is 7/));
  it('unknown discriminating value', () => fails(program([0xbf, 0x21, 4, 0], EXIT), 0, 0, /off 4/));
  it('bad register', () => fails(program([0xb7, 0x0b, 0, 1], EXIT), 0, 0, /invalid destination register r11/));
  it('bad source register', () => fails(program([0xbf, 0xc1, 0, 0], EXIT), 0, 0, /invalid source register r12/));
  it('lddw without its second slot', () =>
    fails(program(MOV, [0x18, 0x01, 0, 1]), 1, 8, /lddw without its second slot/));
  it('lddw with a malformed second slot', () =>
    fails(program([0x18, 0x01, 0, 1], [0, 0x01, 0, 0], EXIT), 1, 8, /second slot/));
  it('jump into the middle of lddw', () =>
    fails(program([0x05, 0, 1, 0], [0x18, 0x01, 0, 1], [0, 0, 0, 0], EXIT), 0, 0, /middle of lddw/));
  it('jump out of the program', () => fails(program([0x05, 0, 5, 0], EXIT), 0, 0, /out of range/));
  it('truncated program', () => fails(new Uint8Array(20), 2, 16, /truncated program: 20 bytes/));
});
