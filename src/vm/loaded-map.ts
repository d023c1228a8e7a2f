import type { Btf } from '../btf/btf.js';
import { decodeBtfValue } from '../btf/btf-decode.js';
import { InputError } from '../errors.js';
import { readIndex } from '../maps/array.js';
import { MapOpError, type VmMap } from '../maps/map.js';
import { RefMap } from '../maps/ref-array.js';
import type { DecodedValue, LoadedMap } from '../object/collection.js';
import type { MapSpec } from '../object/types.js';

/** Looks up what a reference map's user-space value (an id, standing for the kernel's fd) designates. */
export type RefResolver = (id: number) => { id: number } | undefined;

/**
 * A map of a VM collection as user space sees it (the LoadedMap interface): byte keys and values with the kernel's
 * errors, iteration, and entries decoded through the object's BTF. Prog arrays and map-in-maps take ids (what the
 * kernel takes as fds) as values.
 */
export class VmLoadedMap implements LoadedMap {
  constructor(
    readonly spec: MapSpec,
    readonly map: VmMap,
    private readonly btf: Btf | undefined,
    private readonly resolveRef: RefResolver,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    return this.map.lookup(key);
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    if (this.map instanceof RefMap) {
      if (value.length !== 4) throw new InputError(`map '${this.name}': values are 4-byte ids`);
      const ref = this.resolveRef(readIndex(value));
      if (!ref) throw new MapOpError(9, `update (no object with id ${readIndex(value)})`, this.name);
      const err = this.map.setRef(key, ref, flags);
      if (err < 0) throw new MapOpError(-err, 'update', this.name);
      return;
    }
    this.map.update(key, value, flags);
  }

  delete(key: Uint8Array): boolean {
    return this.map.delete(key);
  }

  keys(): Iterable<Uint8Array> {
    return this.map.keys();
  }

  entries(): Iterable<[Uint8Array, Uint8Array]> {
    return this.map.entries();
  }

  /** Decodes a key through the map's BTF key type (raw bytes as an array of numbers without one). */
  decodeKey(key: Uint8Array): DecodedValue {
    return decode(this.btf, this.spec.keyTypeId, key);
  }

  /** Decodes a value; per-CPU maps give an array with each CPU's value. */
  decodeValue(value: Uint8Array): DecodedValue {
    const userSize = this.map.userValueSize;
    const valueSize = this.map.valueSize;
    if (userSize !== valueSize && userSize % ((valueSize + 7) & ~7) === 0) {
      const stride = (valueSize + 7) & ~7;
      const out: DecodedValue[] = [];
      for (let at = 0; at < value.length; at += stride) {
        out.push(decode(this.btf, this.spec.valueTypeId, value.subarray(at, at + valueSize)));
      }
      return out;
    }
    return decode(this.btf, this.spec.valueTypeId, value);
  }

  decodedEntries(): { key: DecodedValue; value: DecodedValue }[] {
    return [...this.entries()].map(([k, v]) => ({ key: this.decodeKey(k), value: this.decodeValue(v) }));
  }
}

function decode(btf: Btf | undefined, typeId: number | undefined, bytes: Uint8Array): DecodedValue {
  if (btf && typeId) return decodeBtfValue(btf, typeId, bytes) as DecodedValue;
  return Array.from(bytes);
}
