import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { ObjectError } from '../../src/object/errors.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { fixtureBytes, fixtureNames } from './fixtures.js';

/** Loads and returns nothing, or the InputError it threw; anything else fails the test. */
function loadOrInputError(bytes: Uint8Array): InputError | undefined {
  try {
    loadObjectSpec(bytes, { name: 'mutant.o' });
    return undefined;
  } catch (err) {
    if (err instanceof InputError) {
      assert.ok(!err.message.includes('\n'), 'one-line message');
      return err;
    }
    throw err;
  }
}

/** Offset of a 32-bit little-endian word in an ELF64 header field (the fixtures are little endian but bpfeb). */
const E_SHOFF = 0x28;

describe('malformed objects only ever give InputErrors', () => {
  const objects = fixtureNames().map((n) => fixtureBytes(n));

  it('random byte changes anywhere', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: objects.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (which, edits) => {
          const bytes = objects[which]!.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          loadOrInputError(bytes);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('changes focused on the code, relocations and BTF (where the loader reads)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: objects.length - 1 }),
        fc.double({ min: 0.05, max: 0.7, noNaN: true }),
        fc.array(fc.tuple(fc.nat(4096), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (which, start, edits) => {
          const bytes = objects[which]!.slice();
          const base = Math.floor(bytes.length * start);
          for (const [at, value] of edits) bytes[(base + at) % bytes.length] = value;
          loadOrInputError(bytes);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('truncations', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: objects.length - 1 }), fc.nat(), (which, cut) => {
        const bytes = objects[which]!;
        const err = loadOrInputError(bytes.slice(0, cut % bytes.length));
        assert.ok(err);
      }),
      { numRuns: 100 },
    );
  });

  it('names the file and section for an instruction it cannot decode', () => {
    const bytes = fixtureBytes('sockex');
    // The first code byte of section `socket`: find it through the section header table.
    const view = new DataView(bytes.buffer);
    const shoff = Number(view.getBigUint64(E_SHOFF, true));
    const shnum = view.getUint16(0x3c, true);
    let codeOffset = -1;
    for (let i = 0; i < shnum; i++) {
      const h = shoff + i * 64;
      const flags = Number(view.getBigUint64(h + 8, true));
      if (view.getUint32(h + 4, true) === 1 && flags & 4 && view.getBigUint64(h + 32, true) > 0n) {
        codeOffset = Number(view.getBigUint64(h + 24, true));
      }
    }
    assert.ok(codeOffset > 0);
    const bad = bytes.slice();
    bad[codeOffset] = 0xff; // no such opcode
    const err = loadOrInputError(bad);
    assert.ok(err instanceof ObjectError);
    assert.match(err.message, /^mutant\.o: section socket: offset 0x0: function 'bpf_prog1': /);
  });
});
