import type { AddressSpace } from '../vm/memory.js';
import { MapDefinitionError, MapOpError, VmMap, type VmMapOptions } from './map.js';
import { BPF_EXIST, Errno, type MapDefinition, MapType } from './types.js';

/**
 * BPF_MAP_TYPE_QUEUE (FIFO) and STACK (LIFO): keyless maps of up to max_entries values. push with BPF_EXIST on a
 * full map overwrites the oldest value, as the kernel's queue_stack_maps.c does; otherwise a full map gives -E2BIG.
 */
export class QueueStackMap extends VmMap {
  readonly lifo: boolean;
  private readonly items: Uint8Array[] = [];

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    if (def.keySize !== 0) throw new MapDefinitionError(def, 'key size must be 0');
    if (def.valueSize <= 0) throw new MapDefinitionError(def, 'value size must be positive');
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
    this.lifo = def.type === MapType.STACK;
  }

  get size(): number {
    return this.items.length;
  }

  override pushElem(value: Uint8Array, flags: number): number {
    if (flags & ~BPF_EXIST) return -Errno.EINVAL;
    if (this.items.length >= this.maxEntries) {
      if (!(flags & BPF_EXIST)) return -Errno.E2BIG;
      this.items.shift(); // the oldest value goes, for both queues and stacks
    }
    this.items.push(value.slice(0, this.valueSize));
    return 0;
  }

  override popElem(out: Uint8Array): number {
    const v = this.lifo ? this.items.pop() : this.items.shift();
    if (!v) return -Errno.ENOENT;
    out.set(v);
    return 0;
  }

  override peekElem(out: Uint8Array): number {
    const v = this.lifo ? this.items[this.items.length - 1] : this.items[0];
    if (!v) return -Errno.ENOENT;
    out.set(v);
    return 0;
  }

  /** User space: push (BPF_MAP_UPDATE_ELEM with a NULL key). */
  push(value: Uint8Array, flags = 0): void {
    const err = this.pushElem(value, flags);
    if (err < 0) throw new MapOpError(-err, 'push', this.name);
  }

  /** User space: pop (BPF_MAP_LOOKUP_AND_DELETE_ELEM), undefined when empty. */
  pop(): Uint8Array | undefined {
    const out = new Uint8Array(this.valueSize);
    return this.popElem(out) === 0 ? out : undefined;
  }

  /** User space: peek (BPF_MAP_LOOKUP_ELEM with a NULL key), undefined when empty. */
  peek(): Uint8Array | undefined {
    const out = new Uint8Array(this.valueSize);
    return this.peekElem(out) === 0 ? out : undefined;
  }

  lookupElem(): number {
    return 0;
  }
  updateElem(_key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.pushElem(value, flags);
  }
  deleteElem(): number {
    return -Errno.EINVAL;
  }
  nextKey(): Uint8Array | undefined {
    return undefined;
  }
  lookup(): Uint8Array | undefined {
    return this.peek();
  }
  override *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    const order = this.lifo ? [...this.items].reverse() : this.items;
    for (const v of order) yield [new Uint8Array(0), v.slice()];
  }

  close(): void {
    this.items.length = 0;
  }
}
