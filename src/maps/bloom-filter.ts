import type { AddressSpace } from '../vm/memory.js';
import { MapDefinitionError, VmMap, type VmMapOptions } from './map.js';
import { BPF_ANY, Errno, type MapDefinition } from './types.js';

/**
 * BPF_MAP_TYPE_BLOOM_FILTER: push adds a value, peek answers "maybe present" (0) or "certainly absent" (-ENOENT).
 * Like the kernel, it uses map_extra's low 4 bits hash functions (default 5) over a bit array sized for
 * max_entries elements; the hash is seeded FNV-1a rather than jhash, so false positives differ from the kernel's,
 * but there are never false negatives.
 */
export class BloomFilterMap extends VmMap {
  readonly hashes: number;
  private readonly bits: Uint32Array;
  private readonly mask: number;

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    if (def.keySize !== 0) throw new MapDefinitionError(def, 'key size must be 0');
    if (def.valueSize <= 0) throw new MapDefinitionError(def, 'value size must be positive');
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
    this.hashes = (def.extra ?? 0) & 0xf || 5;
    // bits = max_entries * hashes / ln 2, rounded up to a power of two (at least 32)
    const wanted = Math.max(32, Math.ceil((def.maxEntries * this.hashes) / Math.LN2));
    const size = 2 ** Math.ceil(Math.log2(wanted));
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  override pushElem(value: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY) return -Errno.EINVAL;
    for (let i = 0; i < this.hashes; i++) {
      const bit = hash(value, this.valueSize, i) & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    return 0;
  }

  override peekElem(value: Uint8Array): number {
    for (let i = 0; i < this.hashes; i++) {
      const bit = hash(value, this.valueSize, i) & this.mask;
      if (!(this.bits[bit >>> 5]! & (1 << (bit & 31)))) return -Errno.ENOENT;
    }
    return 0;
  }

  /** User space: add a value. */
  add(value: Uint8Array): void {
    this.pushElem(value, BPF_ANY);
  }

  /** User space: whether the value may be present. */
  mayContain(value: Uint8Array): boolean {
    return this.peekElem(value) === 0;
  }

  lookupElem(): number {
    return 0;
  }
  updateElem(_key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.pushElem(value, flags);
  }
  deleteElem(): number {
    return -Errno.EOPNOTSUPP;
  }
  nextKey(): Uint8Array | undefined {
    return undefined;
  }
  lookup(): Uint8Array | undefined {
    return undefined;
  }
  close(): void {
    this.bits.fill(0);
  }
}

function hash(value: Uint8Array, size: number, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed + 1, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < size; i++) {
    h ^= value[i]!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
