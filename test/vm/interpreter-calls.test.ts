/**
 * The interpreter's frame stack: BPF-to-BPF calls save r6..r10 and the return point in preallocated typed arrays,
 * and only note the caller's program when a tail call changed it. These tests pin what that bookkeeping must keep:
 * callee-saved registers and frames at every depth, returns into a tail-call target, the programs faults name,
 * callbacks nested inside calls, and a memory that grows under a running program.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Instruction } from '../../src/isa/instruction.js';
import { VmFault } from '../../src/vm/fault.js';
import { HelperTable } from '../../src/vm/helper.js';
import { Interpreter, type InterpreterLinks, MAX_CALL_FRAMES, STACK_FRAME_SIZE } from '../../src/vm/interpreter.js';
import { AddressSpace } from '../../src/vm/memory.js';
import { predecode } from '../../src/vm/predecode.js';
import { arbU64 } from './alu-arbitraries.js';
import { EXIT, I, lddw } from './build.js';

const mov = (dst: number, imm: number) => I('mov', { dst, imm });
const TAIL_CALL = I('call', { imm: 12 });

/** An instruction, a label, or a jump/call whose offset is resolved to a label (offsets count lddw as 2 slots). */
type Item = Instruction | { label: string } | { to: string; make: (offset: number) => Instruction };

function assemble(items: Item[]): Instruction[] {
  const labels = new Map<string, number>();
  let slot = 0;
  for (const item of items) {
    if ('label' in item) labels.set(item.label, slot);
    else slot += 'to' in item || item.opcode !== 0x18 ? 1 : 2;
  }
  const out: Instruction[] = [];
  slot = 0;
  for (const item of items) {
    if ('label' in item) continue;
    if ('to' in item) {
      const target = labels.get(item.to);
      if (target === undefined) throw new Error(`no label ${item.to}`);
      out.push(item.make(target - slot - 1));
      slot += 1;
    } else {
      out.push(item);
      slot += item.opcode === 0x18 ? 2 : 1;
    }
  }
  return out;
}

const jneTo = (dst: number, src: number, to: string): Item => ({ to, make: (off) => I('jne', { dst, src, off }) });
const callTo = (to: string): Item => ({ to, make: (imm) => I('call local', { imm }) });

/**
 * Function L of a chain of `depth + 1`: loads its own r6..r9, stores a marker in its frame, calls function L + 1,
 * then checks that r6..r9, r10 and the marker survived (else r0 = 1000 + L) and returns 1 + the callee's r0.
 */
function chainFunction(level: number, depth: number, values: bigint[][], frameTop: number): Item[] {
  const mine = values[level]!;
  const items: Item[] = [{ label: `f${level}` }];
  for (let r = 0; r < 4; r++) items.push(lddw(6 + r, mine[r]!));
  items.push(I('stdw', { dst: 10, off: -8, imm: level }));
  if (level < depth) {
    items.push(callTo(`f${level + 1}`));
    items.push(I('add', { dst: 0, imm: 1 }));
  } else {
    items.push(mov(0, 1));
  }
  items.push(I('ldxdw', { dst: 1, src: 10, off: -8 }));
  items.push(lddw(2, BigInt(level)));
  items.push(jneTo(1, 2, `fail${level}`));
  for (let r = 0; r < 4; r++) {
    items.push(lddw(1, mine[r]!));
    items.push(jneTo(6 + r, 1, `fail${level}`));
  }
  items.push(lddw(1, BigInt(frameTop - STACK_FRAME_SIZE * level)));
  items.push(jneTo(10, 1, `fail${level}`));
  items.push(EXIT);
  items.push({ label: `fail${level}` }, mov(0, 1000 + level), EXIT);
  return items;
}

