/**
 * `program.attach()`: where a program goes, from its ELF section name (libbpf's conventions) or an explicit
 * target. A string target replaces the section's target (a function for kprobes, `category/name` for tracepoints,
 * an interface for XDP, a cgroup path, `binary:symbol` for uprobes); an object target gives options by name.
 */
import type { ProgramSpec } from '../object/types.js';
import { attachCgroup, attachSocketFilter, attachXdp, defaultCgroupAttachType } from './attach-net.js';
import { attachKprobe, attachTracepoint, attachUprobe } from './attach-probe.js';
import { attachPerfSampling, attachRawTracepoint, attachTracing, type SamplingOptions } from './attach-tracing.js';
import { AttachType, ProgType } from './constants.js';
import { symbolFileOffset } from './elf-symbol.js';
import type { KernelLink } from './link.js';
import { AttachTargetError } from './tracefs.js';

/** Options an object target may carry (which apply depends on the program type). */
export interface AttachOptions {
  /** Replaces the section's target, as a string target does (kept for callers that also pass options). */
  target?: string;
  /** kprobe: kernel function; uprobe: symbol in `binary`. */
  function?: string;
  symbol?: string;
  binary?: string;
  offset?: number;
  retprobe?: boolean;
  pid?: number;
  cookie?: bigint;
  /** tracepoint: `category` and `name`, or both in `tracepoint` ("syscalls/sys_enter_execve"). */
  category?: string;
  name?: string;
  tracepoint?: string;
  /** XDP: interface name or ifindex, and XDP_FLAGS_*. */
  interface?: string | number;
  flags?: number;
  /** Socket filter: the socket's fd. */
  socket?: number;
  /** cgroup programs: the cgroup directory and attach type. */
  cgroup?: string;
  attachType?: number;
  /** perf_event programs. */
  event?: SamplingOptions['event'];
  config?: number;
  frequency?: number;
  period?: number;
  cpus?: number[];
}

/** The part of a section name after its first `/` ('' when there is none). */
function sectionTarget(section: string): string {
  const slash = section.indexOf('/');
  return slash < 0 ? '' : section.slice(slash + 1);
}

/** "fn+0x10" -> [fn, 16] */
function splitOffset(text: string): [string, number] {
  const match = /^([^+]+)\+(0x[0-9a-fA-F]+|\d+)$/.exec(text);
  return match ? [match[1]!, Number(match[2])] : [text, 0];
}

export function autoAttach(spec: ProgramSpec, progFd: number, target?: string | AttachOptions): KernelLink {
  const options: AttachOptions = typeof target === 'object' ? target : {};
  const text =
    typeof target === 'string' ? target : (options.target ?? spec.attachTarget ?? sectionTarget(spec.section));
  const section = spec.section;
  const name = spec.name;
  const need = (what: string): never => {
    throw new AttachTargetError(`program "${name}" (section ${section}): attach needs ${what}`);
  };
  switch (spec.type) {
    case ProgType.KPROBE: {
      const retprobe = options.retprobe ?? /^(kretprobe|uretprobe)/.test(section);
      if (/^u(ret)?probe/.test(section) || options.binary) return uprobe(spec, progFd, text, options, retprobe);
      const [fn, offset] = options.function ? [options.function, options.offset ?? 0] : splitOffset(text);
      if (!fn) need('a kernel function (kprobe/FUNCTION or attach("FUNCTION"))');
      return attachKprobe(name, progFd, fn, offset, { retprobe, cookie: options.cookie });
    }
    case ProgType.TRACEPOINT: {
      const full =
        options.tracepoint ?? (options.category && options.name ? `${options.category}/${options.name}` : text);
      const slash = full.indexOf('/');
      if (slash <= 0) need('a tracepoint as category/name (tracepoint/syscalls/sys_enter_execve)');
      return attachTracepoint(name, progFd, full.slice(0, slash), full.slice(slash + 1), options.cookie);
    }
    case ProgType.RAW_TRACEPOINT:
    case ProgType.RAW_TRACEPOINT_WRITABLE: {
      const tp = options.name ?? text;
      if (!tp) need('a tracepoint name (raw_tracepoint/NAME)');
      return attachRawTracepoint(name, progFd, tp);
    }
    case ProgType.TRACING:
    case ProgType.LSM: {
      const attachType =
        spec.expectedAttachType ?? (spec.type === ProgType.LSM ? AttachType.LSM_MAC : AttachType.TRACE_FENTRY);
      if (attachType === AttachType.TRACE_ITER) need('an iterator reader (iterators are not attached as links here)');
      return attachTracing(name, progFd, attachType, section);
    }
    case ProgType.PERF_EVENT:
      return attachPerfSampling(name, progFd, {
        event: options.event,
        config: options.config,
        frequency: options.frequency,
        period: options.period,
        cpus: options.cpus,
      });
    case ProgType.XDP: {
      const iface = options.interface ?? text;
      if (iface === '' || iface === undefined) need('a network interface (attach("eth0") or { interface })');
      return attachXdp(name, progFd, iface, options.flags ?? 0);
    }
    case ProgType.SOCKET_FILTER: {
      const socket =
        options.socket ?? (/^\d+$/.test(typeof target === 'string' ? target : '') ? Number(target) : undefined);
      if (socket === undefined) return need('a socket ({ socket: fd })');
      return attachSocketFilter(name, progFd, socket);
    }
    case ProgType.CGROUP_SKB:
    case ProgType.CGROUP_SOCK:
    case ProgType.SOCK_OPS:
    case ProgType.CGROUP_DEVICE:
    case ProgType.CGROUP_SYSCTL:
    case ProgType.CGROUP_SOCK_ADDR:
    case ProgType.CGROUP_SOCKOPT: {
      const attachType = options.attachType ?? spec.expectedAttachType ?? defaultCgroupAttachType(spec.type);
      if (attachType === undefined) return need('an attach type');
      // As libbpf and bpftool, never a default: a deny program on the root cgroup would cut off the whole machine.
      const path = options.cgroup ?? (typeof target === 'string' ? target : options.target);
      if (!path) return need('a cgroup v2 directory (attach("/sys/fs/cgroup/NAME") or { cgroup })');
      return attachCgroup(name, progFd, attachType, path);
    }
    default:
      return need(
        `a program type this backend attaches (type ${spec.typeName || spec.type} has no automatic attachment)`,
      );
  }
}

/** uprobe/BINARY:SYMBOL[+OFFSET] or { binary, symbol | offset }. */
function uprobe(
  spec: ProgramSpec,
  progFd: number,
  text: string,
  options: AttachOptions,
  retprobe: boolean,
): KernelLink {
  let binary = options.binary;
  let symbol = options.symbol ?? options.function;
  let offset = options.offset ?? 0;
  if (!binary) {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new AttachTargetError(`program "${spec.name}" (section ${spec.section}): uprobe needs BINARY:SYMBOL`);
    }
    binary = text.slice(0, colon);
    const rest = text.slice(colon + 1);
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(rest)) offset = Number(rest);
    else [symbol, offset] = splitOffset(rest);
  }
  const fileOffset = symbol ? symbolFileOffset(binary, symbol) + offset : offset;
  return attachUprobe(spec.name, progFd, binary, fileOffset, {
    retprobe,
    pid: options.pid,
    cookie: options.cookie,
    label: symbol ? `${symbol}${offset ? `+${offset}` : ''}` : undefined,
  });
}
