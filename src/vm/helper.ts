import type { AddressSpace } from './memory.js';

/**
 * What a helper sees when a program calls it: the argument registers r1..r5 (stored in the address space's register
 * file, the same for the interpreter and the JIT) and the address space. A helper returns r0: a number (a signed
 * integer, so `-2` is -ENOENT as a 64-bit value) or a bigint (taken modulo 2^64).
 */
export interface HelperCall {
  readonly space: AddressSpace;
  /** pc of the call instruction. */
  readonly pc: number;
  /** Argument register n (1..5) as an unsigned 64-bit value. */
  u64(n: number): bigint;
  /** Low 32 bits of argument register n, unsigned. */
  u32(n: number): number;
  /** Low 32 bits of argument register n, signed. */
  i32(n: number): number;
  /** Argument register n as a pointer: its address, or NaN when it cannot be one (upper 32 bits set). */
  ptr(n: number): number;
  /**
   * Calls a function of the running program (a callback: bpf_loop, bpf_for_each_map_elem) with r1..r5 = args and
   * returns its r0. `fn` is the value the program loaded with lddw src=4. Absent when the executor cannot re-enter.
   */
  invoke?(fn: bigint, args: readonly (number | bigint)[]): bigint;
}

export type HelperFn = (call: HelperCall) => number | bigint;

export interface Helper {
  readonly id: number;
  readonly name: string;
  readonly fn: HelperFn;
}

/** Helpers by the kernel's helper ids (bpf_map_lookup_elem = 1, ...). */
export class HelperTable {
  private readonly byId: (Helper | undefined)[] = [];

  constructor(helpers: Iterable<Helper> = []) {
    for (const h of helpers) this.define(h.id, h.name, h.fn);
  }

  define(id: number, name: string, fn: HelperFn): this {
    this.byId[id] = { id, name, fn };
    return this;
  }

  get(id: number): Helper | undefined {
    return this.byId[id];
  }

  ids(): number[] {
    return this.byId.flatMap((h, i) => (h ? [i] : []));
  }
}
