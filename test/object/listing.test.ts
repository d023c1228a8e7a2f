import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProgramListing } from '../../src/object/listing.js';
import { fixtureNames, fixtureText, loadFixture } from './fixtures.js';

describe('program listing with source lines (llvm-objdump -S)', () => {
  it('every source comment is a line of the C source, and most are ones llvm-objdump -S prints', () => {
    for (const name of fixtureNames()) {
      if (name === 'legacy') continue; // no BTF, no line_info
      const source = new Set(fixtureText(name, 'c').split('\n'));
      const reference = new Set(
        fixtureText(name, 'source.txt')
          .split('\n')
          .filter((l) => l.startsWith('; ')),
      );
      let shared = 0;
      let total = 0;
      for (const p of loadFixture(name).programs) {
        const lines = formatProgramListing(p, { rawBytes: false });
        const comments = lines.filter((l) => l.startsWith('; '));
        assert.ok(comments.length > 0, `${name}/${p.name} has source lines`);
        for (const c of comments) {
          assert.ok(source.has(c.slice(2)), `${name}/${p.name}: ${c}`);
          total++;
          if (reference.has(c)) shared++;
        }
      }
      // BTF line_info and DWARF's line table pick different lines for some instructions (a function's first).
      assert.ok(shared >= total / 2, `${name}: ${shared} of ${total} comments also in llvm-objdump -S`);
    }
  });

  it("an entry's instructions read as llvm-objdump's, apart from the relocated lddws", () => {
    const p = loadFixture('sockex').programs[0]!;
    const ours = formatProgramListing(p, { rawBytes: false, source: false }).filter((l) => /^\s+\d+:/.test(l));
    const theirs = fixtureText('sockex', 'source.txt')
      .split('\n')
      .filter((l) => /^\s+\d+:/.test(l));
    assert.equal(ours.length, theirs.length);
    // llvm-objdump labels jump targets with clang's local labels (<LBB0_3>); we label them function+offset.
    const bare = (l: string): string => l.replace(/ <[^>]+>$/, '');
    ours.forEach((line, i) => {
      if (line.includes('ld_pseudo')) assert.match(theirs[i]!, / = 0x0 ll$/);
      else assert.equal(bare(line), bare(theirs[i]!));
    });
  });

  it('labels each linked function', () => {
    const sum = loadFixture('globals').programs.find((p) => p.name === 'sum')!;
    const labels = formatProgramListing(sum).filter((l) => l.endsWith('>:'));
    assert.deepEqual(labels, [
      '0000000000000000 <sum>:',
      '0000000000000048 <add_squares>:',
      '0000000000000080 <square>:',
      '0000000000000098 <triple>:',
    ]);
  });
});
