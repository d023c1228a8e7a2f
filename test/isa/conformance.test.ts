import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { assemble } from '../../src/isa/asm.js';
import { decodeProgram } from '../../src/isa/decode.js';
import { encodeProgram } from '../../src/isa/encode.js';

const DIR = '../shared/conformance';

/** The sections of a bpf_conformance `.data` file (see its README): `-- asm`, `-- raw`... */
function sections(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const directive = /^\s*--\s*(.*?)\s*$/.exec(line.replace(/#.*/, ''));
    if (directive && line.includes('--')) {
      current = [];
      map.set(directive[1]!, current);
    } else current?.push(line);
  }
  return map;
}

describe('the bpf_conformance suite', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.data'));

  it('has its files where the tests expect them', () => assert.ok(files.length >= 300, `${files.length} files`));

  it('assembles the asm section of every file into a valid program (ubpf syntax, as written)', () => {
    const failures: string[] = [];
    for (const file of files) {
      const asm = sections(readFileSync(`${DIR}/${file}`, 'utf8')).get('asm');
      if (!asm) continue;
      try {
        const { insns, syntax } = assemble(asm.join('\n'), { file, allowLargeShifts: true });
        assert.equal(syntax, 'ubpf', `${file} detected as ${syntax}`);
        decodeProgram(encodeProgram(insns));
      } catch (err) {
        failures.push(`${file}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('assembles to the bytes the files give in their raw sections', () => {
    for (const file of files) {
      const s = sections(readFileSync(`${DIR}/${file}`, 'utf8'));
      const raw = s.get('raw');
      if (!raw || !s.get('asm')) continue;
      const slots = raw.join(' ').split(/\s+/).filter(Boolean).map(BigInt);
      const expected = new Uint8Array(slots.length * 8);
      const view = new DataView(expected.buffer);
      slots.forEach((v, i) => {
        view.setBigUint64(i * 8, v, true);
      });
      assert.deepEqual(encodeProgram(assemble(s.get('asm')!.join('\n'), { syntax: 'ubpf' }).insns), expected, file);
    }
  });
});
