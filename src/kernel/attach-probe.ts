/**
 * kprobes, uprobes and tracepoints: open a perf event for the probe point, then bind the program to it.
 *
 * Probe points come from the perf PMUs when the kernel has them (/sys/bus/event_source/devices/{kprobe,uprobe}:
 * `type`, and `format/retprobe` naming the config bit of return probes); config1 holds the address of the function
 * name (kprobe) or binary path (uprobe), config2 the offset. Kernels without the PMU get the legacy tracefs
 * interface (`kprobe_events`), whose probes are removed again when the link closes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { bindPerfEvent } from './attach-perf-link.js';
import type { Fd } from './fd.js';
import { KernelLink } from './link.js';
import { NativeBuffer } from './native.js';
import { PerfType, perfEventOpen } from './perf-event.js';
import { AttachTargetError, addLegacyProbe, tracepointId } from './tracefs.js';

interface Pmu {
  type: number;
  retprobeBit: number;
}

const pmus = new Map<string, Pmu | null>();

/** The kprobe or uprobe PMU, or undefined when the kernel has none. */
export function probePmu(kind: 'kprobe' | 'uprobe'): Pmu | undefined {
  let pmu = pmus.get(kind);
  if (pmu === undefined) {
    const dir = `/sys/bus/event_source/devices/${kind}`;
    pmu = null;
    if (existsSync(`${dir}/type`)) {
      const format = existsSync(`${dir}/format/retprobe`) ? readFileSync(`${dir}/format/retprobe`, 'utf8') : 'config:0';
      pmu = {
        type: Number(readFileSync(`${dir}/type`, 'utf8').trim()),
        retprobeBit: Number(/config:(\d+)/.exec(format)?.[1] ?? 0),
      };
    }
    pmus.set(kind, pmu);
  }
  return pmu ?? undefined;
}

export interface ProbeOptions {
  retprobe?: boolean;
  /** bpf_cookie (BPF link attachments only). */
  cookie?: bigint;
}

/** Opens a probe perf event: through the PMU, else a legacy tracefs probe; returns the fd and any cleanup. */
function openProbe(
  kind: 'kprobe' | 'uprobe',
  name: string,
  offset: number,
  retprobe: boolean,
  pid: number,
): { perf: Fd; cleanup?: () => void } {
  const pmu = probePmu(kind);
  if (pmu) {
    const text = NativeBuffer.cString(name);
    try {
      const perf = perfEventOpen({
        type: pmu.type,
        config: retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
        config1: text.address,
        config2: offset,
        pid: kind === 'uprobe' && pid >= 0 ? pid : -1,
        cpu: kind === 'uprobe' && pid >= 0 ? -1 : 0,
      });
      return { perf };
    } finally {
      text.free();
    }
  }
  const definition = kind === 'kprobe' ? (offset ? `${name}+${offset}` : name) : `${name}:0x${offset.toString(16)}`;
  const legacy = addLegacyProbe(kind, retprobe, definition);
  try {
    const perf = perfEventOpen({
      type: PerfType.TRACEPOINT,
      config: legacy.id,
      pid: kind === 'uprobe' && pid >= 0 ? pid : -1,
      cpu: kind === 'uprobe' && pid >= 0 ? -1 : 0,
    });
    return { perf, cleanup: legacy.remove };
  } catch (error) {
    legacy.remove();
    throw error;
  }
}

/** Binds the program to an opened perf event and wraps everything in a link. */
function perfLink(
  program: string,
  target: string,
  progFd: number,
  opened: { perf: Fd; cleanup?: () => void },
  cookie?: bigint,
): KernelLink {
  const releases: (() => void)[] = [];
  if (opened.cleanup) releases.push(opened.cleanup);
  releases.push(() => opened.perf.close());
  try {
    const linkFd = bindPerfEvent(progFd, opened.perf, cookie);
    if (linkFd) releases.push(() => linkFd.close());
    return new KernelLink(program, target, releases, linkFd);
  } catch (error) {
    for (const release of releases.reverse()) release();
    throw error;
  }
}

/** kprobe (or kretprobe) on kernel function `fn` (+offset). */
export function attachKprobe(
  program: string,
  progFd: number,
  fn: string,
  offset = 0,
  options: ProbeOptions = {},
): KernelLink {
  if (!/^[\w.]+$/.test(fn)) throw new AttachTargetError(`kprobe: "${fn}" is not a kernel function name`);
  const retprobe = options.retprobe ?? false;
  const opened = openProbe('kprobe', fn, offset, retprobe, -1);
  return perfLink(
    program,
    `${retprobe ? 'kretprobe' : 'kprobe'}/${fn}${offset ? `+${offset}` : ''}`,
    progFd,
    opened,
    options.cookie,
  );
}

/** uprobe (or uretprobe) at file offset `offset` of `binary`, for every process or only `pid`. */
export function attachUprobe(
  program: string,
  progFd: number,
  binary: string,
  offset: number,
  options: ProbeOptions & { pid?: number; label?: string } = {},
): KernelLink {
  if (!existsSync(binary)) throw new AttachTargetError(`uprobe: no such file ${binary}`);
  const retprobe = options.retprobe ?? false;
  const opened = openProbe('uprobe', binary, offset, retprobe, options.pid ?? -1);
  const where = options.label ?? `0x${offset.toString(16)}`;
  return perfLink(program, `${retprobe ? 'uretprobe' : 'uprobe'}/${binary}:${where}`, progFd, opened, options.cookie);
}

/** Tracepoint `category/name`. */
export function attachTracepoint(
  program: string,
  progFd: number,
  category: string,
  name: string,
  cookie?: bigint,
): KernelLink {
  const id = tracepointId(category, name);
  const perf = perfEventOpen({ type: PerfType.TRACEPOINT, config: id, pid: -1, cpu: 0 });
  return perfLink(program, `tracepoint/${category}/${name}`, progFd, { perf }, cookie);
}
