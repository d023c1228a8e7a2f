import type { AddressSpace, Region } from '../vm/memory.js';

/**
 * Entries of the redirect maps, each a small read-only region holding what a program's lookup sees (the kernel
 * returns a pointer into its own entry, and marks these maps BPF_F_RDONLY_PROG so programs cannot write through
 * it). Entries are allocated when stored and freed when replaced or removed.
 */
export class SlotTable {
  private readonly slots = new Map<number, Region>();

  constructor(
    private readonly space: AddressSpace,
    private readonly name: string,
    private readonly size: number,
  ) {}

  get count(): number {
    return this.slots.size;
  }

  has(key: number): boolean {
    return this.slots.has(key);
  }

  /** Address of the entry's bytes, or 0. */
  address(key: number): number {
    return this.slots.get(key)?.start ?? 0;
  }

  /** A copy of the first `size` bytes of the entry, or undefined. */
  read(key: number, size: number): Uint8Array | undefined {
    const r = this.slots.get(key);
    return r ? this.space.u8.slice(r.start, r.start + size) : undefined;
  }

  /** Stores (or replaces) an entry's bytes. */
  store(key: number, bytes: Uint8Array): void {
    this.remove(key);
    const region = this.space.alloc(this.size, `${this.name}[${key}]`, 'map-value', false);
    this.space.u8.set(bytes.subarray(0, this.size), region.start);
    this.slots.set(key, region);
  }

  remove(key: number): boolean {
    const r = this.slots.get(key);
    if (!r) return false;
    this.space.free(r);
    this.slots.delete(key);
    return true;
  }

  clear(): void {
    for (const key of [...this.slots.keys()]) this.remove(key);
  }
}
