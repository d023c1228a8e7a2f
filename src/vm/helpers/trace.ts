import type { HelperCall, HelperTable } from '../helper.js';
import { formatPrintk, PrintkFormatError, type PrintkMemory } from '../printk.js';
import type { VmRuntime } from '../runtime.js';
import { latin1, pointerArg, readArg, readable, readCString, sizeArg } from './args.js';

export const TRACE_PRINTK = 6;
export const SNPRINTF = 165;
export const TRACE_VPRINTK = 177;

const EINVAL = 22;
/** MAX_BPRINTF_VARARGS and MAX_TRACE_PRINTK_VARARGS. */
const MAX_VARARGS = 12;
const MAX_TRACE_PRINTK_VARARGS = 3;
/** MAX_BPRINTF_BUF: the kernel formats into 1024 bytes. */
const MAX_BPRINTF_BUF = 1024;

/**
 * bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf. The format is checked as bpf_bprintf_prepare does (it must
 * be NUL-terminated within its size, with no more specifiers than arguments); trace output goes to the collection's
 * trace pipe as kernel-format lines attributed to the current task and CPU.
 */
export function defineTraceHelpers(table: HelperTable, rt: VmRuntime): void {
  const emit = (message: string) => {
    rt.tracePipe.write({
      comm: rt.task.comm,
      pid: rt.task.pid,
      cpu: rt.cpu,
      timestampNs: rt.clock(),
      message,
    });
    return message.length;
  };

  table.define(TRACE_PRINTK, 'trace_printk', (call) => {
    const fmt = formatArg(call, TRACE_PRINTK);
    if (fmt === undefined) return -EINVAL;
    const text = format(call, fmt, [call.u64(3), call.u64(4), call.u64(5)], MAX_TRACE_PRINTK_VARARGS);
    return text === undefined ? -EINVAL : emit(text);
  });

  table.define(TRACE_VPRINTK, 'trace_vprintk', (call) => {
    const fmt = formatArg(call, TRACE_VPRINTK);
    const args = dataArgs(call, 3, 4);
    if (fmt === undefined || args === undefined) return -EINVAL;
    const text = format(call, fmt, args, MAX_VARARGS);
    return text === undefined ? -EINVAL : emit(text);
  });

  table.define(SNPRINTF, 'snprintf', (call) => {
    const size = sizeArg(call, 2, SNPRINTF);
    const dst = pointerArg(call, 1, size, true);
    const fmt = readCString(call, call.u64(3), 4096);
    const args = dataArgs(call, 4, 5);
    if (fmt === undefined || args === undefined) return -EINVAL;
    const text = format(call, fmt, args, MAX_VARARGS);
    if (text === undefined) return -EINVAL;
    if (size > 0) {
      const n = Math.min(text.length, size - 1);
      const u8 = call.space.u8;
      for (let i = 0; i < n; i++) u8[dst + i] = text.charCodeAt(i) & 0xff;
      u8[dst + n] = 0;
    }
    return text.length + 1;
  });
}

/** The format of trace_printk/vprintk: fmt_size bytes that must hold a NUL. */
function formatArg(call: HelperCall, id: number): string | undefined {
  const size = sizeArg(call, 2, id, 65536);
  if (size === 0) return undefined;
  const bytes = readArg(call, 1, size);
  const nul = bytes.indexOf(0);
  return nul < 0 ? undefined : latin1(bytes.subarray(0, nul));
}

/** The u64 array of vprintk/snprintf: a multiple of 8 bytes, at most 12 values. */
function dataArgs(call: HelperCall, ptrReg: number, lenReg: number): bigint[] | undefined {
  const len = call.u64(lenReg);
  if (len % 8n !== 0n || len > BigInt(MAX_VARARGS * 8)) return undefined;
  if (len === 0n) return [];
  const bytes = readArg(call, ptrReg, Number(len));
  const view = new DataView(bytes.buffer);
  const out: bigint[] = [];
  for (let i = 0; i < bytes.length; i += 8) out.push(view.getBigUint64(i, true));
  return out;
}

function format(call: HelperCall, fmt: string, args: readonly bigint[], maxArgs: number): string | undefined {
  const memory: PrintkMemory = {
    string: (addr, max) => readCString(call, addr, max),
    bytes: (addr, size) => {
      const a = readable(call, addr, size);
      return a === undefined ? undefined : call.space.u8.slice(a, a + size);
    },
  };
  try {
    return formatPrintk(fmt, args, memory, maxArgs).slice(0, MAX_BPRINTF_BUF - 1);
  } catch (err) {
    if (err instanceof PrintkFormatError) return undefined;
    throw err;
  }
}
