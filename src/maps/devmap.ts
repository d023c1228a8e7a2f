import type { AddressSpace } from '../vm/memory.js';
import { readIndex, u32Key } from './array.js';
import { MapDefinitionError, type VmMapOptions } from './map.js';
import { BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS } from './redirect.js';
import { SlotRedirectMap } from './slot-redirect-map.js';
import { BPF_EXIST, BPF_NOEXIST, Errno, type MapDefinition, MapType } from './types.js';

/** BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY: the creation flags dev_map_alloc_check lets through. */
const DEV_CREATE_FLAG_MASK = (1 << 2) | (1 << 3) | (1 << 4);
/** sizeof(struct bpf_devmap_val): { u32 ifindex; union { int fd; u32 id; } bpf_prog; }. */
const DEVMAP_VAL_SIZE = 8;

/**
 * BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH: network devices XDP programs redirect frames to. A value is an ifindex
 * (value_size 4) or struct bpf_devmap_val (8: the ifindex and a program to run on the device, given as an fd and
 * read back as an id). Stores, deletes and their errors follow kernel/bpf/devmap.c: an array keeps a slot per
 * index and takes ifindex 0 as "empty the slot"; the hash refuses ifindex 0 and counts its entries against
 * max_entries. A device must exist (`netdevs`), else -EINVAL. The VM has no program fds, so a value naming a
 * program (fd > 0) is refused with -EINVAL, as the kernel refuses an fd that is not an XDP devmap program.
 */
export class DevMap extends SlotRedirectMap {
  readonly hashed: boolean;
  readonly redirectFlags = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
  private readonly netdevs: (ifindex: number) => boolean;
  /** Insertion order of hash entries (dev_map_hash iterates buckets, newest first within one). */
  private readonly added = new Map<number, number>();
  private serial = 0;
  private readonly buckets: number;

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options, DEVMAP_VAL_SIZE);
    this.hashed = def.type === MapType.DEVMAP_HASH;
    if (def.valueSize !== 4 && def.valueSize !== DEVMAP_VAL_SIZE) {
      throw new MapDefinitionError(
        def,
        `value size must be 4 (ifindex) or 8 (struct bpf_devmap_val), not ${def.valueSize}`,
      );
    }
    if ((def.flags ?? 0) & ~DEV_CREATE_FLAG_MASK) {
      throw new MapDefinitionError(def, `flags 0x${(def.flags ?? 0).toString(16)} are not allowed`);
    }
    if (this.hashed && def.maxEntries > 2 ** 31) throw new MapDefinitionError(def, 'max_entries must be at most 2^31');
    this.netdevs = options.netdevs ?? ((ifindex) => ifindex > 0);
    this.buckets = 2 ** Math.ceil(Math.log2(def.maxEntries));
  }

  override deleteElem(key: Uint8Array): number {
    if (!this.hashed) return super.deleteElem(key);
    const k = readIndex(key);
    this.added.delete(k);
    return this.slots.remove(k) ? 0 : -Errno.ENOENT;
  }

  protected override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    const k = readIndex(key);
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    const ifindex = view.getUint32(0, true);
    const progFd = value.length >= DEVMAP_VAL_SIZE ? view.getInt32(4, true) : 0;
    if (!this.hashed) {
      if (flags > BPF_EXIST) return -Errno.EINVAL;
      if (k >= this.maxEntries) return -Errno.E2BIG;
      if (flags === BPF_NOEXIST) return -Errno.EEXIST;
      if (ifindex === 0) {
        if (progFd > 0) return -Errno.EINVAL;
        this.slots.remove(k);
        return 0;
      }
      if (!this.deviceUsable(ifindex, progFd)) return -Errno.EINVAL;
      this.slots.store(k, entryBytes(ifindex));
      return 0;
    }
    if (flags > BPF_EXIST || ifindex === 0) return -Errno.EINVAL;
    const exists = this.slots.has(k);
    if (exists && flags & BPF_NOEXIST) return -Errno.EEXIST;
    if (!this.deviceUsable(ifindex, progFd)) return -Errno.EINVAL;
    // BPF_EXIST on an absent key is not checked by the kernel: the entry is added
    if (!exists && this.slots.count >= this.maxEntries) return -Errno.E2BIG;
    this.slots.store(k, entryBytes(ifindex));
    this.added.set(k, ++this.serial);
    return 0;
  }

  override nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    if (!this.hashed) return super.nextKey(key);
    const order = this.hashOrder();
    const at = key === undefined ? -1 : order.indexOf(readIndex(key));
    const next = order[at + 1];
    return next === undefined ? undefined : u32Key(next);
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    return this.slots.read(readIndex(key), this.valueSize);
  }

  close(): void {
    this.slots.clear();
  }

  private deviceUsable(ifindex: number, progFd: number): boolean {
    return this.netdevs(ifindex) && progFd <= 0;
  }

  /** Keys as dev_map_hash_get_next_key walks them: bucket (key & (n_buckets - 1)) by bucket, newest first. */
  private hashOrder(): number[] {
    const mask = this.buckets - 1;
    return [...this.added.entries()]
      .sort(([a, sa], [b, sb]) => (a & mask) - (b & mask) || sb - sa)
      .map(([k]) => k);
  }
}

/** What a lookup reads: struct bpf_devmap_val with the ifindex and no program (bpf_prog.id 0). */
function entryBytes(ifindex: number): Uint8Array {
  const out = new Uint8Array(DEVMAP_VAL_SIZE);
  new DataView(out.buffer).setUint32(0, ifindex, true);
  return out;
}
