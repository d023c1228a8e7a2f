import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Instruction } from '../../src/isa/instruction.js';
import { compileJit } from '../../src/jit/compile.js';
import { JitMemoryRunner } from '../../src/jit/run-memory.js';
import { VmFault } from '../../src/vm/fault.js';
import { HelperTable } from '../../src/vm/helper.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { AddressSpace } from '../../src/vm/memory.js';
import { MemoryRunner, type MemoryRunOptions } from '../../src/vm/run-memory.js';
import { EXIT, I, lddw } from '../vm/build.js';
import { arbAluInsn, arbU64 } from '../vm/alu-arbitraries.js';
import { referenceRun } from '../vm/reference-model.js';

const helpers = new HelperTable().define(5, 'ret_arg1', (c) => c.u64(1));
const U64 = (v: bigint) => BigInt.asUintN(64, v);

type Outcome = { r0: bigint; insnsExecuted: number; memory: Uint8Array } | { fault: VmFault };

function attempt(runner: MemoryRunner | JitMemoryRunner, mem: Uint8Array, options: MemoryRunOptions): Outcome {
  try {
    return { ...runner.run(mem, options), memory: runner.memory() };
  } catch (err) {
    if (err instanceof VmFault) return { fault: err };
    throw err;
  }
}

/** Runs on the interpreter and the JIT; they must agree (faults by kind, pc, message). Returns the JIT's outcome. */
function both(insns: Instruction[], mem: Uint8Array = new Uint8Array(16), options: MemoryRunOptions = {}) {
  const vm = attempt(new MemoryRunner(insns, helpers, mem.length), mem, options);
  const jit = attempt(new JitMemoryRunner(insns, helpers, mem.length), mem, options);
  if ('fault' in vm || 'fault' in jit) {
    const show = (o: Outcome) => ('fault' in o ? o.fault.message : `r0 ${o.r0}`);
    assert.ok('fault' in vm && 'fault' in jit, `only one faulted: vm ${show(vm)}, jit ${show(jit)}`);
    assert.equal(jit.fault.kind, vm.fault.kind);
    assert.equal(jit.fault.pc, vm.fault.pc);
    assert.equal(jit.fault.message, vm.fault.message);
    assert.equal(jit.fault.address, vm.fault.address);
    assert.equal(jit.fault.size, vm.fault.size);
  } else {
    assert.deepEqual(jit, vm);
  }
  return jit;
}

function r0(...body: Instruction[]): bigint {
  const out = both([...body, EXIT]);
  if ('fault' in out) throw out.fault;
  return out.r0;
}

function faultOf(insns: Instruction[], mem?: Uint8Array, options?: MemoryRunOptions): VmFault {
  const out = both(insns, mem, options);
  assert.ok('fault' in out, 'expected a fault');
  return out.fault;
}

