import { helperName } from '../../isa/helper-ids.js';
import { ArrayMap } from '../../maps/array.js';
import { HashMap } from '../../maps/hash.js';
import { VmFault } from '../fault.js';
import type { HelperCall, HelperTable } from '../helper.js';
import { TAIL_CALL_HELPER } from '../interpreter.js';
import type { VmRuntime } from '../runtime.js';
import { mapArg, pointerArg } from './args.js';

export const TAIL_CALL = TAIL_CALL_HELPER;
export const SPIN_LOCK = 93;
export const SPIN_UNLOCK = 94;
export const FOR_EACH_MAP_ELEM = 164;
export const LOOP = 181;

const EINVAL = 22;
const E2BIG = 7;
/** BPF_MAX_LOOPS: bpf_loop's iteration limit. */
export const BPF_MAX_LOOPS = 1 << 23;

/**
 * Control-flow helpers: tail calls (executed by the interpreter itself, which swaps the running program; the entry
 * here only reports executors that cannot), bpf_loop and bpf_for_each_map_elem (callbacks into the program through
 * HelperCall.invoke) and the spin lock pair (the VM runs one program at a time, so a held lock means a deadlock).
 */
export function defineControlHelpers(table: HelperTable, rt: VmRuntime): void {
  table.define(TAIL_CALL, 'tail_call', (call) => {
    throw new VmFault('helper', call.pc, 'bpf_tail_call needs a program loaded in a collection (interpreter backend)');
  });

  table.define(LOOP, 'loop', (call) => {
    const n = call.u32(1);
    const fn = call.u64(2);
    const ctx = call.u64(3);
    if (call.u64(4) !== 0n) return -EINVAL;
    if (n > BPF_MAX_LOOPS) return -E2BIG;
    const invoke = invoker(call, LOOP);
    for (let i = 0; i < n; i++) {
      if (invoke(fn, [i, ctx]) !== 0n) return i + 1;
    }
    return n;
  });

  table.define(FOR_EACH_MAP_ELEM, 'for_each_map_elem', (call) => {
    const map = mapArg(rt, call, 1, FOR_EACH_MAP_ELEM);
    const fn = call.u64(2);
    const ctx = call.u64(3);
    if (call.u64(4) !== 0n) return -EINVAL;
    if (!(map instanceof ArrayMap || map instanceof HashMap)) {
      throw new VmFault('helper', call.pc, `bpf_for_each_map_elem: map '${map.name}' is not an array or hash map`);
    }
    const invoke = invoker(call, FOR_EACH_MAP_ELEM);
    // the callback sees a read-only copy of the key, as the kernel passes a pointer it must not write through
    const keyRegion = call.space.alloc(map.keySize, `${map.name} key (for_each)`, 'scratch', false);
    try {
      const keys = [...map.keys()];
      let visited = 0;
      for (const key of keys) {
        const value = map.lookupElem(key, rt.cpu);
        if (value === 0) continue; // deleted by an earlier callback
        call.space.u8.set(key, keyRegion.start);
        visited++;
        if (invoke(fn, [map.address, keyRegion.start, value, ctx]) !== 0n) break;
      }
      return visited;
    } finally {
      call.space.free(keyRegion);
    }
  });

  table.define(SPIN_LOCK, 'spin_lock', (call) => {
    const lock = pointerArg(call, 1, 4, true);
    const view = call.space.view;
    if (view.getUint32(lock, true) !== 0) {
      throw new VmFault('helper', call.pc, 'bpf_spin_lock: lock already held (deadlock)');
    }
    view.setUint32(lock, 1, true);
    return 0;
  });

  table.define(SPIN_UNLOCK, 'spin_unlock', (call) => {
    const lock = pointerArg(call, 1, 4, true);
    call.space.view.setUint32(lock, 0, true);
    return 0;
  });
}

function invoker(call: HelperCall, id: number): NonNullable<HelperCall['invoke']> {
  const invoke = call.invoke;
  if (!invoke) throw new VmFault('helper', call.pc, `${helperName(id)} needs an executor that supports callbacks`);
  return (fn, args) => invoke.call(call, fn, args);
}
