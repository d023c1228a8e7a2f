import type { AddressSpace, Region } from '../vm/memory.js';
import { keyString, MapDefinitionError, VmMap, type VmMapOptions } from './map.js';
import { BPF_EXIST, BPF_F_NO_PREALLOC, BPF_NOEXIST, Errno, type MapDefinition } from './types.js';

interface Prefix {
  /** prefixlen (u32 LE) followed by the data bytes, with bits past prefixlen cleared. */
  key: Uint8Array;
  prefixLen: number;
  value: Region;
}

/**
 * BPF_MAP_TYPE_LPM_TRIE: keys are `struct bpf_lpm_trie_key { u32 prefixlen; u8 data[]; }`; a lookup finds the
 * longest stored prefix matching the first `prefixlen` bits of the key's data. Prefixes are indexed per length, so a
 * lookup probes at most (data bits + 1) hash tables, longest first.
 */
export class LpmTrieMap extends VmMap {
  readonly dataBits: number;
  private readonly byLength: Map<string, Prefix>[];
  private count = 0;

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    const dataSize = def.keySize - 4;
    if (dataSize < 1 || dataSize > 256)
      throw new MapDefinitionError(def, `key size must be 5..260, not ${def.keySize}`);
    if (def.valueSize <= 0) throw new MapDefinitionError(def, 'value size must be positive');
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
    if (!((def.flags ?? 0) & BPF_F_NO_PREALLOC)) {
      throw new MapDefinitionError(def, 'LPM tries need map_flags BPF_F_NO_PREALLOC');
    }
    this.dataBits = dataSize * 8;
    this.byLength = Array.from({ length: this.dataBits + 1 }, () => new Map());
  }

  lookupElem(key: Uint8Array, _cpu: number): number {
    return this.match(key)?.value.start ?? 0;
  }

  /** The longest stored prefix matching the key (whose own prefixlen caps the match length). */
  match(key: Uint8Array): Prefix | undefined {
    const max = Math.min(readPrefixLen(key), this.dataBits);
    for (let len = max; len >= 0; len--) {
      const table = this.byLength[len]!;
      if (table.size === 0) continue;
      const hit = table.get(maskedString(key, len));
      if (hit) return hit;
    }
    return undefined;
  }

  updateElem(key: Uint8Array, value: Uint8Array, flags: number, _cpu: number): number {
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    const len = readPrefixLen(key);
    if (len > this.dataBits) return -Errno.EINVAL;
    const k = maskedString(key, len);
    const table = this.byLength[len]!;
    let p = table.get(k);
    if (p && flags === BPF_NOEXIST) return -Errno.EEXIST;
    if (!p && flags === BPF_EXIST) return -Errno.ENOENT;
    if (!p) {
      if (this.count >= this.maxEntries) return -Errno.ENOSPC;
      const stored = maskedKey(key, len);
      const valueCopy = value.slice(0, this.valueSize);
      p = { key: stored, prefixLen: len, value: this.space.alloc(this.valueSize, `${this.name} value`, 'map-value') };
      table.set(k, p);
      this.count++;
      this.space.u8.set(valueCopy, p.value.start);
      return 0;
    }
    this.space.u8.set(value.subarray(0, this.valueSize), p.value.start);
    return 0;
  }

  deleteElem(key: Uint8Array): number {
    const len = readPrefixLen(key);
    if (len > this.dataBits) return -Errno.EINVAL;
    const table = this.byLength[len]!;
    const k = maskedString(key, len);
    const p = table.get(k);
    if (!p) return -Errno.ENOENT;
    table.delete(k);
    this.space.free(p.value);
    this.count--;
    return 0;
  }

  /** Iteration order: longer prefixes first, then by key bytes (stable across deletes). */
  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const all = this.sortedPrefixes();
    if (key === undefined) return all[0]?.key.slice();
    const len = readPrefixLen(key);
    const k = len <= this.dataBits ? maskedString(key, len) : undefined;
    const i = all.findIndex((p) => p.prefixLen === len && keyString(p.key) === k);
    if (i < 0) return all[0]?.key.slice();
    return all[i + 1]?.key.slice();
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const p = this.match(key);
    return p ? this.space.u8.slice(p.value.start, p.value.start + this.valueSize) : undefined;
  }

  close(): void {
    for (const table of this.byLength) for (const p of table.values()) this.space.free(p.value);
    for (const table of this.byLength) table.clear();
    this.count = 0;
  }

  private sortedPrefixes(): Prefix[] {
    const out: Prefix[] = [];
    for (let len = this.dataBits; len >= 0; len--) {
      const table = this.byLength[len]!;
      out.push(...[...table.values()].sort((a, b) => compareBytes(a.key, b.key)));
    }
    return out;
  }
}

function readPrefixLen(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
}

/** The key with prefixlen set to `len` and data bits past `len` cleared. */
function maskedKey(key: Uint8Array, len: number): Uint8Array {
  const out = key.slice();
  out[0] = len & 0xff;
  out[1] = (len >>> 8) & 0xff;
  out[2] = (len >>> 16) & 0xff;
  out[3] = len >>> 24;
  for (let bit = len; bit < (key.length - 4) * 8; bit++) {
    if ((bit & 7) === 0 && bit + 8 <= (key.length - 4) * 8) {
      out[4 + (bit >> 3)] = 0;
      bit += 7;
    } else {
      out[4 + (bit >> 3)]! &= ~(0x80 >> (bit & 7));
    }
  }
  return out;
}

function maskedString(key: Uint8Array, len: number): string {
  let s = '';
  const full = len >> 3;
  for (let i = 0; i < full; i++) s += String.fromCharCode(key[4 + i]!);
  if (len & 7) s += String.fromCharCode(key[4 + full]! & (0xff << (8 - (len & 7))) & 0xff);
  return s;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 4; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
