/**
 * The live side of an ObjectSpec, the same for every backend (userspace VM, JIT, Linux kernel): code written
 * against these interfaces switches backend with one option.
 */
import type { MapSpec, ObjectSpec, ProgramSpec } from './types.js';

export type BackendKind = 'vm' | 'jit' | 'kernel';

/** BPF_PROG_TEST_RUN's inputs. */
export interface TestRunOptions {
  /** Packet data (socket filter, XDP, tc, cgroup_skb...) or the raw memory of SYSCALL-like programs. */
  data?: Uint8Array;
  /** Context bytes (e.g. a struct __sk_buff, xdp_md, pt_regs or a tracepoint record). */
  ctx?: Uint8Array;
  /** Runs; the result is the last run's and the duration the mean. */
  repeat?: number;
  /** CPU the run is attributed to (per-CPU maps). */
  cpu?: number;
}

export interface TestRunResult {
  /** r0 of the (last) run as the kernel reports it: its low 32 bits (programs return u32). */
  retval: bigint;
  /** The whole 64-bit r0 (userspace backends only; the kernel reports 32 bits). */
  r0?: bigint;
  /** The packet as the program left it (XDP and tc may resize it). */
  data?: Uint8Array;
  /** The context as the program left it. */
  ctx?: Uint8Array;
  /** Mean nanoseconds per run. */
  durationNs: number;
  /** Instructions executed by the last run (userspace backends only). */
  insnsExecuted?: number;
}

/** An attachment that ends when closed (and when its collection closes, and at process exit). */
export interface Link {
  readonly program: string;
  readonly target: string;
  close(): void | Promise<void>;
}

export interface LoadedProgram {
  readonly spec: ProgramSpec;
  readonly name: string;
  run(options?: TestRunOptions): Promise<TestRunResult> | TestRunResult;
  /** Attaches by the section name (kprobe/..., tracepoint/..., xdp...) or to an explicit target. */
  attach(target?: string | Record<string, unknown>): Promise<Link> | Link;
}

/** A decoded key or value: numbers/bigints for integers, objects for structs, arrays for arrays (bpftool's shape). */
export type DecodedValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | DecodedValue[]
  | { [field: string]: DecodedValue };

export interface LoadedMap {
  readonly spec: MapSpec;
  readonly name: string;
  lookup(key: Uint8Array): Uint8Array | undefined;
  update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  delete(key: Uint8Array): boolean;
  keys(): Iterable<Uint8Array>;
  entries(): Iterable<[Uint8Array, Uint8Array]>;
  /** Entries decoded through BTF when the map declares key/value types (raw bytes as arrays otherwise). */
  decodedEntries(): { key: DecodedValue; value: DecodedValue }[];
}

/** Ring-buffer and perf-buffer records, as an async iterator or by callback. */
export interface RecordReader<T> extends AsyncIterable<T> {
  /** Delivers records already waiting; returns how many. */
  poll(onRecord: (record: T) => void): number | Promise<number>;
  close(): void;
}

export interface Collection {
  readonly backend: BackendKind;
  readonly spec: ObjectSpec;
  readonly programs: ReadonlyMap<string, LoadedProgram>;
  readonly maps: ReadonlyMap<string, LoadedMap>;
  program(name: string): LoadedProgram;
  map(name: string): LoadedMap;
  /** Reads a global variable's current bytes / writes them (not for `.rodata` once loaded). */
  variable(name: string): { get(): Uint8Array; set(bytes: Uint8Array): void };
  ringBuffer(mapName: string): RecordReader<Uint8Array>;
  perfBuffer(mapName: string): RecordReader<{ cpu: number; data: Uint8Array; lost?: number }>;
  /** Lines of bpf_trace_printk output, as the kernel's trace_pipe prints them. */
  tracePipe(): AsyncIterable<string>;
  close(): Promise<void> | void;
}
