import { InputError } from '../../errors.js';
import { ProgType } from '../../uapi/bpf.js';
import { ContextLayout } from './layout.js';
import { SkbKind } from './skb.js';
import type { TracepointFormat } from './tracepoint-format.js';
import {
  BPF_SOCK,
  BPF_SOCK_OPS,
  PERF_EVENT_DATA,
  PT_REGS,
  RAW_TRACEPOINT_ARGS,
  StructKind,
  tracepointLayout,
} from './tracing.js';
import type { ProgramKind } from './types.js';

/** SYSCALL programs take whatever bytes the caller passes (ctx_in), writable. */
const SYSCALL_ARGS = new ContextLayout('syscall ctx', 0, []);

import { XdpKind } from './xdp.js';

/** TC_ACT_REDIRECT: what bpf_redirect returns in tc programs. */
export const TC_ACT_REDIRECT = 7;

/**
 * The context conventions of a program type. Tracepoint programs need their record layout (`format`, looked up by
 * the caller from the attach target); without one their context is taken as raw bytes.
 */
export function programKind(type: number, typeName: string, format?: TracepointFormat): ProgramKind {
  switch (type) {
    case ProgType.SOCKET_FILTER:
      return new SkbKind('socket_filter', false);
    case ProgType.CGROUP_SKB:
      return new SkbKind('cgroup_skb', false);
    case ProgType.SCHED_CLS:
      return new SkbKind('sched_cls', true, TC_ACT_REDIRECT);
    case ProgType.SCHED_ACT:
      return new SkbKind('sched_act', true, TC_ACT_REDIRECT);
    case ProgType.XDP:
      return new XdpKind();
    case ProgType.KPROBE:
      return new StructKind('kprobe', PT_REGS, false);
    case ProgType.PERF_EVENT:
      return new StructKind('perf_event', PERF_EVENT_DATA, false);
    case ProgType.TRACEPOINT:
      return new StructKind('tracepoint', format ? tracepointLayout(format) : RAW_TRACEPOINT_ARGS, false, true);
    case ProgType.RAW_TRACEPOINT:
      return new StructKind('raw_tracepoint', RAW_TRACEPOINT_ARGS, false, true);
    case ProgType.CGROUP_SOCK:
      return new StructKind('cgroup_sock', BPF_SOCK, true);
    case ProgType.SOCK_OPS:
      return new StructKind('sock_ops', BPF_SOCK_OPS, true);
    case ProgType.SYSCALL:
      return new StructKind('syscall', SYSCALL_ARGS, true, true);
    default:
      throw new InputError(`program type ${typeName || type} is not supported by the userspace VM`);
  }
}
