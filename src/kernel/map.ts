/**
 * A live kernel map behind an fd. Keys and values are raw bytes (Uint8Array) of the map's sizes; per-CPU maps
 * take and return one 8-byte-aligned slot per possible CPU back to back (`valueStride` bytes in all).
 *
 * The element operations run on a per-map native block holding a prebuilt attr (map fd, key and value
 * addresses already written), the key and the value, so a lookup is: copy the key in, one syscall, copy the
 * value out. `lookupInto` copies into a caller buffer and allocates nothing.
 */
import { InputError } from '../errors.js';
import { MapElemAttr } from './attr.js';
import {
  type BatchLookupResult,
  getFdById,
  mapCreate,
  mapDeleteBatch,
  mapFreeze,
  mapLookupBatch,
  mapUpdateBatch,
  objGet,
  objPin,
} from './bpf.js';
import { BpfCmd, bpfCmdName, MapType, type MapTypeName, UpdateFlags } from './constants.js';
import { possibleCpus } from './cpus.js';
import { KernelError } from './errors.js';
import type { Fd } from './fd.js';
import { type MapInfo, mapInfo } from './info.js';
import { NativeBuffer, setU64 } from './native.js';
import { lastErrno, sysBpf } from './syscall.js';

const ENOENT = 2;

/**
 * Copies `from` into the start of `to`. Keys and values are usually a few bytes, where a plain loop beats
 * TypedArray.prototype.set's fixed cost (measured ~25 ns per call on a lookup of ~1.4 us); longer ones use set().
 */
function copySmall(to: Uint8Array, from: Uint8Array): void {
  const n = from.length;
  if (n > 32) {
    to.set(from);
    return;
  }
  for (let i = 0; i < n; i++) to[i] = from[i]!;
}

export interface KernelMapOptions {
  type: number | MapTypeName;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
  /** Template map for ARRAY_OF_MAPS / HASH_OF_MAPS. */
  innerMap?: KernelMap;
  numaNode?: number;
  /** BTF describing key and value (needed for spin locks, timers, kptrs...). */
  btf?: { fd: number; keyTypeId: number; valueTypeId: number };
  mapExtra?: bigint;
}

const PER_CPU_TYPES = new Set<number>([
  MapType.PERCPU_HASH,
  MapType.PERCPU_ARRAY,
  MapType.LRU_PERCPU_HASH,
  MapType.PERCPU_CGROUP_STORAGE,
]);

/** Bad arguments to a map operation (wrong key or value size). */
export class MapArgumentError extends InputError {
  override name = 'MapArgumentError';
}

export class KernelMap {
  /** Bytes of one value as the kernel copies it: valueSize, or per-CPU: round_up(valueSize, 8) * possible CPUs. */
  readonly valueStride: number;
  private readonly block: NativeBuffer;
  private readonly keyOffset: number;
  private readonly valueOffset: number;
  private readonly keyBytes: Uint8Array;
  private readonly valueBytes: Uint8Array;
  /** The flags word the prebuilt attr holds (starts zeroed). */
  private attrFlags = 0;

  private constructor(
    readonly fd: Fd,
    readonly type: number,
    readonly keySize: number,
    readonly valueSize: number,
    readonly maxEntries: number,
    readonly flags: number,
    readonly name: string,
  ) {
    this.valueStride = PER_CPU_TYPES.has(type) ? Math.ceil(valueSize / 8) * 8 * possibleCpus() : valueSize;
    this.keyOffset = MapElemAttr.size;
    this.valueOffset = this.keyOffset + Math.ceil(keySize / 8) * 8;
    this.block = new NativeBuffer(this.valueOffset + Math.max(this.valueStride, keySize));
    this.keyBytes = this.block.bytes.subarray(this.keyOffset, this.keyOffset + keySize);
    this.valueBytes = this.block.bytes.subarray(this.valueOffset, this.valueOffset + this.valueStride);
    const view = this.block.view;
    view.setUint32(MapElemAttr.mapFd, fd.fd, true);
    setU64(view, MapElemAttr.key, keySize > 0 ? this.block.address + this.keyOffset : 0);
    setU64(view, MapElemAttr.value, this.block.address + this.valueOffset);
  }

  static create(options: KernelMapOptions): KernelMap {
    const type = typeof options.type === 'number' ? options.type : MapType[options.type];
    const fd = mapCreate({
      type,
      keySize: options.keySize,
      valueSize: options.valueSize,
      maxEntries: options.maxEntries,
      flags: options.flags,
      name: options.name,
      innerMapFd: options.innerMap?.fd.fd,
      numaNode: options.numaNode,
      btfFd: options.btf?.fd,
      btfKeyTypeId: options.btf?.keyTypeId,
      btfValueTypeId: options.btf?.valueTypeId,
      mapExtra: options.mapExtra,
    });
    return KernelMap.adopt(fd);
  }