describe('interpreter: BPF-to-BPF call frames', () => {
  it('every depth keeps r6..r9, its frame pointer and its stack across nested calls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_CALL_FRAMES - 1 }),
        fc.array(fc.array(arbU64, { minLength: 4, maxLength: 4 }), {
          minLength: MAX_CALL_FRAMES,
          maxLength: MAX_CALL_FRAMES,
        }),
        (depth, values) => {
          const space = new AddressSpace({ maxBytes: 1 << 20 });
          // the stack is the interpreter's first allocation: its frame top is the same for every instance
          const frameTop = new Interpreter([EXIT], new AddressSpace({ maxBytes: 1 << 20 }), new HelperTable()).frameTop;
          const items: Item[] = [];
          for (let level = 0; level <= depth; level++) items.push(...chainFunction(level, depth, values, frameTop));
          const interp = new Interpreter(assemble(items), space, new HelperTable());
          assert.equal(interp.frameTop, frameTop);
          const result = interp.run();
          assert.equal(result.r0, BigInt(depth + 1));
          // a level: 4 lddw, stdw, mov (the deepest) or call + add, ldxdw, lddw, jne, 4 x (lddw, jne), lddw, jne, exit
          assert.equal(result.insnsExecuted, (depth + 1) * 20 + depth);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the ninth frame faults at its call; the next run starts from an empty frame stack', () => {
    const values = Array.from({ length: MAX_CALL_FRAMES + 1 }, () => [1n, 2n, 3n, 4n]);
    const items: Item[] = [];
    for (let level = 0; level <= MAX_CALL_FRAMES; level++) {
      items.push(...chainFunction(level, MAX_CALL_FRAMES, values, 0));
    }
    const code = assemble(items);
    const interp = new Interpreter(code, new AddressSpace({ maxBytes: 1 << 20 }), new HelperTable());
    // every function but the last has the same size; its call follows 4 lddw and a store (slot 9)
    const first = assemble([...chainFunction(0, 1, values, 0), { label: 'f1' }]);
    const size = first.reduce((n, insn) => n + (insn.opcode === 0x18 ? 2 : 1), 0);
    const callPc = (level: number) => level * size + 9;
    for (let run = 0; run < 2; run++) {
      assert.throws(
        () => interp.run(),
        (e: unknown) =>
          e instanceof VmFault &&
          e.kind === 'call-depth' &&
          /more than 8 nested calls/.test(e.message) &&
          e.pc === callPc(MAX_CALL_FRAMES - 1),
      );
    }
  });
});

describe('interpreter: calls and tail calls together', () => {
  /**
   * main calls sub; sub tail-calls T (same frame, depth 1); T calls its own function g (a call made while the running
   * program is not the one the run entered), returns into T, and T's exit returns to main.
   */
  const main = [
    mov(6, 1),
    I('call local', { imm: 2 }),
    I('add', { dst: 0, src: 6 }),
    EXIT,
    mov(6, 50), // sub
    mov(3, 0),
    TAIL_CALL,
    EXIT,
  ];
  const target = (g: Instruction[]) => [
    mov(6, 7),
    I('call local', { imm: 3 }),
    I('add', { dst: 0, src: 6 }),
    I('stxdw', { dst: 10, src: 0, off: -8 }),
    EXIT,
    ...g,
  ];

  function interpreter(g: Instruction[]): Interpreter {
    const targetP = predecode(target(g));
    const links: InterpreterLinks = { tailCallTarget: (_map, index) => (index === 0 ? targetP : undefined) };
    return new Interpreter(predecode(main), new AddressSpace({ maxBytes: 1 << 20 }), new HelperTable(), links);
  }

  it('a call inside a tail-call target returns into the target, whose exit returns to the first program', () => {
    const interp = interpreter([mov(6, 300), mov(0, 20), EXIT]);
    // g's 20, T's r6 = 7 restored after g, main's r6 = 1 restored after T
    assert.deepEqual(interp.run(), { r0: 28n, insnsExecuted: 2 + 3 + 2 + 3 + 3 + 2 });
    assert.equal(interp.active, interp.program);
    assert.equal(interp.tailCalls, 1);
    // a second run starts over in main with a fresh tail-call count
    assert.deepEqual(interp.run(), { r0: 28n, insnsExecuted: 15 });
  });

  it('a fault after returning into the target names the target and its pc', () => {
    // T's store through r10 becomes a load through r0 = g's 0 + 7 (unmapped): pc 3 of T, after g returned
    const faulty = predecode(
      target([mov(0, 0), EXIT]).map((insn, pc) => (pc === 3 ? I('ldxdw', { dst: 1, src: 0, off: 0 }) : insn)),
    );
    const links: InterpreterLinks = { tailCallTarget: () => faulty };
    const interp = new Interpreter(predecode(main), new AddressSpace({ maxBytes: 1 << 20 }), new HelperTable(), links);
    assert.throws(
      () => interp.run(),
      (e: unknown) => e instanceof VmFault && e.kind === 'read' && e.pc === 3 && e.address === 7n,
    );
    assert.equal(interp.active, faulty);
  });

  it('a tail call chain inside nested calls returns through every frame', () => {
    // main -> f (depth 1) -> h (depth 2) tail-calls T2, which calls its function and returns to f, then to main
    const t2 = predecode([
      mov(6, 9),
      I('call local', { imm: 2 }),
      I('add', { dst: 0, src: 6 }),
      EXIT,
      mov(0, 100), // g
      EXIT,
    ]);
    const prog = predecode([
      mov(6, 1),
      I('call local', { imm: 2 }), // f
      I('add', { dst: 0, src: 6 }),
      EXIT,
      mov(6, 20), // f
      I('call local', { imm: 2 }), // h
      I('add', { dst: 0, src: 6 }),
      EXIT,
      mov(6, 40), // h
      mov(3, 0),
      TAIL_CALL,
      EXIT,
    ]);
    const interp = new Interpreter(prog, new AddressSpace({ maxBytes: 1 << 20 }), new HelperTable(), {
      tailCallTarget: () => t2,
    });
    // T2's g: 100, + T2's r6 9, + f's r6 20, + main's r6 1
    assert.equal(interp.run().r0, 130n);
  });
});

