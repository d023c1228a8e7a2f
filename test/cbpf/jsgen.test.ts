import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SKF_AD_OFF } from '../../src/cbpf/ancillary.js';
import { jump, stmt } from '../../src/cbpf/insn.js';
import { compileCbpfInterpreter } from '../../src/cbpf/interpret.js';
import { compileCbpf, compileCbpfToJs, generateCbpfJs, JSGEN_MAX_INSNS } from '../../src/cbpf/jsgen.js';
import { packet, program, wildProgram } from './arbitraries.js';

describe('classic BPF to JavaScript', () => {
  it('labels only jump targets and folds constants into the bounds checks', () => {
    const src = generateCbpfJs([stmt(0x28, 12), jump(0x15, 0x800, 0, 1), stmt(0x06, 96), stmt(0x06, 0)]);
    assert.match(src, /if \(buflen < 14\) return 0;/);
    assert.match(src, /case 0:/);
    assert.match(src, /case 3:/);
    assert.doesNotMatch(src, /case [12]:/);
  });

  it('runs a filter with the interpreter results, including metadata loads', () => {
    const prog = [stmt(0x28, SKF_AD_OFF + 4), jump(0x15, 4, 0, 1), stmt(0x06, 1), stmt(0x06, 2)];
    const f = compileCbpfToJs(prog);
    assert.ok(f);
    assert.equal(f(new Uint8Array(), 0), 0);
    assert.equal(f(new Uint8Array(), 0, { pktType: 4 }), 1);
    assert.equal(f(new Uint8Array(), 0, { pktType: 0 }), 2);
  });

  it('compileCbpf falls back to the interpreter for programs too large to optimize', () => {
    const big = [...new Array(JSGEN_MAX_INSNS).fill(stmt(0x04, 1)), stmt(0x16, 0)];
    assert.equal(compileCbpf(big)(new Uint8Array(), 0), JSGEN_MAX_INSNS);
    assert.equal(compileCbpf([stmt(0x80, 0), stmt(0x16, 0)])(new Uint8Array(3), 9), 9);
  });

  it('agrees with the interpreter on random valid programs (fast-check)', () => {
    fc.assert(
      fc.property(program, fc.array(packet, { minLength: 1, maxLength: 4 }), (prog, packets) => {
        const js = compileCbpfToJs(prog)!;
        const interp = compileCbpfInterpreter(prog);
        for (const { bytes, wirelen } of packets) assert.equal(js(bytes, wirelen), interp(bytes, wirelen));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the interpreter on arbitrary instruction soup (fast-check)', () => {
    fc.assert(
      fc.property(wildProgram, fc.array(packet, { minLength: 1, maxLength: 4 }), (prog, packets) => {
        const js = compileCbpfToJs(prog)!;
        const interp = compileCbpfInterpreter(prog);
        for (const { bytes, wirelen } of packets) assert.equal(js(bytes, wirelen), interp(bytes, wirelen));
      }),
      { numRuns: 300 },
    );
  });
});
