import { InputError } from '../errors.js';
import type { VmMap } from '../maps/map.js';
import type { Invocation } from './invocation.js';
import type { AddressSpace } from './memory.js';
import { DEFAULT_TASK, type TaskInfo, taskFrom } from './task.js';
import { TracePipe } from './trace-pipe.js';

export interface RuntimeOptions {
  /** Simulated CPUs (per-CPU maps, perf buffers); default 1. */
  cpus?: number;
  /** The task programs run for when an event names none. */
  task?: Partial<TaskInfo>;
  /** Monotonic clock in nanoseconds (bpf_ktime_get_ns); default: the host's performance clock. */
  clock?: () => bigint;
  /** Nanoseconds the system spent suspended (added by bpf_ktime_get_boot_ns); default 0. */
  suspendedNs?: bigint;
  /** Seed of bpf_get_prandom_u32 (default: random), for reproducible runs. */
  seed?: number;
}

/**
 * The state a collection's helpers share: the address space, its maps by address, the current CPU and task, the
 * clocks, the random generator, the trace pipe and the invocation being run. Nothing here is per program.
 */
export class VmRuntime {
  readonly cpus: number;
  readonly tracePipe = new TracePipe();
  readonly clock: () => bigint;
  readonly suspendedNs: bigint;
  /** The default task, and the task/CPU of the program running now. */
  readonly defaultTask: TaskInfo;
  task: TaskInfo;
  cpu = 0;
  current: Invocation = { ctx: 0 };
  private readonly mapsByAddress = new Map<number, VmMap>();
  private rng: number;

  constructor(
    readonly space: AddressSpace,
    options: RuntimeOptions = {},
  ) {
    this.cpus = options.cpus ?? 1;
    if (!Number.isInteger(this.cpus) || this.cpus < 1 || this.cpus > 1024) {
      throw new InputError(`cpus must be a whole number from 1 to 1024, not ${options.cpus}`);
    }
    this.defaultTask = taskFrom(options.task, DEFAULT_TASK);
    this.task = this.defaultTask;
    this.clock = options.clock ?? hostClock;
    this.suspendedNs = options.suspendedNs ?? 0n;
    this.rng = (options.seed ?? Math.floor(Math.random() * 0x100000000)) >>> 0 || 0x9e3779b9;
  }

  addMap(map: VmMap): void {
    this.mapsByAddress.set(map.address, map);
  }

  /** Every map of the collection. */
  allMaps(): IterableIterator<VmMap> {
    return this.mapsByAddress.values();
  }

  /** The map a program's pointer designates (from lddw or a map-in-map lookup), if any. */
  mapAt(address: number): VmMap | undefined {
    return this.mapsByAddress.get(address);
  }

  /** xorshift32: the kernel's prandom is not reproducible either; this one is, given a seed. */
  nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  /** Runs `fn` with the task and CPU of an event, restoring the previous ones afterwards. */
  withTask<T>(task: TaskInfo, cpu: number, fn: () => T): T {
    const savedTask = this.task;
    const savedCpu = this.cpu;
    this.task = task;
    this.cpu = cpu;
    try {
      return fn();
    } finally {
      this.task = savedTask;
      this.cpu = savedCpu;
    }
  }
}

const origin = BigInt(Math.round(performance.timeOrigin * 1e6));

/** Nanoseconds from the host's high-resolution clock (a monotonic clock, like CLOCK_MONOTONIC). */
function hostClock(): bigint {
  return (origin % 1_000_000_000_000n) + BigInt(Math.round(performance.now() * 1e6));
}
