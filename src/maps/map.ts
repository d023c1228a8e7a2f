import { InputError } from '../errors.js';
import type { AddressSpace } from '../vm/memory.js';
import { Errno, errnoName, type MapDefinition, mapTypeName } from './types.js';

/** A map definition the kernel would refuse (BPF_MAP_CREATE's -EINVAL/-E2BIG), named and explained. */
export class MapDefinitionError extends InputError {
  override name = 'MapDefinitionError';
  constructor(def: MapDefinition, reason: string) {
    super(`map '${def.name}' (${mapTypeName(def.type)}): ${reason}`);
  }
}

/** A host-side map operation the kernel would fail, with its errno. */
export class MapOpError extends Error {
  override name = 'MapOpError';
  constructor(
    readonly errno: number,
    operation: string,
    mapName: string,
  ) {
    super(`${operation} on map '${mapName}' failed: ${errnoName(errno)}`);
  }
}

export interface VmMapOptions {
  /** Number of simulated CPUs (per-CPU maps keep one value per CPU). */
  cpus: number;
  /**
   * Whether a network device with this ifindex exists (what dev_get_by_index answers when a devmap entry is stored).
   * Default: every positive ifindex names a device, so tests may use any without declaring interfaces.
   */
  netdevs?: (ifindex: number) => boolean;
}

let nextMapId = 1;

/**
 * A map living in a VM address space, with the kernel's semantics. The program-facing operations (used by helpers)
 * take keys and values as byte views and return value addresses in the address space (0 for none) or negative
 * errno values; the host-facing operations copy bytes in and out and throw MapOpError.
 */
export abstract class VmMap {
  readonly id = nextMapId++;
  /** The map's identity as a pointer (what lddw map_fd loads into a register): host-only memory. */
  readonly address: number;
  readonly cpus: number;

  constructor(
    readonly def: MapDefinition,
    readonly space: AddressSpace,
    options: VmMapOptions,
  ) {
    this.cpus = options.cpus;
    this.address = space.reserve(8);
  }

  get name(): string {
    return this.def.name;
  }
  get keySize(): number {
    return this.def.keySize;
  }
  get valueSize(): number {
    return this.def.valueSize;
  }
  get maxEntries(): number {
    return this.def.maxEntries;
  }

  /** Bytes of a value as user space sees it: per-CPU maps give every CPU's value, each padded to 8 bytes. */
  get userValueSize(): number {
    return this.def.valueSize;
  }

  // ---- program side ----

  /** bpf_map_lookup_elem: address of the value (this CPU's for per-CPU maps), or 0. */
  abstract lookupElem(key: Uint8Array, cpu: number): number;
  /** bpf_map_update_elem: 0 or -errno. */
  abstract updateElem(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number;
  /** bpf_map_delete_elem: 0 or -errno. */
  abstract deleteElem(key: Uint8Array): number;

  /** bpf_map_push_elem (queue, stack, bloom filter). */
  pushElem(_value: Uint8Array, _flags: number): number {
    return -Errno.EINVAL;
  }
  /** bpf_map_pop_elem: copies into `out` and returns 0, or -errno. */
  popElem(_out: Uint8Array): number {
    return -Errno.EINVAL;
  }
  /** bpf_map_peek_elem (for a bloom filter: membership test of `out`'s bytes). */
  peekElem(_out: Uint8Array): number {
    return -Errno.EINVAL;
  }

  // ---- user-space side ----

  /** BPF_MAP_GET_NEXT_KEY: the key after `key` (the first with undefined), or undefined at the end. */
  abstract nextKey(key: Uint8Array | undefined): Uint8Array | undefined;

  /** BPF_MAP_LOOKUP_ELEM from user space: a copy of the value, or undefined. */
  abstract lookup(key: Uint8Array): Uint8Array | undefined;

  /** BPF_MAP_UPDATE_ELEM from user space; throws MapOpError. */
  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkKey(key);
    if (value.length !== this.userValueSize) {
      throw new MapOpError(
        Errno.EINVAL,
        `update (value of ${value.length} bytes, expected ${this.userValueSize})`,
        this.name,
      );
    }
    const err = this.userUpdate(key, value, flags);
    if (err < 0) throw new MapOpError(-err, 'update', this.name);
  }

  /** BPF_MAP_DELETE_ELEM from user space: true when an element was deleted, false when absent; throws otherwise. */
  delete(key: Uint8Array): boolean {
    this.checkKey(key);
    const err = this.deleteElem(key);
    if (err === -Errno.ENOENT) return false;
    if (err < 0) throw new MapOpError(-err, 'delete', this.name);
    return true;
  }

  /** Keys in get-next-key order. */
  *keys(): IterableIterator<Uint8Array> {
    let key = this.nextKey(undefined);
    let guard = 0;
    while (key !== undefined) {
      yield key;
      key = this.nextKey(key);
      if (++guard > this.maxEntries + 1) break;
    }
  }

  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value !== undefined) yield [key, value];
    }
  }

  /** BPF_MAP_LOOKUP_BATCH: up to `count` entries after `cursor` (undefined = start); returns the next cursor. */
  lookupBatch(
    cursor: Uint8Array | undefined,
    count: number,
  ): { entries: [Uint8Array, Uint8Array][]; next?: Uint8Array } {
    const entries: [Uint8Array, Uint8Array][] = [];
    let key = cursor === undefined ? this.nextKey(undefined) : cursor;
    while (key !== undefined && entries.length < count) {
      const value = this.lookup(key);
      if (value !== undefined) entries.push([key, value]);
      key = this.nextKey(key);
    }
    return { entries, next: key };
  }

  /** BPF_MAP_UPDATE_BATCH. */
  updateBatch(entries: Iterable<[Uint8Array, Uint8Array]>, flags = 0): void {
    for (const [k, v] of entries) this.update(k, v, flags);
  }

  /** BPF_MAP_DELETE_BATCH: number of keys deleted. */
  deleteBatch(keys: Iterable<Uint8Array>): number {
    let n = 0;
    for (const k of keys) if (this.delete(k)) n++;
    return n;
  }

  /** Frees the map's memory. */
  abstract close(): void;

  protected userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.updateElem(key, value, flags, 0);
  }

  protected checkKey(key: Uint8Array): void {
    if (key.length !== this.keySize) {
      throw new MapOpError(Errno.EINVAL, `key of ${key.length} bytes (expected ${this.keySize})`, this.name);
    }
  }
}

/** The string a key is hashed under in JS maps. */
export function keyString(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}

export function stringKey(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export const roundUp8 = (n: number): number => (n + 7) & ~7;
