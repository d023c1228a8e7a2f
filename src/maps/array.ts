import type { AddressSpace, Region } from '../vm/memory.js';
import { MapDefinitionError, roundUp8, VmMap, type VmMapOptions } from './map.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_F_MMAPABLE, BPF_NOEXIST, Errno, type MapDefinition, MapType } from './types.js';

/**
 * BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY: u32 index keys, every element always present and zero-initialised. Values
 * are laid out contiguously (each padded to 8 bytes, as the kernel does) in one region, so global data sections and
 * mmapable arrays are one readable block; per-CPU arrays keep one block per CPU.
 */
export class ArrayMap extends VmMap {
  readonly percpu: boolean;
  readonly elemSize: number;
  /** One region per CPU (one region for a plain array). */
  readonly blocks: Region[];

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    if (def.keySize !== 4) throw new MapDefinitionError(def, `key size must be 4, not ${def.keySize}`);
    if (def.valueSize <= 0) throw new MapDefinitionError(def, 'value size must be positive');
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
    this.percpu = def.type === MapType.PERCPU_ARRAY;
    this.elemSize = roundUp8(def.valueSize);
    if (this.elemSize * def.maxEntries > 64 * 1024 * 1024) {
      throw new MapDefinitionError(def, `${this.elemSize * def.maxEntries} bytes of values is more than the VM allows`);
    }
    const copies = this.percpu ? this.cpus : 1;
    this.blocks = [];
    for (let c = 0; c < copies; c++) {
      this.blocks.push(
        space.alloc(this.elemSize * def.maxEntries, `${def.name}${this.percpu ? `[cpu ${c}]` : ''}`, 'map'),
      );
    }
  }

  override get userValueSize(): number {
    return this.percpu ? this.elemSize * this.cpus : this.def.valueSize;
  }

  /** Whether user space may mmap the values (BPF_F_MMAPABLE). */
  get mmapable(): boolean {
    return ((this.def.flags ?? 0) & BPF_F_MMAPABLE) !== 0;
  }

  /** Address of element `index` for CPU `cpu`. */
  elementAddress(index: number, cpu = 0): number {
    return this.blocks[this.percpu ? cpu : 0]!.start + index * this.elemSize;
  }

  lookupElem(key: Uint8Array, cpu: number): number {
    const index = readIndex(key);
    return index < this.maxEntries ? this.elementAddress(index, cpu) : 0;
  }

  updateElem(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number {
    const err = this.checkUpdate(key, flags);
    if (err) return err;
    this.space.u8.set(value.subarray(0, this.valueSize), this.elementAddress(readIndex(key), cpu));
    return 0;
  }

  deleteElem(_key: Uint8Array): number {
    return -Errno.EINVAL;
  }

  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const index = key === undefined ? -1 : readIndex(key);
    const next = index >= this.maxEntries || index < 0 ? 0 : index + 1;
    return next < this.maxEntries ? u32Key(next) : undefined;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const index = readIndex(key);
    if (index >= this.maxEntries) return undefined;
    if (!this.percpu) {
      const a = this.elementAddress(index);
      return this.space.u8.slice(a, a + this.valueSize);
    }
    const out = new Uint8Array(this.userValueSize);
    for (let c = 0; c < this.cpus; c++) {
      const a = this.elementAddress(index, c);
      out.set(this.space.u8.subarray(a, a + this.valueSize), c * this.elemSize);
    }
    return out;
  }

  protected override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    const err = this.checkUpdate(key, flags);
    if (err) return err;
    const index = readIndex(key);
    if (!this.percpu) {
      this.space.u8.set(value, this.elementAddress(index));
      return 0;
    }
    for (let c = 0; c < this.cpus; c++) {
      this.space.u8.set(
        value.subarray(c * this.elemSize, c * this.elemSize + this.valueSize),
        this.elementAddress(index, c),
      );
    }
    return 0;
  }

  private checkUpdate(key: Uint8Array, flags: number): number {
    if (flags & ~(BPF_EXIST | BPF_NOEXIST | BPF_F_LOCK) || (flags & 3) === 3) return -Errno.EINVAL;
    if (readIndex(key) >= this.maxEntries) return -Errno.E2BIG;
    if (flags & BPF_NOEXIST) return -Errno.EEXIST;
    return 0;
  }

  close(): void {
    for (const b of this.blocks) this.space.free(b);
  }
}

export function readIndex(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
}

export function u32Key(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
}