  /** Wraps an fd that refers to a map (taking ownership), reading its shape from the kernel. */
  static adopt(fd: Fd): KernelMap {
    let info: MapInfo;
    try {
      info = mapInfo(fd.fd);
    } catch (error) {
      fd.close();
      throw error;
    }
    return new KernelMap(fd, info.type, info.keySize, info.valueSize, info.maxEntries, info.flags, info.name);
  }

  /** Opens a map pinned in a bpf filesystem. */
  static fromPin(path: string, fileFlags = 0): KernelMap {
    return KernelMap.adopt(objGet(path, fileFlags));
  }

  /** Opens a loaded map by id. */
  static fromId(id: number): KernelMap {
    return KernelMap.adopt(getFdById('map', id));
  }

  get isPerCpu(): boolean {
    return PER_CPU_TYPES.has(this.type);
  }

  /**
   * Address of the prebuilt BPF_MAP_LOOKUP_ELEM attr (map fd, key and value pointers into this map's native block),
   * valid until close(); after a lookup the value bytes sit at the attr's value pointer. For benchmarks and callers
   * that issue the syscall themselves.
   */
  lookupAttrAddress(): number {
    return this.block.address;
  }

  /** The value under `key`, or undefined. Queue/stack maps (key size 0): the head, without removing it. */
  lookup(key?: Uint8Array, flags = 0): Uint8Array | undefined {
    const out = new Uint8Array(this.valueStride);
    return this.lookupInto(key, out, flags) ? out : undefined;
  }

  /** Copies the value under `key` into `out` (valueStride bytes); false when absent. Allocation-free. */
  lookupInto(key: Uint8Array | undefined, out: Uint8Array, flags = 0): boolean {
    this.putKey(key);
    if (out.length < this.valueStride) {
      throw new MapArgumentError(`map "${this.name}": out has ${out.length} bytes, values have ${this.valueStride}`);
    }
    if (!this.run(BpfCmd.MAP_LOOKUP_ELEM, flags)) return false;
    copySmall(out, this.valueBytes);
    return true;
  }

  /** Sets `key` to `value`. flags: UpdateFlags.ANY (default), NOEXIST, EXIST, F_LOCK. */
  update(key: Uint8Array | undefined, value: Uint8Array, flags: number = UpdateFlags.ANY): void {
    this.putKey(key);
    if (value.length !== this.valueStride) {
      throw new MapArgumentError(`map "${this.name}": value is ${value.length} bytes, expected ${this.valueStride}`);
    }
    this.valueBytes.set(value);
    if (!this.run(BpfCmd.MAP_UPDATE_ELEM, flags)) throw new KernelError('BPF_MAP_UPDATE_ELEM', ENOENT);
  }

  /** Removes `key`; false when it was absent. */
  delete(key: Uint8Array): boolean {
    this.putKey(key);
    // DELETE's last attr field is `key`: the kernel rejects a non-zero value pointer (EINVAL).
    const view = this.block.view;
    setU64(view, MapElemAttr.value, 0);
    try {
      return this.run(BpfCmd.MAP_DELETE_ELEM, 0);
    } finally {
      setU64(view, MapElemAttr.value, this.block.address + this.valueOffset);
    }
  }

