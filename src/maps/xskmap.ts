import type { AddressSpace } from '../vm/memory.js';
import { readIndex } from './array.js';
import { MapDefinitionError, MapOpError, type VmMapOptions } from './map.js';
import { SlotRedirectMap } from './slot-redirect-map.js';
import { BPF_EXIST, Errno, type MapDefinition } from './types.js';

/** BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY. */
const XSK_CREATE_FLAG_MASK = (1 << 2) | (1 << 3) | (1 << 4);
/** What a program's lookup points at: struct bpf_xdp_sock, whose only field is the u32 queue_id. */
const XDP_SOCK_SIZE = 4;

/**
 * BPF_MAP_TYPE_XSKMAP: AF_XDP sockets XDP programs redirect frames to, keyed by index. In the kernel a value is a
 * socket fd; the VM has no sockets, so a value stands for the socket it names (any u32) and the slot records that
 * it is bound. A program's lookup gives a read-only struct bpf_xdp_sock (queue_id 0); user space cannot read
 * entries back (the kernel's lookup is -EOPNOTSUPP): keys() walks every index as get_next_key does, entries() is
 * empty.
 */
export class XskMap extends SlotRedirectMap {
  readonly redirectFlags = 0;

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options, XDP_SOCK_SIZE);
    if (def.valueSize !== 4) throw new MapDefinitionError(def, `value size must be 4 (a socket), not ${def.valueSize}`);
    if ((def.flags ?? 0) & ~XSK_CREATE_FLAG_MASK) {
      throw new MapDefinitionError(def, `flags 0x${(def.flags ?? 0).toString(16)} are not allowed`);
    }
  }

  protected override userUpdate(key: Uint8Array, _value: Uint8Array, flags: number): number {
    const k = readIndex(key);
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    if (k >= this.maxEntries) return -Errno.E2BIG;
    // BPF_NOEXIST on a bound slot is -EEXIST, BPF_EXIST on an empty one -ENOENT (xsk_map_update_elem)
    if (this.slots.has(k) && flags === 1) return -Errno.EEXIST;
    if (!this.slots.has(k) && flags === BPF_EXIST) return -Errno.ENOENT;
    this.slots.store(k, new Uint8Array(XDP_SOCK_SIZE));
    return 0;
  }

  /** The kernel's xsk_map_lookup_elem_sys_only: user space cannot read sockets back. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    throw new MapOpError(Errno.EOPNOTSUPP, 'lookup', this.name);
  }

  /** No entries: user space cannot read sockets back (a dump of every map must not fail on this one). */
  override entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    return [][Symbol.iterator]();
  }

  close(): void {
    this.slots.clear();
  }
}
