import type { Instruction } from '../isa/instruction.js';
import type { HelperTable } from '../vm/helper.js';
import type { RunResult } from '../vm/interpreter.js';
import { AddressSpace, type Region } from '../vm/memory.js';
import type { MemoryRunOptions } from '../vm/run-memory.js';
import { compileJit, type JitOptions, type JitProgram } from './compile.js';

/**
 * The JIT counterpart of MemoryRunner: a compiled program bound to an input buffer, r1 = address of a copy of the
 * memory, r2 = its length. It allocates in the same order as MemoryRunner (stack, register file, memory), so the
 * two see the same addresses and their results can be compared byte for byte.
 */
export class JitMemoryRunner {
  readonly space = new AddressSpace();
  readonly jit: JitProgram;
  private region: Region;

  constructor(
    insns: readonly Instruction[],
    helpers: HelperTable,
    capacity = 4096,
    options: Omit<JitOptions, 'space' | 'helpers' | 'registers' | 'stack'> = {},
  ) {
    this.jit = compileJit(insns, { ...options, space: this.space, helpers });
    this.region = this.space.alloc(capacity, 'memory', 'memory');
  }

  /** Runs once with `mem` as input (copied in; the region is reallocated when the size changes). */
  run(mem: Uint8Array, options: MemoryRunOptions = {}): RunResult {
    if (mem.length !== this.region.size) {
      this.space.free(this.region);
      this.region = this.space.alloc(mem.length, 'memory', 'memory');
    }
    this.space.u8.set(mem, this.region.start);
    const start = mem.length === 0 ? 0 : this.region.start;
    return this.jit.run({
      args: [start, mem.length],
      budget: options.budget,
      packet: options.packet ? { start: this.region.start, length: mem.length } : undefined,
    });
  }

  /** The memory as the last run left it (a copy). */
  memory(): Uint8Array {
    this.space.refresh();
    return this.space.u8.slice(this.region.start, this.region.start + this.region.size);
  }
}
