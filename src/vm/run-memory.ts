import type { Instruction } from '../isa/instruction.js';
import type { HelperTable } from './helper.js';
import { Interpreter, type RunResult } from './interpreter.js';
import { AddressSpace, type Region } from './memory.js';

export interface MemoryRunOptions {
  budget?: number;
  /** Also treat the memory as the packet of LD_ABS/LD_IND. */
  packet?: boolean;
}

/**
 * A program bound to an input buffer with the plain calling convention of raw programs (and of the conformance
 * suite): r1 = address of a copy of the memory, r2 = its length. The memory region is allocated once and rewritten
 * for every run.
 */
export class MemoryRunner {
  readonly space = new AddressSpace();
  readonly interpreter: Interpreter;
  private region: Region;

  constructor(insns: readonly Instruction[], helpers: HelperTable, capacity = 4096) {
    this.interpreter = new Interpreter(insns, this.space, helpers);
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
    const result = this.interpreter.run({
      args: [start, mem.length],
      budget: options.budget,
      packet: options.packet ? { start: this.region.start, length: mem.length } : undefined,
    });
    return result;
  }

  /** The memory as the last run left it (a copy). */
  memory(): Uint8Array {
    return this.space.u8.slice(this.region.start, this.region.start + this.region.size);
  }
}
