import type { AddressSpace, Region } from '../vm/memory.js';
import { keyString, MapDefinitionError, roundUp8, VmMap, type VmMapOptions } from './map.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, Errno, type MapDefinition, MapType } from './types.js';

interface Element {
  key: Uint8Array;
  /** Value regions: one, or one per CPU. */
  values: Region[];
  prev: Element | undefined;
  next: Element | undefined;
}

/**
 * BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH. Elements are kept in a JS Map for lookup and in a
 * doubly-linked list for iteration order (insertion order; for LRU maps, least recently used first, so eviction
 * takes the head). Value memory of deleted elements is recycled, never unmapped, so a program still holding a
 * pointer to a deleted value reads stale data as it would in the kernel instead of faulting.
 */
export class HashMap extends VmMap {
  readonly percpu: boolean;
  readonly lru: boolean;
  private readonly elements = new Map<string, Element>();
  private head: Element | undefined;
  private tail: Element | undefined;
  private readonly spare: Region[][] = [];
  private readonly elemSize: number;

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    if (def.keySize <= 0) throw new MapDefinitionError(def, 'key size must be positive');
    if (def.valueSize <= 0) throw new MapDefinitionError(def, 'value size must be positive');
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
    this.percpu = def.type === MapType.PERCPU_HASH || def.type === MapType.LRU_PERCPU_HASH;
    this.lru = def.type === MapType.LRU_HASH || def.type === MapType.LRU_PERCPU_HASH;
    this.elemSize = roundUp8(def.valueSize);
  }

  get size(): number {
    return this.elements.size;
  }

  override get userValueSize(): number {
    return this.percpu ? this.elemSize * this.cpus : this.def.valueSize;
  }

  lookupElem(key: Uint8Array, cpu: number): number {
    const e = this.elements.get(keyString(key));
    if (!e) return 0;
    if (this.lru) this.touch(e);
    return e.values[this.percpu ? cpu : 0]!.start;
  }

  updateElem(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number {
    const r = this.findOrInsert(key, flags);
    if (typeof r === 'number') return r;
    this.space.u8.set(value.subarray(0, this.valueSize), r.values[this.percpu ? cpu : 0]!.start);
    return 0;
  }

  protected override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    const r = this.findOrInsert(key, flags);
    if (typeof r === 'number') return r;
    if (!this.percpu) this.space.u8.set(value, r.values[0]!.start);
    else {
      for (let c = 0; c < this.cpus; c++) {
        this.space.u8.set(value.subarray(c * this.elemSize, c * this.elemSize + this.valueSize), r.values[c]!.start);
      }
    }
    return 0;
  }

  deleteElem(key: Uint8Array): number {
    const k = keyString(key);
    const e = this.elements.get(k);
    if (!e) return -Errno.ENOENT;
    this.elements.delete(k);
    this.unlink(e);
    this.spare.push(e.values);
    return 0;
  }

  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    if (key === undefined) return this.head?.key.slice();
    const e = this.elements.get(keyString(key));
    // like the kernel, a key that is not in the map restarts the iteration
    if (!e) return this.head?.key.slice();
    return e.next?.key.slice();
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const e = this.elements.get(keyString(key));
    if (!e) return undefined;
    if (!this.percpu) return this.space.u8.slice(e.values[0]!.start, e.values[0]!.start + this.valueSize);
    const out = new Uint8Array(this.userValueSize);
    e.values.forEach((r, c) => out.set(this.space.u8.subarray(r.start, r.start + this.valueSize), c * this.elemSize));
    return out;
  }

  close(): void {
    for (const e of this.elements.values()) for (const r of e.values) this.space.free(r);
    for (const values of this.spare) for (const r of values) this.space.free(r);
    this.elements.clear();
    this.head = this.tail = undefined;
  }

  private findOrInsert(key: Uint8Array, flags: number): Element | number {
    if (flags & ~(BPF_EXIST | BPF_NOEXIST | BPF_F_LOCK) || (flags & 3) === 3) return -Errno.EINVAL;
    const k = keyString(key);
    const existing = this.elements.get(k);
    if (existing) {
      if (flags & BPF_NOEXIST) return -Errno.EEXIST;
      if (this.lru) this.touch(existing);
      return existing;
    }
    if (flags & BPF_EXIST) return -Errno.ENOENT;
    const keyCopy = key.slice(); // before allocating: growing the memory detaches views into it
    if (this.elements.size >= this.maxEntries) {
      if (!this.lru || !this.head) return -Errno.E2BIG;
      this.deleteElem(this.head.key);
    }
    const values = this.spare.pop() ?? this.allocValues();
    for (const r of values) this.space.u8.fill(0, r.start, r.start + this.valueSize);
    const e: Element = { key: keyCopy, values, prev: undefined, next: undefined };
    this.elements.set(k, e);
    this.append(e);
    return e;
  }

  private allocValues(): Region[] {
    const n = this.percpu ? this.cpus : 1;
    const out: Region[] = [];
    for (let c = 0; c < n; c++) out.push(this.space.alloc(this.valueSize, `${this.name} value`, 'map-value'));
    return out;
  }

  private touch(e: Element): void {
    if (this.tail === e) return;
    this.unlink(e);
    this.append(e);
  }

  private append(e: Element): void {
    e.prev = this.tail;
    e.next = undefined;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
  }

  private unlink(e: Element): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = undefined;
  }
}
