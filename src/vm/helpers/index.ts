import { helperName } from '../../isa/helper-ids.js';
import { HelperTable } from '../helper.js';
import type { VmRuntime } from '../runtime.js';
import { defineControlHelpers } from './control.js';
import { defineMapHelpers } from './maps.js';
import { defineOutputHelpers } from './output.js';
import { definePacketHelpers } from './packet.js';
import { defineProbeHelpers } from './probe.js';
import { defineTaskHelpers } from './task.js';
import { defineTraceHelpers } from './trace.js';

/** Every helper the userspace runtime implements, bound to one collection's runtime state. */
export function runtimeHelpers(rt: VmRuntime): HelperTable {
  const table = new HelperTable();
  defineMapHelpers(table, rt);
  defineProbeHelpers(table);
  defineTaskHelpers(table, rt);
  defineTraceHelpers(table, rt);
  defineOutputHelpers(table, rt);
  definePacketHelpers(table, rt);
  defineControlHelpers(table, rt);
  return table;
}

/** The message of a load-time error for a helper the table lacks. */
export function unsupportedHelperMessage(id: number): string {
  return `${helperName(id)} (id ${id}) is not supported by the userspace VM`;
}
