import type { Btf } from '../../btf/btf.js';
import { helperName } from '../../isa/helper-ids.js';
import { HelperTable } from '../helper.js';
import type { VmRuntime } from '../runtime.js';
import { BUILTIN_TASK_LAYOUT, TaskImages, taskLayoutFromBtf } from '../task-image.js';
import { defineControlHelpers } from './control.js';
import { defineCurrentTaskHelpers } from './current-task.js';
import { defineMapHelpers } from './maps.js';
import { defineOutputHelpers } from './output.js';
import { definePacketHelpers } from './packet.js';
import { defineProbeHelpers } from './probe.js';
import { defineTaskHelpers } from './task.js';
import { defineTraceHelpers } from './trace.js';
import { defineXdpByteHelpers } from './xdp-bytes.js';

export interface RuntimeHelperOptions {
  /**
   * The BTF whose struct task_struct the programs read through (the object's own, or the target it was
   * CO-RE-relocated against); without one, Linux 6.18 x86-64's layout.
   */
  btf?: Btf;
}

/** Every helper the userspace runtime implements, bound to one collection's runtime state. */
export function runtimeHelpers(rt: VmRuntime, options: RuntimeHelperOptions = {}): HelperTable {
  const table = new HelperTable();
  defineMapHelpers(table, rt);
  defineProbeHelpers(table);
  defineTaskHelpers(table, rt);
  const layout = taskLayoutFromBtf(options.btf) ?? BUILTIN_TASK_LAYOUT;
  defineCurrentTaskHelpers(table, rt, new TaskImages(rt.space, layout));
  defineTraceHelpers(table, rt);
  defineOutputHelpers(table, rt);
  definePacketHelpers(table, rt);
  defineXdpByteHelpers(table, rt);
  defineControlHelpers(table, rt);
  return table;
}

/** The message of a load-time error for a helper the table lacks. */
export function unsupportedHelperMessage(id: number): string {
  return `${helperName(id)} (id ${id}) is not supported by the userspace VM`;
}