describe('interpreter: callbacks and a growing memory', () => {
  it('a callback invoked from a subprogram runs on its own frames and returns to the right depth', () => {
    // helper 181 calls the callback r2 r1 times; the callback itself makes a local call
    const helpers = new HelperTable().define(181, 'loop', (c) => {
      let sum = 0n;
      for (let i = 0; i < c.u32(1); i++) sum += c.invoke!(c.u64(2), [i]);
      return sum;
    });
    const prog = predecode([
      mov(6, 3), // 0: main
      I('call local', { imm: 2 }),
      I('add', { dst: 0, src: 6 }),
      EXIT,
      mov(6, 5), // 4: sub, at depth 1
      mov(1, 4),
      lddw(2, 0n, 4), // the callback (functionAt below maps any value to pc 11)
      I('call', { imm: 181 }),
      I('add', { dst: 0, src: 6 }),
      EXIT,
      I('mov', { dst: 6, src: 1 }), // 11: callback(i) = leaf(i) + i, leaf(i) = 10 * i
      I('call local', { imm: 2 }),
      I('add', { dst: 0, src: 6 }),
      EXIT,
      I('mov', { dst: 0, src: 1 }), // 15: leaf
      I('mul', { dst: 0, imm: 10 }),
      EXIT,
    ]);
    const interp = new Interpreter(prog, new AddressSpace({ maxBytes: 1 << 20 }), helpers, {
      functionAt: () => ({ program: prog, pc: 11 }),
    });
    // callbacks: 11 * (0 + 1 + 2 + 3) = 66; + sub's r6 5 + main's r6 3
    assert.equal(interp.run().r0, 66n + 5n + 3n);
  });

  it('keeps registers, frames and stack when a helper grows the memory mid-run, and runs on after growth', () => {
    const space = new AddressSpace({ maxBytes: 1 << 26, initialBytes: 1 << 16 });
    const helpers = new HelperTable().define(200, 'grow', () => {
      space.alloc(1 << 22, 'big');
      return 1;
    });
    const prog = [
      mov(6, 11),
      I('stdw', { dst: 10, off: -8, imm: 31 }),
      I('call local', { imm: 4 }),
      I('ldxdw', { dst: 1, src: 10, off: -8 }),
      I('add', { dst: 0, src: 1 }),
      I('add', { dst: 0, src: 6 }),
      EXIT,
      mov(6, 99), // callee: grows the memory, then uses its own frame
      I('stdw', { dst: 10, off: -8, imm: 1000 }),
      I('call', { imm: 200 }),
      I('ldxdw', { dst: 0, src: 10, off: -8 }),
      EXIT,
    ];
    const interp = new Interpreter(prog, space, helpers);
    const before = space.memory.buffer.byteLength;
    assert.equal(interp.run().r0, 1000n + 31n + 11n);
    assert.ok(space.memory.buffer.byteLength > before);
    space.alloc(1 << 22, 'between runs');
    assert.equal(interp.run().r0, 1042n);
    // grown behind the address space's back: its own views are stale too
    space.memory.grow(1);
    assert.equal(interp.run().r0, 1042n);
    assert.equal(space.view.getBigUint64(interp.registers, true), 1042n);
  });
});
