import { helperName } from '../../isa/helper-ids.js';
import type { VmMap } from '../../maps/map.js';
import { PerfEventArrayMap } from '../../maps/perf-event-array.js';
import { RingBufMap } from '../../maps/ringbuf.js';
import { BPF_F_USER_STACK, StackTraceMap } from '../../maps/stack-trace.js';
import { VmFault } from '../fault.js';
import type { HelperCall, HelperTable } from '../helper.js';
import type { VmRuntime } from '../runtime.js';
import { mapArg, readArg, sizeArg } from './args.js';

export const PERF_EVENT_OUTPUT = 25;
export const GET_STACKID = 27;
export const RINGBUF_OUTPUT = 130;
export const RINGBUF_RESERVE = 131;
export const RINGBUF_SUBMIT = 132;
export const RINGBUF_DISCARD = 133;
export const RINGBUF_QUERY = 134;

const EINVAL = 22;
const EFAULT = 14;
const BPF_F_INDEX_MASK = 0xffffffffn;
const BPF_F_CURRENT_CPU = 0xffffffffn;
const BPF_F_CTXLEN_MASK = 0xfffffn << 32n;

/** The map in register n, which must be of the class the helper takes (the verifier's map-type check). */
function typedMap<T extends VmMap>(
  rt: VmRuntime,
  call: HelperCall,
  n: number,
  id: number,
  cls: abstract new (...args: never[]) => T,
): T {
  const map = mapArg(rt, call, n, id);
  if (!(map instanceof cls)) {
    throw new VmFault('helper', call.pc, `${helperName(id)}: map '${map.name}' is not a ${cls.name}`);
  }
  return map;
}

/**
 * The channels from programs to user space: perf event output (per-CPU buffers), the ring buffer (reserve/submit/
 * discard, output, query) and stack ids (the stack the current event carries).
 */
export function defineOutputHelpers(table: HelperTable, rt: VmRuntime): void {
  table.define(PERF_EVENT_OUTPUT, 'perf_event_output', (call) => {
    const map = typedMap(rt, call, 2, PERF_EVENT_OUTPUT, PerfEventArrayMap);
    const flags = call.u64(3);
    if (flags & ~(BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK)) return -EINVAL;
    const index = flags & BPF_F_INDEX_MASK;
    const size = sizeArg(call, 5, PERF_EVENT_OUTPUT);
    const data = readArg(call, 4, size);
    return map.output(index === BPF_F_CURRENT_CPU ? rt.cpu : Number(index), data);
  });

  table.define(GET_STACKID, 'get_stackid', (call) => {
    const map = typedMap(rt, call, 2, GET_STACKID, StackTraceMap);
    const flags = Number(call.u64(3) & 0xffffffffn);
    const stack = flags & BPF_F_USER_STACK ? rt.current.userStack : rt.current.kernelStack;
    if (!stack || stack.length === 0) return -EFAULT;
    return map.stackId(stack, flags);
  });

  table.define(RINGBUF_OUTPUT, 'ringbuf_output', (call) => {
    const map = typedMap(rt, call, 1, RINGBUF_OUTPUT, RingBufMap);
    const size = sizeArg(call, 3, RINGBUF_OUTPUT);
    return map.output(readArg(call, 2, size), Number(call.u64(4) & 0xffffffffn));
  });

  table.define(RINGBUF_RESERVE, 'ringbuf_reserve', (call) => {
    const map = typedMap(rt, call, 1, RINGBUF_RESERVE, RingBufMap);
    const size = call.u64(2);
    const flags = call.u64(3);
    if (size > 0xffffffffn || flags !== 0n) return 0;
    return map.reserve(Number(size), 0);
  });

  const commit = (id: number, discard: boolean) => (call: HelperCall) => {
    const addr = call.ptr(1);
    const flags = Number(call.u64(2) & 0xffffffffn);
    for (const map of rt.allMaps()) {
      if (map instanceof RingBufMap && !Number.isNaN(addr) && map.commit(addr, discard, flags)) return 0;
    }
    throw new VmFault('helper', call.pc, `${helperName(id)}: 0x${call.u64(1).toString(16)} is not a reserved record`);
  };
  table.define(RINGBUF_SUBMIT, 'ringbuf_submit', commit(RINGBUF_SUBMIT, false));
  table.define(RINGBUF_DISCARD, 'ringbuf_discard', commit(RINGBUF_DISCARD, true));

  table.define(RINGBUF_QUERY, 'ringbuf_query', (call) => {
    const map = typedMap(rt, call, 1, RINGBUF_QUERY, RingBufMap);
    return map.query(Number(call.u64(2) & 0xffffffffn));
  });
}
