import type { AddressSpace } from '../vm/memory.js';
import { readIndex, u32Key } from './array.js';
import { keyString, MapDefinitionError, stringKey, VmMap, type VmMapOptions } from './map.js';
import { BPF_EXIST, BPF_NOEXIST, Errno, type MapDefinition, MapType } from './types.js';

/**
 * Maps whose values are references to other objects rather than bytes: PROG_ARRAY (programs, for bpf_tail_call),
 * ARRAY_OF_MAPS and HASH_OF_MAPS (inner maps). User space stores objects with `set`; a program's lookup of a map in
 * a map-in-map gets the inner map's address, which the map helpers accept like any map pointer. User-space lookups
 * return the referenced object's id as a u32, as the kernel returns ids for fds.
 */
export class RefMap<T extends { id: number }> extends VmMap {
  readonly hashed: boolean;
  private readonly refs = new Map<string, T>();

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    this.hashed = def.type === MapType.HASH_OF_MAPS;
    if (!this.hashed && def.keySize !== 4) throw new MapDefinitionError(def, 'key size must be 4');
    if (def.valueSize !== 4) throw new MapDefinitionError(def, 'value size must be 4');
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
  }

  /** Stores a reference (flags as for updates); returns 0 or -errno. */
  setRef(key: Uint8Array, ref: T | undefined, flags = 0): number {
    if (!this.hashed && readIndex(key) >= this.maxEntries) return -Errno.E2BIG;
    const k = keyString(key);
    const exists = this.refs.has(k);
    if (ref === undefined) {
      if (!exists) return -Errno.ENOENT;
      this.refs.delete(k);
      return 0;
    }
    if (exists && flags & BPF_NOEXIST) return -Errno.EEXIST;
    if (!exists && flags & BPF_EXIST && this.hashed) return -Errno.ENOENT;
    if (!exists && this.hashed && this.refs.size >= this.maxEntries) return -Errno.E2BIG;
    this.refs.set(k, ref);
    return 0;
  }

  /** The object stored under a key. */
  getRef(key: Uint8Array): T | undefined {
    return this.refs.get(keyString(key));
  }

  /** Convenience for arrays: the object at an index. */
  at(index: number): T | undefined {
    return this.refs.get(keyString(u32Key(index)));
  }

  set(key: Uint8Array | number, ref: T | undefined): void {
    const k = typeof key === 'number' ? u32Key(key) : key;
    const err = this.setRef(k, ref);
    if (err < 0 && !(ref === undefined && err === -Errno.ENOENT)) throw new Error(`map '${this.name}': ${err}`);
  }

  lookupElem(key: Uint8Array): number {
    const ref = this.refs.get(keyString(key)) as unknown as { address?: number } | undefined;
    return ref && typeof ref.address === 'number' && this.def.type !== MapType.PROG_ARRAY ? ref.address : 0;
  }

  updateElem(): number {
    return -Errno.EOPNOTSUPP; // programs cannot store references
  }

  deleteElem(key: Uint8Array): number {
    return this.setRef(key, undefined);
  }

  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    if (!this.hashed) {
      const index = key === undefined ? -1 : readIndex(key);
      const next = index >= this.maxEntries || index < 0 ? 0 : index + 1;
      return next < this.maxEntries ? u32Key(next) : undefined;
    }
    const keys = [...this.refs.keys()];
    if (key === undefined) return keys[0] === undefined ? undefined : stringKey(keys[0]);
    const i = keys.indexOf(keyString(key));
    const next = i < 0 ? keys[0] : keys[i + 1];
    return next === undefined ? undefined : stringKey(next);
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const ref = this.refs.get(keyString(key));
    return ref ? u32Key(ref.id) : undefined;
  }

  close(): void {
    this.refs.clear();
  }
}
