/**
 * perf_event_open(2) for the events BPF programs hang off: kprobe/uprobe PMU events, tracepoints, software and
 * hardware sampling events, and the BPF output events behind perf buffers.
 *
 * struct perf_event_attr is written at PERF_ATTR_SIZE_VER5 (112 bytes): every field we use is inside it and every
 * kernel since 4.1 accepts that size. Field offsets are from include/uapi/linux/perf_event.h.
 */
import { KernelError } from './errors.js';
import { Fd } from './fd.js';
import { NativeBuffer, setU64 } from './native.js';
import { lastErrno, sysIoctl, sysPerfEventOpen } from './syscall.js';

const ATTR_SIZE = 112;

export const PerfType = { HARDWARE: 0, SOFTWARE: 1, TRACEPOINT: 2 } as const;
export const PerfSwConfig = { CPU_CLOCK: 0, TASK_CLOCK: 1, BPF_OUTPUT: 10 } as const;
export const PerfHwConfig = { CPU_CYCLES: 0, INSTRUCTIONS: 1 } as const;
export const PERF_SAMPLE_RAW = 1 << 10;
const PERF_FLAG_FD_CLOEXEC = 8;

/** attr.flags bits. */
const FLAG_DISABLED = 1n << 0n;
const FLAG_FREQ = 1n << 10n;
const FLAG_WATERMARK = 1n << 14n;

/** ioctl requests (_IO('$', n) and _IOW('$', 8, __u32)). */
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_EVENT_IOC_DISABLE = 0x2401;
export const PERF_EVENT_IOC_SET_BPF = 0x40042408;

export interface PerfEventOptions {
  type: number;
  config?: bigint | number;
  /** kprobe_func / uprobe_path address, or config1. */
  config1?: bigint | number;
  /** probe offset / kprobe_addr, or config2. */
  config2?: bigint | number;
  /** Sample every N events, or (with `frequency`) N times a second. */
  samplePeriod?: number;
  frequency?: boolean;
  sampleType?: number;
  /** Wake a reader after this many events (or bytes, with `watermark`). */
  wakeupEvents?: number;
  watermark?: boolean;
  /** Open disabled (the default: enabled by ioctl or by attaching a BPF link). */
  disabled?: boolean;
  /** -1 for all processes (with a CPU), or a pid. */
  pid?: number;
  /** CPU, or -1 for any CPU (with a pid). */
  cpu?: number;
  /** Native memory whose address the kernel reads through config1 (kept alive for the call). */
  keepAlive?: NativeBuffer;
}

/** Opens a perf event; throws KernelError('perf_event_open', errno) on failure. */
export function perfEventOpen(options: PerfEventOptions): Fd {
  const attr = new NativeBuffer(ATTR_SIZE);
  try {
    const v = attr.view;
    v.setUint32(0, options.type, true);
    v.setUint32(4, ATTR_SIZE, true);
    v.setBigUint64(8, BigInt(options.config ?? 0), true);
    setU64(v, 16, options.samplePeriod ?? 0);
    v.setBigUint64(24, BigInt(options.sampleType ?? 0), true);
    let flags = 0n;
    if (options.disabled ?? true) flags |= FLAG_DISABLED;
    if (options.frequency) flags |= FLAG_FREQ;
    if (options.watermark) flags |= FLAG_WATERMARK;
    v.setBigUint64(40, flags, true);
    v.setUint32(48, options.wakeupEvents ?? 0, true);
    v.setBigUint64(56, BigInt(options.config1 ?? 0), true);
    v.setBigUint64(64, BigInt(options.config2 ?? 0), true);
    const fd = sysPerfEventOpen(attr.address, options.pid ?? -1, options.cpu ?? 0, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) throw new KernelError('perf_event_open', lastErrno());
    return new Fd(fd);
  } finally {
    attr.free();
  }
}

/** ioctl on a perf event fd; throws on failure. */
export function perfIoctl(fd: Fd, request: number, arg = 0): void {
  if (sysIoctl(fd.fd, request, arg) < 0) {
    const name = request === PERF_EVENT_IOC_SET_BPF ? 'PERF_EVENT_IOC_SET_BPF' : `perf ioctl 0x${request.toString(16)}`;
    throw new KernelError(name, lastErrno());
  }
}
