import { readFileSync } from 'node:fs';
import {
  parseTracepointFormat,
  type TracepointFormat,
  type TracepointFormatSource,
} from './progtypes/tracepoint-format.js';

const ROOTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/**
 * Tracepoint layouts from the running kernel's tracefs (node adapter). Unreadable tracefs (no permission, not
 * mounted, not Linux) gives undefined, so the runtime falls back to its built-in layouts. Mounting tracefs is left
 * to the system (`mount -t tracefs nodev /sys/kernel/tracing`): a library should not mount filesystems.
 */
export const tracefsFormats: TracepointFormatSource = (name: string): TracepointFormat | undefined => {
  if (!/^\w+\/\w+$/.test(name)) return undefined;
  for (const root of ROOTS) {
    const path = `${root}/events/${name}/format`;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    return parseTracepointFormat(name, text, path);
  }
  return undefined;
};
