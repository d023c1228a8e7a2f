import type { AddressSpace } from '../vm/memory.js';
import { readIndex, u32Key } from './array.js';
import { MapDefinitionError, VmMap, type VmMapOptions } from './map.js';
import type { RedirectMap } from './redirect.js';
import { SlotTable } from './slot-table.js';
import { Errno, type MapDefinition } from './types.js';

/**
 * What DEVMAP, CPUMAP and XSKMAP share: u32 keys, a slot table of the values programs see, redirect targets that
 * are the present slots, the array kinds' key walk, no stores from programs (the verifier refuses bpf_map_update_elem on them) and the array
 * kind's delete (an index past max_entries is -EINVAL, an empty slot is fine). Each subclass checks its value size
 * and flags and does its own user-space stores.
 */
export abstract class SlotRedirectMap extends VmMap implements RedirectMap {
  abstract readonly redirectFlags: number;
  protected readonly slots: SlotTable;

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions, slotSize: number) {
    super(def, space, options);
    if (def.maxEntries <= 0) throw new MapDefinitionError(def, 'max_entries must be positive');
    if (def.keySize !== 4) throw new MapDefinitionError(def, `key size must be 4, not ${def.keySize}`);
    this.slots = new SlotTable(space, def.name, slotSize);
  }

  hasRedirectTarget(key: number): boolean {
    return this.slots.has(key);
  }

  lookupElem(key: Uint8Array): number {
    return this.slots.address(readIndex(key));
  }

  updateElem(): number {
    return -Errno.EOPNOTSUPP;
  }

  /** The array kinds' key walk (every index, present or not): a key past the end restarts at 0. */
  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const index = key === undefined ? 0xffffffff : readIndex(key);
    if (index >= this.maxEntries) return u32Key(0);
    return index === this.maxEntries - 1 ? undefined : u32Key(index + 1);
  }

  deleteElem(key: Uint8Array): number {
    const k = readIndex(key);
    if (k >= this.maxEntries) return -Errno.EINVAL;
    this.slots.remove(k);
    return 0;
  }
}
