import { RefMap } from '../../maps/ref-array.js';
import { MapType } from '../../maps/types.js';
import type { HelperCall, HelperTable } from '../helper.js';
import type { VmRuntime } from '../runtime.js';
import { mapArg, pointerArg, readArg } from './args.js';

export const MAP_LOOKUP_ELEM = 1;
export const MAP_UPDATE_ELEM = 2;
export const MAP_DELETE_ELEM = 3;
export const MAP_PUSH_ELEM = 87;
export const MAP_POP_ELEM = 88;
export const MAP_PEEK_ELEM = 89;

/**
 * The map helpers: lookup returns a pointer into the map's value memory (the CPU's own copy for per-CPU maps, the
 * inner map's address for map-in-maps), update/delete return 0 or -errno, push/pop/peek serve queues, stacks and
 * bloom filters. Keys and values are read from program memory with the map's sizes.
 */
export function defineMapHelpers(table: HelperTable, rt: VmRuntime): void {
  table.define(MAP_LOOKUP_ELEM, 'map_lookup_elem', (call) => {
    const map = mapArg(rt, call, 1, MAP_LOOKUP_ELEM);
    const key = readArg(call, 2, map.keySize);
    return map.lookupElem(key, rt.cpu);
  });
  table.define(MAP_UPDATE_ELEM, 'map_update_elem', (call) => {
    const map = mapArg(rt, call, 1, MAP_UPDATE_ELEM);
    const key = readArg(call, 2, map.keySize);
    if (map instanceof RefMap) return map.updateElem();
    const value = readArg(call, 3, map.valueSize);
    return map.updateElem(key, value, Number(call.u64(4) & 0xffffffffn), rt.cpu);
  });
  table.define(MAP_DELETE_ELEM, 'map_delete_elem', (call) => {
    const map = mapArg(rt, call, 1, MAP_DELETE_ELEM);
    // prog arrays and map-in-maps are changed from user space only
    if (map instanceof RefMap) return map.def.type === MapType.PROG_ARRAY ? -22 : map.deleteElem(readArg(call, 2, 4));
    return map.deleteElem(readArg(call, 2, map.keySize));
  });
  table.define(MAP_PUSH_ELEM, 'map_push_elem', (call) => {
    const map = mapArg(rt, call, 1, MAP_PUSH_ELEM);
    return map.pushElem(readArg(call, 2, map.valueSize), Number(call.u64(3) & 0xffffffffn));
  });
  const popOrPeek = (id: number, pop: boolean) => (call: HelperCall) => {
    const map = mapArg(rt, call, 1, id);
    if (map.def.type === MapType.BLOOM_FILTER) {
      // a bloom filter's peek is a membership test of the value the program passes
      return pop ? map.popElem(readArg(call, 2, map.valueSize)) : map.peekElem(readArg(call, 2, map.valueSize));
    }
    const addr = pointerArg(call, 2, map.valueSize, true);
    const out = new Uint8Array(map.valueSize);
    const err = pop ? map.popElem(out) : map.peekElem(out);
    if (err === 0) call.space.u8.set(out, addr);
    return err;
  };
  table.define(MAP_POP_ELEM, 'map_pop_elem', popOrPeek(MAP_POP_ELEM, true));
  table.define(MAP_PEEK_ELEM, 'map_peek_elem', popOrPeek(MAP_PEEK_ELEM, false));
}
