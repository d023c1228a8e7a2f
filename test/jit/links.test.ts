import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instruction } from '../../src/isa/instruction.js';
import { compileJit } from '../../src/jit/compile.js';
import type { Executor } from '../../src/vm/executor.js';
import { VmFault } from '../../src/vm/fault.js';
import { HelperTable } from '../../src/vm/helper.js';
import { Interpreter, type InterpreterLinks } from '../../src/vm/interpreter.js';
import { AddressSpace } from '../../src/vm/memory.js';
import { predecode } from '../../src/vm/predecode.js';
import { EXIT, I, lddw } from '../vm/build.js';

/** bpf_loop-like helper 181: calls the callback r2 with (i, r3) r1 times, stops early on a non-zero return. */
const helpers = new HelperTable()
  .define(5, 'ret_arg1', (c) => c.u64(1))
  .define(181, 'loop', (c) => {
    let i = 0;
    for (; i < c.u32(1); i++) if (c.invoke!(c.u64(2), [i, c.u64(3)]) !== 0n) break;
    return i;
  });

type Outcome = { r0: bigint; insnsExecuted: number } | { fault: string };

function outcome(make: (space: AddressSpace) => Executor, budget?: number): Outcome {
  const space = new AddressSpace({ maxBytes: 1 << 20 });
  const exec = make(space);
  const packet = space.alloc(4, 'packet', 'packet');
  space.u8.set([1, 2, 3, 4], packet.start);
  try {
    return exec.run({ budget, packet: { start: packet.start, length: 4 } });
  } catch (err) {
    if (err instanceof VmFault) return { fault: `${err.kind} at ${err.pc}: ${err.message}` };
    throw err;
  }
}

/** Runs main with tail-call targets `programs` (by index) and callbacks at `1 + value`; both backends must agree. */
function both(main: Instruction[], programs: Instruction[][] = [], budget?: number): Outcome {
  const mainP = predecode(main);
  const targets = programs.map((p) => predecode(p));
  const links: InterpreterLinks = {
    tailCallTarget: (_map, index) => targets[index],
    functionAt: (value) => ({ program: mainP, pc: 1 + Number(value) }),
  };
  const vm = outcome((space) => new Interpreter(mainP, space, helpers, links), budget);
  const jit = outcome((space) => compileJit(mainP, { space, helpers, links }), budget);
  assert.deepEqual(jit, vm);
  return jit;
}

const mov = (dst: number, imm: number) => I('mov', { dst, imm });
const CALL_TAIL = I('call', { imm: 12 });

describe('JIT: tail calls', () => {
  it('run the target with the same registers and frame; a missing entry gives -ENOENT', () => {
    const target = [
      I('mov', { dst: 0, src: 6 }),
      I('add', { dst: 0, imm: 1 }),
      I('stxdw', { dst: 10, src: 0, off: -8 }),
      EXIT,
    ];
    const main = (index: number) => [mov(6, 41), mov(3, index), CALL_TAIL, I('add', { dst: 0, imm: 1000 }), EXIT];
    assert.deepEqual(both(main(0), [target]), { r0: 42n, insnsExecuted: 7 });
    assert.deepEqual(both(main(1), [target]), { r0: 998n, insnsExecuted: 5 });
  });
  it('stop after 33 in a chain', () => {
    const self = [I('add', { dst: 6, imm: 1 }), mov(3, 0), CALL_TAIL, I('mov', { dst: 0, src: 6 }), EXIT];
    const out = both([mov(6, 0), mov(3, 0), CALL_TAIL, EXIT], [self]);
    assert.ok('r0' in out && out.r0 === 33n);
  });
  it('from a subprogram and through callx, returning to the caller of the frame', () => {
    const target = [mov(0, 7), EXIT];
    const main = [
      mov(6, 1),
      I('call local', { imm: 3 }),
      I('add', { dst: 0, src: 6 }),
      EXIT,
      mov(3, 0),
      mov(4, 12),
      I('callx', { dst: 4 }),
      mov(0, 5),
      EXIT,
    ];
    assert.deepEqual(both(main, [target]), { r0: 8n, insnsExecuted: 8 });
  });
  it('a packet load out of bounds in the target ends the run; faults in the target name its pc', () => {
    assert.deepEqual(both([mov(3, 0), CALL_TAIL, mov(0, 3), EXIT], [[mov(0, 1), I('ldabsw', { imm: 2 }), EXIT]]), {
      r0: 0n,
      insnsExecuted: 4,
    });
    const out = both([mov(3, 0), CALL_TAIL, EXIT], [[mov(1, 0), I('ldxb', { dst: 0, src: 1 }), EXIT]]);
    assert.ok('fault' in out && out.fault.startsWith('read at 1'));
  });
});

describe('JIT: callbacks (HelperCall.invoke)', () => {
  // lddw r2 = function at 1 + 11 = pc 12 (the callback); it adds i to *(r10-8) of the caller's frame through r2
  const callback = [
    I('ldxdw', { dst: 0, src: 2, off: 0 }),
    I('add', { dst: 0, src: 1 }),
    I('stxdw', { dst: 2, src: 0, off: 0 }),
    mov(6, 1000),
    I('mov', { dst: 0, src: 1 }),
    I('jeq', { dst: 1, imm: 3, off: 1 }),
    mov(0, 0),
    EXIT,
  ];
  const main = (count: number) => [
    lddw(2, 11n, 4),
    mov(6, 5),
    I('stdw', { dst: 10, off: -8, imm: 100 }),
    mov(1, count),
    I('mov', { dst: 3, src: 10 }),
    I('add', { dst: 3, imm: -8 }),
    I('call', { imm: 181 }),
    I('ldxdw', { dst: 1, src: 10, off: -8 }),
    I('add', { dst: 0, src: 1 }),
    I('add', { dst: 0, src: 6 }),
    EXIT,
    ...callback,
  ];
  it('run in a new frame with r1..r5 from the helper, r6..r9 preserved, budget shared', () => {
    // the callback adds i through r2 = ctx (the caller's r10 - 8): 100 + 0 + 1 + 2 + 3; the loop stops at i = 3
    assert.deepEqual(both(main(10)), { r0: 3n + 106n + 5n, insnsExecuted: 11 + 3 * 8 + 7 });
    assert.deepEqual(both(main(2)), { r0: 2n + 101n + 5n, insnsExecuted: 11 + 2 * 8 });
  });
  it('count toward the budget and the frame limit', () => {
    const out = both(main(10), [], 30);
    assert.ok('fault' in out && out.fault.startsWith('budget'));
  });
  it('a packet load out of bounds inside a callback ends the whole run with 0', () => {
    const aborting = [...main(10).slice(0, -callback.length), I('ldabsw', { imm: 2 }), ...callback.slice(1)];
    assert.deepEqual(both(aborting), { r0: 0n, insnsExecuted: 8 });
  });
  it('an unknown function value faults in the helper', () => {
    const bad = main(3).map((insn, pc) => (pc === 0 ? lddw(2, 1000n, 4) : insn));
    const out = both(bad);
    assert.ok('fault' in out, JSON.stringify(out));
  });
});
