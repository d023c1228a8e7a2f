import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { btfExtFromElf, btfFromElf, formatBtfC, formatBtfRaw, parseBtf } from '../../src/btf/index.js';
import { readElf } from '../../src/elf/index.js';
import { InputError } from '../../src/errors.js';
import { fixture, fixtureBtfSection } from './helpers.js';

/** Everything a consumer might do with parsed BTF: dumps, sizes, alignments, member lists. */
function exercise(bytes: Uint8Array): void {
  const btf = parseBtf(bytes, { file: 'fuzz' });
  formatBtfRaw(btf);
  formatBtfC(btf);
  for (let id = 0; id < btf.typeCount; id++) {
    btf.type(id);
    btf.members(id);
    for (const f of [() => btf.sizeof(id), () => btf.alignof(id), () => btf.resolve(id)]) {
      try {
        f();
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }
  }
}

function mutate(original: Uint8Array, edits: [number, number][], headerBias: boolean): Uint8Array {
  const bytes = original.slice();
  for (const [pos, value] of edits) bytes[headerBias && pos % 4 === 0 ? pos % 24 : pos % bytes.length] = value;
  return bytes;
}

const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });

describe('mutated BTF', () => {
  for (const name of ['kinds.o', 'kinds.eb.o', 'maps.o']) {
    it(`${name}: parsing, dumping and walking only succeed or throw InputError`, () => {
      const original = fixtureBtfSection(name);
      const started = Date.now();
      fc.assert(
        fc.property(edits, fc.boolean(), fc.option(fc.nat(), { nil: undefined }), (e, bias, cut) => {
          const bytes = mutate(original, e, bias);
          try {
            exercise(cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length));
          } catch (err) {
            if (!(err instanceof InputError)) throw err;
          }
        }),
        { numRuns: 300 },
      );
      assert.ok(Date.now() - started < 20000, 'fuzzing stays within its time bound');
    });
  }

  it('mutated objects: ELF, .BTF and .BTF.ext parsing only succeed or throw InputError', () => {
    const original = fixture('maps.o');
    const elf = readElf(original);
    const btfSection = elf.sections.find((s) => s.name === '.BTF.ext')!;
    fc.assert(
      fc.property(edits, (e) => {
        const bytes = original.slice();
        // Half of the edits land in .BTF.ext, the rest anywhere.
        for (const [pos, value] of e) {
          const at = pos % 2 === 0 ? btfSection.offset + (pos % btfSection.size) : pos % bytes.length;
          bytes[at] = value;
        }
        try {
          const parsed = readElf(bytes, { name: 'fuzz.o' });
          const btf = btfFromElf(parsed);
          btfExtFromElf(parsed, btf);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });
});