describe('JIT: ALU', () => {
  it('division and modulo by zero, INT_MIN / -1, in both widths and both operand forms', () => {
    const MIN64 = -(1n << 63n);
    assert.equal(r0(lddw(0, MIN64), I('sdiv', { dst: 0, imm: -1 })), 1n << 63n);
    assert.equal(r0(lddw(0, MIN64), I('mov', { dst: 1, imm: -1 }), I('sdiv', { dst: 0, src: 1 })), 1n << 63n);
    assert.equal(r0(lddw(0, MIN64), I('mov', { dst: 1, imm: -1 }), I('smod', { dst: 0, src: 1 })), 0n);
    assert.equal(
      r0(I('mov32', { dst: 0, imm: -0x80000000 }), I('mov', { dst: 1, imm: -1 }), I('sdiv32', { dst: 0, src: 1 })),
      0x80000000n,
    );
    assert.equal(r0(I('mov32', { dst: 0, imm: -0x80000000 }), I('smod32', { dst: 0, imm: -1 })), 0n);
    assert.equal(
      r0(I('mov', { dst: 0, imm: -7 }), I('mov', { dst: 1, imm: 0 }), I('mod32', { dst: 0, src: 1 })),
      0xfffffff9n,
    );
    assert.equal(
      r0(I('mov', { dst: 0, imm: -7 }), I('mov', { dst: 1, imm: 0 }), I('smod', { dst: 0, src: 1 })),
      U64(-7n),
    );
    assert.equal(r0(I('mov', { dst: 0, imm: -7 }), I('mov', { dst: 1, imm: 0 }), I('sdiv', { dst: 0, src: 1 })), 0n);
    assert.equal(r0(I('mov', { dst: 0, imm: -7 }), I('div32', { dst: 0, imm: 0 })), 0n);
    assert.equal(r0(I('mov', { dst: 0, imm: -13 }), I('smod', { dst: 0, imm: 3 })), U64(-1n));
    assert.equal(r0(lddw(0, 0xffffffffn), I('div', { dst: 0, imm: -1 })), 0n);
  });
  it('byte swaps, truncations and sign-extending moves', () => {
    const v = 0x1122334455667788n;
    assert.equal(r0(lddw(0, v), I('le16', { dst: 0 })), 0x7788n);
    assert.equal(r0(lddw(0, v), I('le32', { dst: 0 })), 0x55667788n);
    assert.equal(r0(lddw(0, v), I('le64', { dst: 0 })), v);
    assert.equal(r0(lddw(0, v), I('be16', { dst: 0 })), 0x8877n);
    assert.equal(r0(lddw(0, v), I('be32', { dst: 0 })), 0x88776655n);
    assert.equal(r0(lddw(0, v), I('bswap64', { dst: 0 })), 0x8877665544332211n);
    assert.equal(r0(I('mov', { dst: 1, imm: 0x80 }), I('movsx864', { dst: 0, src: 1 })), U64(-128n));
    assert.equal(r0(I('mov', { dst: 1, imm: 0x8000 }), I('movsx1632', { dst: 0, src: 1 })), 0xffff8000n);
  });

  it('random straight-line ALU programs match the BigInt reference model', () => {
    fc.assert(
      fc.property(
        fc.array(arbU64, { minLength: 10, maxLength: 10 }),
        fc.array(arbAluInsn, { maxLength: 40 }),
        (init, body) => {
          const prologue = init.map((v, i) => lddw(i, v));
          const spill = init.map((_, i) => I('stxdw', { dst: 10, src: i, off: -8 * (i + 1) }));
          const space = new AddressSpace({ maxBytes: 1 << 20 });
          const jit = compileJit([...prologue, ...body, ...spill, EXIT], { space, helpers });
          jit.run();
          const expected = referenceRun(body, init);
          for (let i = 0; i < 10; i++) {
            assert.equal(space.view.getBigUint64(jit.frameTop - 8 * (i + 1), true), expected[i], `r${i}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('JIT: memory', () => {
  it('loads and stores every size, with sign extension', () => {
    const prog = [
      lddw(1, 0x8182838485868788n),
      I('stxdw', { dst: 10, src: 1, off: -8 }),
      I('ldxsb', { dst: 2, src: 10, off: -8 }),
      I('ldxsh', { dst: 3, src: 10, off: -8 }),
      I('ldxsw', { dst: 4, src: 10, off: -8 }),
      I('ldxb', { dst: 5, src: 10, off: -1 }),
      I('sth', { dst: 10, off: -10, imm: -2 }),
      I('ldxh', { dst: 6, src: 10, off: -10 }),
      I('mov', { dst: 0, src: 2 }),
      I('add', { dst: 0, src: 3 }),
      I('add', { dst: 0, src: 4 }),
      I('add', { dst: 0, src: 5 }),
      I('add', { dst: 0, src: 6 }),
      EXIT,
    ];
    const expected = U64(
      BigInt.asIntN(8, 0x88n) + BigInt.asIntN(16, 0x8788n) + BigInt.asIntN(32, 0x85868788n) + 0x81n + 0xfffen,
    );
    const out = both(prog);
    assert.ok(!('fault' in out) && out.r0 === expected);
  });
  it('32-bit cmpxchg compares only the low halves and zero-extends the old value into r0', () => {
    const prog = [
      I('stw', { dst: 10, off: -4, imm: 5 }),
      lddw(0, 0x7_0000_0005n),
      I('mov', { dst: 1, imm: 9 }),
      I('lock cmpxchg32', { dst: 10, src: 1, off: -4 }),
      I('ldxw', { dst: 2, src: 10, off: -4 }),
      I('lsh', { dst: 2, imm: 40 }),
      I('or', { dst: 0, src: 2 }),
      EXIT,
    ];
    assert.equal(r0(...prog.slice(0, -1)), (9n << 40n) | 5n);
  });
  it('atomic operations of both widths, with and without fetch', () => {
    for (const op of ['add', 'or', 'and', 'xor', 'fetch add', 'fetch or', 'fetch and', 'fetch xor', 'xchg']) {
      for (const suffix of ['', '32']) {
        const prog = [
          lddw(2, 0xf0f0_1234_8765_ff0fn),
          I('stxdw', { dst: 10, src: 2, off: -8 }),
          lddw(1, 0x0ff0_0001_ffff_00f3n),
          I(`lock ${op}${suffix}`, { dst: 10, src: 1, off: -8 }),
          I('ldxdw', { dst: 0, src: 10, off: -8 }),
          I('xor', { dst: 0, src: 1 }),
          EXIT,
        ];
        both(prog);
      }
    }
  });
  it('faults where the interpreter faults: out of bounds, null, 64-bit pointers, partial chunks, read-only', () => {
    const f = faultOf([I('ldxw', { dst: 0, src: 1, off: 14 }), EXIT]);
    assert.equal(f.kind, 'read');
    assert.match(f.message, /straddles the end of memory/);
    assert.equal(faultOf([I('mov', { dst: 1, imm: 0 }), I('ldxb', { dst: 0, src: 1 }), EXIT]).kind, 'read');
    assert.equal(faultOf([I('mov', { dst: 1, imm: 8 }), I('stxb', { dst: 1, src: 1 }), EXIT]).kind, 'write');
    assert.equal(faultOf([lddw(1, 1n << 32n), I('ldxb', { dst: 0, src: 1 }), EXIT]).address, 1n << 32n);
    assert.equal(faultOf([I('stb', { dst: 1, off: -1, imm: 0 }), EXIT]).kind, 'write');
    const partial = [I('ldxb', { dst: 0, src: 1, off: 5 }), EXIT];
    assert.equal(faultOf(partial, new Uint8Array(5)).kind, 'read');
    const ok = both(partial, Uint8Array.from([0, 0, 0, 0, 0, 42]));
    assert.ok(!('fault' in ok) && ok.r0 === 42n);

    const space = new AddressSpace({ maxBytes: 1 << 20 });
    const ro = space.alloc(8, 'rodata', 'map-value', false);
    const write = compileJit([I('stb', { dst: 1, imm: 1 }), EXIT], { space, helpers });
    assert.throws(
      () => write.run({ args: [ro.start] }),
      (e: unknown) => e instanceof VmFault && e.kind === 'write' && e.pc === 0,
    );
    assert.equal(
      compileJit([I('ldxb', { dst: 0, src: 1 }), EXIT], { space, helpers }).run({ args: [ro.start] }).r0,
      0n,
    );
  });
  it('leaves out the checks of verified accesses (and the run still works)', () => {
    const prog = [I('ldxb', { dst: 0, src: 1, off: 3 }), I('stb', { dst: 10, off: -1, imm: 1 }), EXIT];
    const checked = compileJit(prog, { space: new AddressSpace({ maxBytes: 1 << 20 }), helpers });
    const space = new AddressSpace({ maxBytes: 1 << 20 });
    const verified = compileJit(prog, { space, helpers, verifiedAccesses: new Set([0, 1]) });
    assert.ok(verified.wasm.length < checked.wasm.length - 40, `${verified.wasm.length} vs ${checked.wasm.length}`);
    const region = space.alloc(8, 'memory', 'memory');
    space.u8[region.start + 3] = 99;
    assert.equal(verified.run({ args: [region.start] }).r0, 99n);
    assert.equal(space.u8[verified.frameTop - 1], 1);
  });
  it('sees memory that a helper allocated (the memory grew during the call)', () => {
    const space = new AddressSpace({ initialBytes: 65536, maxBytes: 4 << 20 });
    const grow = new HelperTable().define(1, 'alloc', (c) => {
      const r = c.space.alloc(1 << 20, 'big', 'map-value');
      c.space.refresh();
      c.space.u8[r.start + 0x7fff] = 7;
      return r.start;
    });
    const jit = compileJit([I('call', { imm: 1 }), I('ldxb', { dst: 0, src: 0, off: (1 << 15) - 1 }), EXIT], {
      space,
      helpers: grow,
    });
    const before = space.memory.buffer.byteLength;
    assert.equal(jit.run().r0, 7n);
    assert.ok(space.memory.buffer.byteLength > before);
  });
});

describe('JIT: control flow', () => {
  it('local calls preserve r6..r9 and r10, and pass r1..r5 and r0 both ways', () => {
    const prog = [
      I('mov', { dst: 6, imm: 6 }),
      I('stdw', { dst: 10, off: -8, imm: 77 }),
      I('call local', { imm: 4 }),
      I('ldxdw', { dst: 1, src: 10, off: -8 }),
      I('add', { dst: 0, src: 6 }),
      I('add', { dst: 0, src: 1 }),
      EXIT,
      I('mov', { dst: 6, imm: 100 }),
      I('stdw', { dst: 10, off: -8, imm: 1 }),
      I('mov', { dst: 0, imm: 1000 }),
      EXIT,
    ];
    assert.equal(r0(...prog.slice(0, -1), EXIT), 1000n + 6n + 77n);
  });
  it('the ninth nested frame faults at the call, after its stores in eight frames', () => {
    const prog = [I('stdw', { dst: 10, off: -8, imm: 1 }), I('call local', { imm: -2 }), EXIT];
    const f = faultOf(prog);
    assert.equal(f.kind, 'call-depth');
    assert.equal(f.pc, 1);
  });
  it('the budget faults at the same pc as the interpreter, and counts the same instructions', () => {
    const loop = [I('mov', { dst: 0, imm: 0 }), I('add', { dst: 0, imm: 1 }), lddw(2, 5n), I('ja', { off: -4 }), EXIT];
    for (const budget of [1, 2, 3, 4, 5, 6, 7, 100, 1001]) {
      const f = faultOf(loop, undefined, { budget });
      assert.equal(f.kind, 'budget');
    }
    const counted = both([
      I('mov', { dst: 0, imm: 3 }),
      I('sub', { dst: 0, imm: 1 }),
      I('jne', { dst: 0, imm: 0, off: -2 }),
      EXIT,
    ]);
    assert.ok(!('fault' in counted) && counted.insnsExecuted === 8);
  });
  it('jumps outside the program or into an lddw fault like the interpreter', () => {
    assert.match(faultOf([I('ja', { off: 3 }), EXIT]).message, /outside the program/);
    assert.match(faultOf([I('mov', { dst: 0, imm: 0 })]).message, /outside the program/);
    assert.match(faultOf([I('ja', { off: 1 }), lddw(0, 1n), EXIT]).message, /middle of lddw/);
    assert.match(faultOf([I('call local', { imm: 5 }), EXIT]).message, /outside the program/);
  });
  it('compares signed and unsigned, 64 and 32 bits', () => {
    const cmp = (mn: string, a: bigint, b: bigint) =>
      r0(
        lddw(1, a),
        lddw(2, b),
        I('mov', { dst: 0, imm: 1 }),
        I(mn, { dst: 1, src: 2, off: 1 }),
        I('mov', { dst: 0, imm: 0 }),
      );
    assert.equal(cmp('jgt', U64(-1n), 1n), 1n);
    assert.equal(cmp('jsgt', U64(-1n), 1n), 0n);
    assert.equal(cmp('jslt32', 0x1_ffff_ffffn, 0n), 1n);
    assert.equal(cmp('jset32', 0x1_0000_0000n, 0x1_0000_0000n), 0n);
  });
  it('helpers by id and callx; unknown helpers and kfunc calls fault', () => {
    assert.equal(r0(I('mov', { dst: 1, imm: 42 }), I('call', { imm: 5 })), 42n);
    assert.equal(r0(I('mov', { dst: 1, imm: 43 }), I('mov', { dst: 2, imm: 5 }), I('callx', { dst: 2 })), 43n);
    assert.equal(faultOf([I('call', { imm: 999 }), EXIT]).kind, 'helper');
    assert.equal(faultOf([lddw(2, (1n << 32n) | 5n), I('callx', { dst: 2 }), EXIT]).kind, 'helper');
    assert.match(faultOf([I('call runtime', { imm: 7 }), EXIT]).message, /kfunc call/);
  });
  it('LD_ABS/LD_IND load big-endian and end the program with 0 when out of bounds, even in a callee', () => {
    const packet = Uint8Array.from([0, 0x12, 0x34, 0x56, 0x78]);
    const run = (prog: Instruction[], mem = packet) => {
      const out = both(prog, mem, { packet: true });
      assert.ok(!('fault' in out));
      return out;
    };
    assert.equal(run([I('ldabsh', { imm: 1 }), EXIT]).r0, 0x1234n);
    assert.equal(run([I('ldabsw', { imm: 1 }), EXIT]).r0, 0x12345678n);
    assert.equal(run([I('mov', { dst: 3, imm: 2 }), I('ldindb', { src: 3, imm: 1 }), EXIT]).r0, 0x56n);
    assert.equal(run([I('ldabsh', { imm: 4 }), EXIT]).r0, 0n);
    const nested = [
      I('mov', { dst: 0, imm: 9 }),
      I('call local', { imm: 1 }),
      EXIT,
      I('ldabsw', { imm: 3 }),
      I('mov', { dst: 0, imm: 5 }),
      EXIT,
    ];
    const out = run(nested);
    assert.equal(out.r0, 0n);
    assert.equal(out.insnsExecuted, 3);
    assert.match(faultOf([I('ldabsb', { imm: 0 }), EXIT]).message, /needs a packet/);
  });
  it('compile errors name the instruction', () => {
    const space = new AddressSpace({ maxBytes: 1 << 20 });
    assert.throws(
      () =>
        compileJit([I('mov', { dst: 0, imm: 0 }), { opcode: 0xff, dst: 0, src: 0, off: 0, imm: 0 }], {
          space,
          helpers,
        }),
      /pc 1/,
    );
  });
});

describe('JIT: register file and runs', () => {
  it('helpers read r1..r5 from the register file; r0 lands there too; runs are repeatable', () => {
    const space = new AddressSpace({ maxBytes: 1 << 20 });
    const seen: bigint[] = [];
    const table = new HelperTable().define(9, 'args', (c) => {
      for (let n = 1; n <= 5; n++) seen.push(c.u64(n));
      return -2;
    });
    const prog = [
      I('mov', { dst: 1, imm: 1 }),
      I('mov', { dst: 2, imm: -2 }),
      lddw(3, 1n << 40n),
      I('mov', { dst: 4, imm: 4 }),
      I('mov', { dst: 5, imm: 5 }),
      I('call', { imm: 9 }),
      EXIT,
    ];
    const jit = compileJit(prog, { space, helpers: table });
    for (let i = 0; i < 3; i++) assert.equal(jit.run().r0, U64(-2n));
    assert.deepEqual(seen.slice(0, 5), [1n, U64(-2n), 1n << 40n, 4n, 5n]);
    assert.equal(space.view.getBigUint64(jit.registers, true), U64(-2n));
    const interp = new Interpreter(prog, new AddressSpace({ maxBytes: 1 << 20 }), table);
    assert.equal(interp.run().r0, U64(-2n));
  });
});