  /** The key after `key` (the first when undefined), or undefined at the end. */
  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const view = this.block.view;
    if (key === undefined) setU64(view, MapElemAttr.key, 0);
    else this.putKey(key);
    // The next key is written where the value usually goes.
    const found = this.run(BpfCmd.MAP_GET_NEXT_KEY, 0);
    setU64(view, MapElemAttr.key, this.keySize > 0 ? this.block.address + this.keyOffset : 0);
    return found ? this.block.bytes.slice(this.valueOffset, this.valueOffset + this.keySize) : undefined;
  }

  /** Every key. A key deleted concurrently may restart the walk (kernel semantics for hash maps). */
  *keys(): Generator<Uint8Array> {
    for (let key = this.nextKey(undefined); key !== undefined; key = this.nextKey(key)) yield key;
  }

  /** Every [key, value] pair (skipping keys deleted between the two calls). */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value) yield [key, value];
    }
  }

  /** Removes and returns an element: queue/stack pop when `key` is undefined. Undefined when empty/absent. */
  lookupAndDelete(key?: Uint8Array, flags = 0): Uint8Array | undefined {
    this.putKey(key);
    if (!this.run(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM, flags)) return undefined;
    return this.valueBytes.slice();
  }

  /** Queue/stack: push a value (flags: BPF_EXIST overwrites the oldest when full). */
  push(value: Uint8Array, flags = 0): void {
    this.update(undefined, value, flags);
  }

  /** Queue/stack: remove and return the next value, or undefined when empty. */
  pop(): Uint8Array | undefined {
    return this.lookupAndDelete(undefined);
  }

  /** Reads up to `count` elements from position `inBatch` in one syscall. */
  lookupBatch(count: number, inBatch?: Uint8Array, remove = false): BatchLookupResult {
    return mapLookupBatch(this.fd.fd, {
      count,
      inBatch,
      keySize: this.keySize,
      valueSize: this.valueStride,
      delete: remove,
    });
  }

  /** Every [key, value] pair, fetched `chunk` at a time with MAP_LOOKUP_BATCH. */
  *batchEntries(chunk = 256): Generator<[Uint8Array, Uint8Array]> {
    let position: Uint8Array | undefined;
    for (;;) {
      const batch = this.lookupBatch(chunk, position);
      for (let i = 0; i < batch.count; i++) {
        yield [
          batch.keys.slice(i * this.keySize, (i + 1) * this.keySize),
          batch.values.slice(i * this.valueStride, (i + 1) * this.valueStride),
        ];
      }
      if (!batch.next) return;
      position = batch.next;
    }
  }

  /** Writes many pairs in one syscall; returns how many were written. */
  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[], elemFlags = 0): number {
    if (keys.length !== values.length) {
      throw new MapArgumentError(`map "${this.name}": ${keys.length} keys but ${values.length} values`);
    }
    return mapUpdateBatch(
      this.fd.fd,
      this.pack(keys, this.keySize, 'key'),
      this.pack(values, this.valueStride, 'value'),
      keys.length,
      elemFlags,
    );
  }

  /** Deletes many keys in one syscall; returns how many were deleted (stops at the first missing key). */
  deleteBatch(keys: readonly Uint8Array[]): number {
    return mapDeleteBatch(this.fd.fd, this.pack(keys, this.keySize, 'key'), keys.length);
  }

  /** Makes the map read-only for user space from now on. */
  freeze(): void {
    mapFreeze(this.fd.fd);
  }

  pin(path: string): void {
    objPin(this.fd.fd, path);
  }

  info(): MapInfo {
    return mapInfo(this.fd.fd);
  }

  /** Splits a per-CPU value into one slice of valueSize bytes per possible CPU. */
  perCpuValues(value: Uint8Array): Uint8Array[] {
    const slot = Math.ceil(this.valueSize / 8) * 8;
    const out: Uint8Array[] = [];
    for (let offset = 0; offset + slot <= value.length; offset += slot)
      out.push(value.slice(offset, offset + this.valueSize));
    return out;
  }

  close(): void {
    this.fd.close();
    this.block.free();
  }

  private putKey(key: Uint8Array | undefined): void {
    if (this.keySize === 0) {
      if (key && key.length > 0) throw new MapArgumentError(`map "${this.name}" takes no key`);
      return;
    }
    if (!key || key.length !== this.keySize) {
      throw new MapArgumentError(`map "${this.name}": key is ${key?.length ?? 0} bytes, expected ${this.keySize}`);
    }
    copySmall(this.keyBytes, key);
  }

  /** One element command on the prebuilt attr; false on ENOENT, KernelError otherwise. */
  private run(cmd: number, flags: number): boolean {
    if (flags !== this.attrFlags) {
      // the hot path (the same flags every call) skips two DataView writes
      const view = this.block.view;
      view.setUint32(MapElemAttr.flags, flags, true);
      view.setUint32(MapElemAttr.flags + 4, 0, true);
      this.attrFlags = flags;
    }
    if (sysBpf(cmd, this.block.address, MapElemAttr.size) >= 0) return true;
    const errno = lastErrno();
    if (errno === ENOENT) return false;
    throw new KernelError(bpfCmdName(cmd), errno);
  }

  private pack(items: readonly Uint8Array[], size: number, what: string): Uint8Array {
    const out = new Uint8Array(items.length * size);
    items.forEach((item, i) => {
      if (item.length !== size) {
        throw new MapArgumentError(`map "${this.name}": ${what} ${i} is ${item.length} bytes, expected ${size}`);
      }
      out.set(item, i * size);
    });
    return out;
  }
}
