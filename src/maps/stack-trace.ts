import type { AddressSpace } from '../vm/memory.js';
import { readIndex, u32Key } from './array.js';
import { MapDefinitionError, VmMap, type VmMapOptions } from './map.js';
import { Errno, type MapDefinition } from './types.js';

export const BPF_F_SKIP_FIELD_MASK = 0xff;
export const BPF_F_USER_STACK = 1 << 8;
export const BPF_F_FAST_STACK_CMP = 1 << 9;
export const BPF_F_REUSE_STACKID = 1 << 10;

/**
 * BPF_MAP_TYPE_STACK_TRACE: stack ids to arrays of instruction pointers (value_size / 8 of them). The VM has no
 * real kernel stacks; bpf_get_stackid stores the stack the simulated event carries. Ids are the stack's hash modulo
 * max_entries, as in the kernel, with -EEXIST on a collision unless BPF_F_REUSE_STACKID.
 */
export class StackTraceMap extends VmMap {
  private readonly stacks = new Map<number, bigint[]>();

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    if (def.keySize !== 4) throw new MapDefinitionError(def, 'key size must be 4');
    if (def.valueSize < 8 || def.valueSize % 8 !== 0)
      throw new MapDefinitionError(def, 'value size must be a multiple of 8');
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
  }

  /** bpf_get_stackid: the id of `ips` (innermost first), or -errno. */
  stackId(ips: readonly bigint[], flags: number): number {
    const skip = flags & BPF_F_SKIP_FIELD_MASK;
    const frames = ips.slice(skip, skip + this.valueSize / 8);
    if (frames.length === 0) return -Errno.EFAULT;
    let h = 0x811c9dc5;
    for (const ip of frames) {
      h = Math.imul(h ^ Number(ip & 0xffffffffn), 0x01000193);
      h = Math.imul(h ^ Number(ip >> 32n), 0x01000193);
    }
    const id = (h >>> 0) % this.maxEntries;
    const existing = this.stacks.get(id);
    if (existing && !(flags & BPF_F_REUSE_STACKID) && existing.join() !== frames.join()) return -Errno.EEXIST;
    this.stacks.set(id, frames);
    return id;
  }

  lookupElem(): number {
    return 0;
  }
  updateElem(): number {
    return -Errno.EINVAL;
  }
  deleteElem(key: Uint8Array): number {
    return this.stacks.delete(readIndex(key)) ? 0 : -Errno.ENOENT;
  }
  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const ids = [...this.stacks.keys()].sort((a, b) => a - b);
    const after = key === undefined ? -1 : readIndex(key);
    const next = ids.find((id) => id > after);
    return next === undefined ? undefined : u32Key(next);
  }
  lookup(key: Uint8Array): Uint8Array | undefined {
    const frames = this.stacks.get(readIndex(key));
    if (!frames) return undefined;
    const out = new Uint8Array(this.valueSize);
    const view = new DataView(out.buffer);
    frames.forEach((ip, i) => view.setBigUint64(i * 8, ip, true));
    return out;
  }
  close(): void {
    this.stacks.clear();
  }
}
