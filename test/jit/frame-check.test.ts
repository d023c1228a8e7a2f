/**
 * r10-relative accesses inside the frame test one flag (FRAME_OK, see FUNC_FRAME_OK) instead of the shadow check.
 * These cases make the flag wrong if it were not kept exact: a stack freed before or during a run, and programs
 * that move r10 (the random-program generator never writes r10, so the differential tests do not reach them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instruction } from '../../src/isa/instruction.js';
import { compileJit } from '../../src/jit/compile.js';
import type { Executor } from '../../src/vm/executor.js';
import { VmFault } from '../../src/vm/fault.js';
import { HelperTable } from '../../src/vm/helper.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { AddressSpace } from '../../src/vm/memory.js';

const insn = (opcode: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  opcode,
  dst,
  src,
  off,
  imm,
});
const ST_DW = 0x7a;
const STX_DW = 0x7b;
const LDX_DW = 0x79;
const MOV64_REG = 0xbf;
const ADD64_IMM = 0x07;
const CALL = 0x85;
const EXIT = 0x95;
const FREE_STACK = 7;

type Make = (space: AddressSpace, helpers: HelperTable) => Executor;

interface Outcome {
  results: (bigint | { kind: string; pc: number; address?: bigint })[];
  memory: number[];
}

/** Runs the program `runs` times (freeing the stack before the last run if asked) and records what each run did. */
function outcome(make: Make, insns: Instruction[], runs: number, freeBeforeLast = false): Outcome {
  const space = new AddressSpace({ maxBytes: 1 << 20, initialBytes: 1 << 16 });
  const running: { exec?: Executor } = {};
  const helpers = new HelperTable().define(FREE_STACK, 'free_stack', () => {
    space.free(running.exec!.stack);
    return 0;
  });
  const exec = make(space, helpers);
  running.exec = exec;
  const region = space.alloc(64, 'memory', 'memory');
  const results: Outcome['results'] = [];
  for (let i = 0; i < runs; i++) {
    if (freeBeforeLast && i === runs - 1) space.free(exec.stack);
    try {
      results.push(exec.run({ args: [region.start] }).r0);
    } catch (err) {
      if (!(err instanceof VmFault)) throw err;
      results.push({ kind: err.kind, pc: err.pc, address: err.address });
    }
  }
  space.refresh();
  return { results, memory: [...space.bytes(region)] };
}

function sameAsInterpreter(insns: Instruction[], runs: number, freeBeforeLast = false): Outcome {
  const expected = outcome((s, h) => new Interpreter(insns, s, h), insns, runs, freeBeforeLast);
  for (const controlFlow of ['auto', 'dispatcher'] as const) {
    const make: Make = (space, helpers) => compileJit(insns, { space, helpers, controlFlow });
    const actual = outcome(make, insns, runs, freeBeforeLast);
    assert.deepEqual(actual, expected);
  }
  return expected;
}

describe('JIT frame accesses (FRAME_OK)', () => {
  const storeLoad = [insn(ST_DW, 10, 0, -8, 7), insn(LDX_DW, 0, 10, -8, 0), insn(EXIT, 0, 0, 0, 0)];

  it('reads and writes the frame like the interpreter', () => {
    assert.deepEqual(sameAsInterpreter(storeLoad, 2).results, [7n, 7n]);
  });

  it('faults at the first access once the stack is freed between runs', () => {
    const { results } = sameAsInterpreter(storeLoad, 2, true);
    assert.equal(results[0], 7n);
    assert.equal((results[1] as { pc: number }).pc, 0);
  });

  it('faults after a helper frees the stack in the middle of a run', () => {
    const insns = [
      insn(ST_DW, 10, 0, -8, 7),
      insn(CALL, 0, 0, 0, FREE_STACK),
      insn(LDX_DW, 0, 10, -8, 0),
      insn(EXIT, 0, 0, 0, 0),
    ];
    const { results } = sameAsInterpreter(insns, 1);
    assert.equal((results[0] as { pc: number }).pc, 2);
  });

  it('follows r10 when a program moves it into other memory', () => {
    const insns = [
      insn(MOV64_REG, 10, 1, 0, 0),
      insn(ADD64_IMM, 10, 0, 0, 16),
      insn(STX_DW, 10, 1, -8, 0),
      insn(LDX_DW, 0, 10, -8, 0),
      insn(EXIT, 0, 0, 0, 0),
    ];
    const { results, memory } = sameAsInterpreter(insns, 1);
    assert.equal(typeof results[0], 'bigint');
    assert.notDeepEqual(memory.slice(8, 16), [0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('faults like the interpreter when r10 leaves mapped memory', () => {
    const insns = [insn(MOV64_REG, 10, 1, 0, 0), insn(STX_DW, 10, 1, -8, 0), insn(EXIT, 0, 0, 0, 0)];
    const { results } = sameAsInterpreter(insns, 1);
    assert.equal((results[0] as { pc: number }).pc, 1);
  });
});
