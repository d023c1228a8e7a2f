import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formOf } from '../../src/isa/forms.js';
import type { Instruction } from '../../src/isa/instruction.js';
import { compileJit } from '../../src/jit/compile.js';
import type { Executor } from '../../src/vm/executor.js';
import { VmFault } from '../../src/vm/fault.js';
import { HelperTable } from '../../src/vm/helper.js';
import { Interpreter, type InterpreterLinks } from '../../src/vm/interpreter.js';
import { AddressSpace } from '../../src/vm/memory.js';
import { predecode } from '../../src/vm/predecode.js';
import { randomProgram } from './random-program.js';

const helpers = new HelperTable()
  .define(5, 'ret_arg1', (c) => c.u64(1))
  .define(6, 'sum_args', (c) => c.u64(1) + c.u64(2));

interface Outcome {
  r0?: bigint;
  insnsExecuted?: number;
  fault?: { kind: string; pc: number; message: string; address?: bigint; size?: number };
  stack: Uint8Array;
  memory: Uint8Array;
}

/** Runs a program on a fresh address space laid out identically for both backends. */
function outcome(make: (space: AddressSpace) => Executor, input: Uint8Array, budget: number): Outcome {
  const space = new AddressSpace({ maxBytes: 1 << 20, initialBytes: 1 << 16 });
  const exec = make(space);
  const region = space.alloc(input.length, 'memory', 'memory');
  space.u8.set(input, region.start);
  const result: Partial<Outcome> = {};
  try {
    const r = exec.run({
      args: [region.start, input.length],
      budget,
      packet: { start: region.start, length: input.length },
    });
    result.r0 = r.r0;
    result.insnsExecuted = r.insnsExecuted;
  } catch (err) {
    if (!(err instanceof VmFault)) throw err;
    result.fault = { kind: err.kind, pc: err.pc, message: err.message, address: err.address, size: err.size };
  }
  space.refresh();
  return {
    ...result,
    stack: space.bytes(exec.stack).slice(),
    memory: space.bytes(region).slice(),
  };
}

const interpret = (insns: Instruction[]) => (space: AddressSpace) => new Interpreter(insns, space, helpers);
const jit =
  (insns: Instruction[], controlFlow: 'auto' | 'dispatcher', verifiedAccesses?: Set<number>) => (space: AddressSpace) =>
    compileJit(insns, { space, helpers, controlFlow, verifiedAccesses });

/**
 * Accesses a verifier would prove safe in these programs: through r10 (never written by the generator; frames
 * deeper than the stack fault at the call first) with the whole access inside the 512-byte frame.
 */
function stackAccesses(insns: Instruction[]): Set<number> {
  const safe = new Set<number>();
  let pc = 0;
  for (const insn of insns) {
    const form = formOf(insn)!;
    const base = form.kind === 'ldx' ? insn.src : insn.dst;
    const memory = ['ldx', 'st', 'stx', 'atomic'].includes(form.kind);
    if (memory && base === 10 && insn.off >= -512 && insn.off + form.size <= 0) safe.add(pc);
    pc += insn.opcode === 0x18 ? 2 : 1;
  }
  return safe;
}

describe('JIT vs interpreter on random programs', () => {
  // A failed tail call leaves r0 = -ENOENT; the next `call 12` must still be a tail call (the interpreter once read
  // r0's upper half as if it were callx's id register).
  it('with tail calls between random programs', () => {
    fc.assert(
      fc.property(
        randomProgram,
        randomProgram,
        randomProgram,
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (main, t0, t1, input) => {
          const programs = [predecode(t0), predecode(t1)];
          const links: InterpreterLinks = { tailCallTarget: (_map, index) => programs[index] };
          const mainP = predecode(main);
          const expected = outcome((space) => new Interpreter(mainP, space, helpers, links), input, 3000);
          const actual = outcome((space) => compileJit(mainP, { space, helpers, links }), input, 3000);
          assert.deepEqual(actual, expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('same r0, instruction count, memory and fault (kind, pc, address), with and without elided checks', () => {
    fc.assert(
      fc.property(
        randomProgram,
        fc.uint8Array({ minLength: 60, maxLength: 68 }),
        fc.constantFrom(40, 300, 5000),
        (insns, input, budget) => {
          const expected = outcome(interpret(insns), input, budget);
          assert.deepEqual(outcome(jit(insns, 'auto'), input, budget), expected);
          assert.deepEqual(outcome(jit(insns, 'dispatcher'), input, budget), expected);
          assert.deepEqual(outcome(jit(insns, 'auto', stackAccesses(insns)), input, budget), expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
