import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { emitModule } from '../../src/jit/module.js';
import { ByteWriter, sleb32At, ulebAt } from '../../src/jit/wasm-writer.js';
import { predecode } from '../../src/vm/predecode.js';
import { randomProgram } from './random-program.js';

/** Reads an unsigned LEB128 at `at.o`, advancing it. */
function readUleb(bytes: Uint8Array, at: { o: number }): number {
  let r = 0;
  let shift = 0;
  let b: number;
  do {
    b = bytes[at.o++]!;
    r += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return r;
}

/** Every (function index, body offset) of the branch-hint section, with the opcode found at that offset. */
function hintedOpcodes(bytes: Uint8Array): number[] {
  const at = { o: 8 };
  let hints: [fn: number, offset: number][] = [];
  const bodies: number[] = [];
  while (at.o < bytes.length) {
    const id = bytes[at.o++]!;
    const len = readUleb(bytes, at);
    const end = at.o + len;
    if (id === 0) {
      const nameLength = readUleb(bytes, at);
      const name = String.fromCharCode(...bytes.subarray(at.o, at.o + nameLength));
      at.o += nameLength;
      if (name === 'metadata.code.branch_hint') {
        hints = [];
        for (let f = readUleb(bytes, at); f > 0; f--) {
          const fn = readUleb(bytes, at);
          for (let n = readUleb(bytes, at); n > 0; n--) {
            const offset = readUleb(bytes, at);
            assert.equal(readUleb(bytes, at), 1, 'hint size');
            assert.ok(bytes[at.o++]! <= 1, 'hint value');
            hints.push([fn, offset]);
          }
        }
      }
    } else if (id === 10) {
      for (let n = readUleb(bytes, at); n > 0; n--) {
        const size = readUleb(bytes, at);
        bodies.push(at.o);
        at.o += size;
      }
    }
    at.o = end;
  }
  return hints.map(([fn, offset]) => bytes[bodies[fn]! + offset]!);
}

describe('wasm writer', () => {
  it('direct LEB128 writers agree with the ByteWriter methods', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), (s, u) => {
        const w = new ByteWriter(4);
        w.sleb32(s).uleb(u);
        const direct = new Uint8Array(10);
        const end = ulebAt(direct, sleb32At(direct, 0, s), u);
        assert.deepEqual(direct.subarray(0, end), w.bytes.subarray(0, w.length));
      }),
    );
  });

  it('every branch hint points at an if or br_if of its function', () => {
    fc.assert(
      fc.property(randomProgram, fc.boolean(), (insns, structured) => {
        const { bytes } = emitModule(predecode(insns), {
          registers: 4096,
          frameTop: 8192,
          budgetChecks: true,
          structured,
          tailCalls: true,
          callbacks: false,
        });
        assert.ok(WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>));
        for (const op of hintedOpcodes(bytes)) assert.ok(op === 0x04 || op === 0x0d, `hint on opcode 0x${op.toString(16)}`);
      }),
      { numRuns: 60 },
    );
  });
});
