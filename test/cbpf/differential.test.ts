/**
 * Differential test: random classic programs over random packets. The interpreter (libpcap semantics) is the
 * oracle for the eBPF translation, run by the BigInt reference evaluator in ebpf-reference.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CbpfInsn } from '../../src/cbpf/insn.js';
import { compileCbpfInterpreter } from '../../src/cbpf/interpret.js';
import { cbpfToEbpf } from '../../src/cbpf/to-ebpf.js';
import { validateCbpf } from '../../src/cbpf/validate.js';
import { packet, program, wildProgram } from './arbitraries.js';
import { assertWellFormed, runInsns } from './translate-helpers.js';

describe('interpreter vs eBPF translation (fast-check)', () => {
  it('packet mode gives the interpreter verdict on every packet', () => {
    fc.assert(
      fc.property(program, fc.array(packet, { minLength: 1, maxLength: 4 }), (prog, packets) => {
        const insns = cbpfToEbpf(prog, { mode: 'packet' });
        assertWellFormed(insns);
        const interp = compileCbpfInterpreter(prog);
        for (const { bytes, wirelen } of packets) {
          assert.equal(runInsns(insns, bytes, wirelen, { mode: 'packet' }), interp(bytes, wirelen));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('packet mode gives the interpreter verdict on arbitrary instruction soup', () => {
    fc.assert(
      fc.property(wildProgram, fc.array(packet, { minLength: 1, maxLength: 3 }), (prog, packets) => {
        fc.pre(prog.length > 0);
        const insns = cbpfToEbpf(prog, { mode: 'packet' });
        assertWellFormed(insns);
        const interp = compileCbpfInterpreter(prog);
        for (const { bytes, wirelen } of packets) {
          assert.equal(runInsns(insns, bytes, wirelen, { mode: 'packet' }), interp(bytes, wirelen));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('skb mode gives the interpreter verdict for filters the kernel accepts', () => {
    // Two documented kernel differences are kept out: LD_IND computes X + k in 32 bits (wrapping), and
    // register shifts mask the count instead of giving 0.
    const kernelAgrees = (prog: CbpfInsn[]): boolean => {
      if (prog.some((i) => [0x40, 0x48, 0x50, 0x6c, 0x7c].includes(i.code))) return false;
      try {
        validateCbpf(prog);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(program.filter(kernelAgrees), fc.array(packet, { minLength: 1, maxLength: 4 }), (prog, packets) => {
        const insns = cbpfToEbpf(prog);
        assertWellFormed(insns);
        const interp = compileCbpfInterpreter(prog);
        for (const { bytes, wirelen } of packets) {
          assert.equal(runInsns(insns, bytes, wirelen), interp(bytes, wirelen));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a compiled interpreter gives the same verdicts however often it is reused', () => {
    fc.assert(
      fc.property(program, fc.array(packet, { minLength: 2, maxLength: 6 }), (prog, packets) => {
        const shared = compileCbpfInterpreter(prog);
        for (const { bytes, wirelen } of packets) {
          assert.equal(shared(bytes, wirelen), compileCbpfInterpreter(prog)(bytes, wirelen));
        }
      }),
      { numRuns: 200 },
    );
  });
});
