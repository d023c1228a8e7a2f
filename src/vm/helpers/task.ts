import type { HelperTable } from '../helper.js';
import type { VmRuntime } from '../runtime.js';
import { pointerArg, sizeArg } from './args.js';

export const KTIME_GET_NS = 5;
export const GET_PRANDOM_U32 = 7;
export const GET_SMP_PROCESSOR_ID = 8;
export const GET_CURRENT_PID_TGID = 14;
export const GET_CURRENT_UID_GID = 15;
export const GET_CURRENT_COMM = 16;
export const KTIME_GET_BOOT_NS = 125;
export const KTIME_GET_COARSE_NS = 160;

/** Clock, randomness, CPU and current-task helpers, answered from the runtime's simulated task and clocks. */
export function defineTaskHelpers(table: HelperTable, rt: VmRuntime): void {
  table.define(KTIME_GET_NS, 'ktime_get_ns', () => rt.clock());
  table.define(KTIME_GET_COARSE_NS, 'ktime_get_coarse_ns', () => rt.clock());
  table.define(KTIME_GET_BOOT_NS, 'ktime_get_boot_ns', () => rt.clock() + rt.suspendedNs);
  table.define(GET_PRANDOM_U32, 'get_prandom_u32', () => rt.nextRandom());
  table.define(GET_SMP_PROCESSOR_ID, 'get_smp_processor_id', () => rt.cpu);
  table.define(
    GET_CURRENT_PID_TGID,
    'get_current_pid_tgid',
    () => (BigInt(rt.task.tgid >>> 0) << 32n) | BigInt(rt.task.pid >>> 0),
  );
  table.define(
    GET_CURRENT_UID_GID,
    'get_current_uid_gid',
    () => (BigInt(rt.task.gid >>> 0) << 32n) | BigInt(rt.task.uid >>> 0),
  );
  table.define(GET_CURRENT_COMM, 'get_current_comm', (call) => {
    const size = sizeArg(call, 2, GET_CURRENT_COMM);
    const dst = pointerArg(call, 1, size, true);
    if (size === 0) return -22;
    // strscpy_pad: as much of the name as fits with its NUL, the rest zero-filled
    const u8 = call.space.u8;
    u8.fill(0, dst, dst + size);
    const comm = rt.task.comm;
    const n = Math.min(comm.length, size - 1);
    for (let i = 0; i < n; i++) u8[dst + i] = comm.charCodeAt(i) & 0xff;
    return 0;
  });
}
