import type { HelperCall } from '../vm/helper.js';
import type { AddressSpace } from '../vm/memory.js';
import { toBig } from '../vm/u64.js';

/**
 * The HelperCall the JIT hands to helpers: argument registers read from the register file in the address space,
 * where the compiled code spilled r1..r5 just before the call. The view is re-created when the memory grows.
 */
export class RegisterFileCall implements HelperCall {
  pc = 0;
  private regs: Int32Array;

  constructor(
    readonly space: AddressSpace,
    private readonly registers: number,
    /** Runs a callback of the program (HelperCall.invoke), supplied by the JitProgram. */
    readonly invoke: (fn: bigint, args: readonly (number | bigint)[]) => bigint,
  ) {
    this.regs = new Int32Array(space.memory.buffer, registers, 22);
  }

  /**
   * The register file as 32-bit halves. Growing a WebAssembly.Memory detaches its old buffer, which empties every
   * view of it: a zero length is the cheap sign that the view must be re-created (`memory.buffer` is slow to read).
   */
  file(): Int32Array {
    if (this.regs.length === 0) {
      this.space.refresh();
      this.regs = new Int32Array(this.space.memory.buffer, this.registers, 22);
    }
    return this.regs;
  }

  u64(n: number): bigint {
    const r = this.file();
    return toBig(r[2 * n]!, r[2 * n + 1]!);
  }

  u32(n: number): number {
    return this.file()[2 * n]! >>> 0;
  }

  i32(n: number): number {
    return this.file()[2 * n]!;
  }

  ptr(n: number): number {
    const r = this.file();
    return r[2 * n + 1] === 0 ? r[2 * n]! >>> 0 : Number.NaN;
  }
}
