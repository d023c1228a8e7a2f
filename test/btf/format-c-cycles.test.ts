import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BtfError, BtfKind, formatBtfC, parseBtf } from '../../src/btf/index.js';
import { BtfBuilder, info } from './builder.js';

describe('formatBtfC on cyclic or explosive types', () => {
  it('reports a struct embedding itself as an unsatisfiable cycle', () => {
    const b = new BtfBuilder();
    b.add(b.int('int', 4, true));
    b.add(b.struct('a', 8, [['x', 3, 0]]));
    b.add(b.struct('b', 8, [['y', 2, 0]]));
    assert.throws(() => formatBtfC(parseBtf(b.build())), /type \[2\].*unsatisfiable type cycle/);
  });

  it('allows cycles through pointers to named structs', () => {
    const b = new BtfBuilder();
    b.add(b.int('int', 4, true)); // [1]
    b.add(
      b.struct('node', 16, [
        ['next', 3, 0],
        ['v', 1, 64],
      ]),
    ); // [2]
    b.add(b.ref(BtfKind.Ptr, 2)); // [3]
    assert.match(formatBtfC(parseBtf(b.build())), /struct node \{\n\tstruct node \*next;\n\tint v;\n\};/);
  });

  it('reports a function prototype that takes a pointer to itself instead of recursing', () => {
    const b = new BtfBuilder();
    b.add(b.int('int', 4, true)); // [1]
    b.add(b.ref(BtfKind.Ptr, 3)); // [2] -> proto
    b.add([0, info(BtfKind.FuncProto, 2), 1, 0, 2, 0, 2]); // [3] int (*)(self *, self *)
    b.add(b.ref(BtfKind.Typedef, 2, 'fn_t')); // [4]
    const btf = parseBtf(b.build());
    assert.throws(
      () => formatBtfC(btf),
      (e: unknown) => e instanceof BtfError && /cycle/.test(e.message),
    );
  });

  it('bounds the output when anonymous types repeat inline exponentially', () => {
    // 40 anonymous structs, each holding two copies of the next: 2^40 lines if printed in full.
    const b = new BtfBuilder();
    b.add(b.int('int', 4, true)); // [1]
    const depth = 40;
    for (let i = 0; i < depth; i++) {
      const inner = i === depth - 1 ? 1 : i + 3;
      b.add(
        b.struct(
          '',
          8,
          [
            ['l', inner, 0],
            ['r', inner, 0],
          ],
          BtfKind.Union,
        ),
      );
    }
    b.add(b.struct('top', 8, [['u', 2, 0]])); // named root
    assert.throws(() => formatBtfC(parseBtf(b.build())), /without bound/);
  });
});
