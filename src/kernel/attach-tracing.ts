/**
 * BTF-era tracing attachments and sampling:
 * - raw tracepoints (BPF_RAW_TRACEPOINT_OPEN with a name);
 * - fentry/fexit/fmod_ret/tp_btf/lsm, whose target was fixed at load time by attach_btf_id: BPF_LINK_CREATE with
 *   the program's expected attach type, falling back to RAW_TRACEPOINT_OPEN without a name (pre-5.x kernels);
 * - perf_event programs on a software or hardware event sampled at a frequency, one event per online CPU.
 */
import { bindPerfEvent } from './attach-perf-link.js';
import { linkCreate, rawTracepointOpen } from './bpf.js';
import { onlineCpus } from './cpus.js';
import { isKernelError } from './errors.js';
import type { Fd } from './fd.js';
import { KernelLink } from './link.js';
import { PerfHwConfig, PerfSwConfig, PerfType, perfEventOpen } from './perf-event.js';
import { AttachTargetError } from './tracefs.js';

export function attachRawTracepoint(program: string, progFd: number, name: string): KernelLink {
  if (!/^\w+$/.test(name)) throw new AttachTargetError(`raw tracepoint "${name}": not a tracepoint name`);
  const link = rawTracepointOpen(progFd, name);
  return new KernelLink(program, `raw_tracepoint/${name}`, [() => link.close()], link);
}

/** fentry/fexit/fmod_ret/tp_btf/lsm: the program already names its target (attach_btf_id). */
export function attachTracing(program: string, progFd: number, attachType: number, label: string): KernelLink {
  let link: Fd;
  try {
    link = linkCreate({ progFd, target: 0, attachType });
  } catch (error) {
    if (!isKernelError(error, 'EINVAL')) throw error;
    link = rawTracepointOpen(progFd);
  }
  return new KernelLink(program, label, [() => link.close()], link);
}

export interface SamplingOptions {
  /** 'software' (cpu-clock, default) or 'hardware' (cpu-cycles). */
  event?: 'software' | 'hardware';
  /** PERF_COUNT_SW_* / PERF_COUNT_HW_* number, overriding the default of the event type. */
  config?: number;
  /** Samples per second per CPU (default 99). */
  frequency?: number;
  /** Sample every N events instead of at a frequency. */
  period?: number;
  /** CPUs to sample on (default: every online CPU). */
  cpus?: number[];
}

/** A perf_event program sampling on every (given) CPU; one link closes all the events. */
export function attachPerfSampling(program: string, progFd: number, options: SamplingOptions = {}): KernelLink {
  const hardware = options.event === 'hardware';
  const cpus = options.cpus ?? onlineCpus();
  const releases: (() => void)[] = [];
  try {
    for (const cpu of cpus) {
      const perf = perfEventOpen({
        type: hardware ? PerfType.HARDWARE : PerfType.SOFTWARE,
        config: options.config ?? (hardware ? PerfHwConfig.CPU_CYCLES : PerfSwConfig.CPU_CLOCK),
        samplePeriod: options.period ?? options.frequency ?? 99,
        frequency: options.period === undefined,
        pid: -1,
        cpu,
      });
      releases.push(() => perf.close());
      const link = bindPerfEvent(progFd, perf);
      if (link) releases.push(() => link.close());
    }
  } catch (error) {
    for (const release of releases.reverse()) release();
    throw error;
  }
  const what = hardware ? 'hardware' : 'software';
  return new KernelLink(program, `perf_event/${what}/${options.frequency ?? options.period ?? 99}`, releases);
}
