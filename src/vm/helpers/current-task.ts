import type { HelperTable } from '../helper.js';
import type { VmRuntime } from '../runtime.js';
import type { ParentedTask, TaskImages } from '../task-image.js';

export const GET_CURRENT_TASK = 35;
export const GET_CURRENT_TASK_BTF = 158;

/**
 * bpf_get_current_task and bpf_get_current_task_btf: the address of the running task's task_struct image (the
 * same pointer for both, as in the kernel), which probe_read_kernel and CO-RE reads follow to pid, tgid, comm and
 * real_parent->tgid.
 */
export function defineCurrentTaskHelpers(table: HelperTable, rt: VmRuntime, images: TaskImages): void {
  const current = () => images.addressOf(rt.task as ParentedTask);
  table.define(GET_CURRENT_TASK, 'get_current_task', current);
  table.define(GET_CURRENT_TASK_BTF, 'get_current_task_btf', current);
}
