/**
 * A map of a kernel collection: the `LoadedMap` face of a `KernelMap`, plus what the spec knows about it (its
 * BTF key and value types, for decoded dumps) and, for BPF_F_MMAPABLE arrays, a shared mapping of its values so
 * that reading or writing a global variable costs no syscall.
 */
import { rmSync } from 'node:fs';
import type { Btf } from '../btf/btf.js';
import type { DecodedValue, LoadedMap } from '../object/collection.js';
import type { MapSpec } from '../object/types.js';
import { bytesValue, decodeBtfValue } from './btf-value.js';
import { MapFlags, MapType } from './constants.js';
import { KernelError } from './errors.js';
import type { KernelMap } from './map.js';
import { lastErrno, MAP_SHARED, type MappedRegion, PROT_READ, PROT_WRITE, sysMmap } from './syscall.js';

export class KernelLoadedMap implements LoadedMap {
  private region: MappedRegion | undefined;

  constructor(
    readonly spec: MapSpec,
    readonly map: KernelMap,
    private readonly btf: Btf | undefined,
    /** Where the map is pinned, when it is (by name, or reused from a pin). */
    readonly pinnedAt?: string,
    /** True when this load created the pin (a failed load removes it again). */
    readonly pinCreated = false,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get fd(): number {
    return this.map.fd.fd;
  }

  /**
   * The values of an mmapable array as one shared byte view (element i at i * round_up(valueSize, 8)), mapped on
   * first use; read-only once the map is frozen. Undefined for maps that cannot be mapped.
   */
  mapped(): Uint8Array | undefined {
    if (this.region) return this.region.bytes;
    if (this.map.type !== MapType.ARRAY || (this.map.flags & MapFlags.MMAPABLE) === 0) return undefined;
    const stride = Math.ceil(this.map.valueSize / 8) * 8;
    const length = Math.max(stride * this.map.maxEntries, 1);
    const writable = !this.spec.readOnly;
    const region = sysMmap(length, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, this.fd, 0);
    if (!region) throw new KernelError(`mmap of map "${this.name}"`, lastErrno());
    this.region = region;
    return region.bytes;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    return this.map.lookup(key);
  }

  update(key: Uint8Array, value: Uint8Array, flags?: number): void {
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

  /** A key decoded through BTF (raw bytes without it). */
  decodeKey(key: Uint8Array): DecodedValue {
    const id = this.spec.keyTypeId;
    return this.btf && id ? decodeBtfValue(this.btf, id, key) : bytesValue(key);
  }

  /** A value decoded through BTF; per-CPU maps give one decoded value per possible CPU. */
  decodeValue(value: Uint8Array): DecodedValue {
    if (this.map.isPerCpu) return this.map.perCpuValues(value).map((slot) => this.decodeOne(slot));
    return this.decodeOne(value);
  }

  decodedEntries(): { key: DecodedValue; value: DecodedValue }[] {
    const out: { key: DecodedValue; value: DecodedValue }[] = [];
    for (const [key, value] of this.map.entries())
      out.push({ key: this.decodeKey(key), value: this.decodeValue(value) });
    return out;
  }

  close(): void {
    this.region?.unmap();
    this.region = undefined;
    this.map.close();
  }

  /** Closes, and removes the pin when this load made it (undoing a failed load). */
  closeAndUnpinIfCreated(): void {
    this.close();
    if (this.pinCreated && this.pinnedAt) rmSync(this.pinnedAt, { force: true });
  }

  private decodeOne(bytes: Uint8Array): DecodedValue {
    const id = this.spec.valueTypeId ?? this.datasecId();
    return this.btf && id ? decodeBtfValue(this.btf, id, bytes) : bytesValue(bytes);
  }

  /** Global data maps are described by the DATASEC of the same name. */
  private datasecId(): number | undefined {
    if (!this.btf || !this.spec.globalData) return undefined;
    return this.btf.find(this.spec.name, 15 /* BTF_KIND_DATASEC */);
  }
}
