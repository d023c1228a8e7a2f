import { InputError } from '../errors.js';
import type { Link } from '../object/collection.js';
import { type Hook, type HookKind, hookOf } from './attach-target.js';
import type { Region } from './memory.js';
import type { VmProgram } from './program.js';
import type { ContextInput, FieldValue } from './progtypes/layout.js';
import {
  encodeString,
  encodeTracepointRecord,
  type TracepointFormatSource,
  type TracepointValue,
} from './progtypes/tracepoint-format.js';
import { ARG_REGISTERS, PERF_EVENT_DATA, PT_REGS } from './progtypes/tracing.js';
import type { VmRuntime } from './runtime.js';
import { type TaskInfo, taskFrom } from './task.js';

/** Who an event happens to: the task and CPU helpers report while attached programs run. */
export interface EventOrigin extends Partial<TaskInfo> {
  cpu?: number;
  /** Kernel and user stacks (instruction pointers, innermost first) for bpf_get_stackid. */
  kernelStack?: readonly bigint[];
  userStack?: readonly bigint[];
  /** Packet events: the skb's pkt_type (default from the destination address). */
  pktType?: number;
}

/** A kprobe, kretprobe or perf event: registers by name, arguments (strings are placed in user memory). */
export interface ProbePayload {
  args?: readonly (number | bigint | string)[];
  /** kretprobe: the return value (rax). */
  ret?: number | bigint;
  ip?: number | bigint;
  regs?: Readonly<Record<string, number | bigint>>;
  /** perf events. */
  samplePeriod?: number | bigint;
  addr?: number | bigint;
}

export type EventPayload =
  | Uint8Array
  | Readonly<Record<string, TracepointValue>>
  | ProbePayload
  | readonly (number | bigint)[];

export interface FiredRun {
  program: string;
  retval: bigint;
}

/**
 * The host side of hooks: programs attach by section (or an explicit target) and `fire` plays an event into every
 * program attached there, with the event's task, CPU and stack. Tracepoint records are laid out from their
 * tracefs or built-in formats; strings for pointer fields and probe arguments are placed in user memory.
 */
export class VmEvents {
  private readonly attached = new Map<string, Set<VmProgram>>();
  private readonly userRegions: Region[] = [];

  constructor(
    private readonly rt: VmRuntime,
    private readonly formats: TracepointFormatSource,
  ) {}

  attach(program: VmProgram, target?: string | Record<string, unknown>): Link {
    const hook = hookOf(program.spec.section, target);
    const key = `${hook.kind}:${hook.target}`;
    let set = this.attached.get(key);
    if (!set) this.attached.set(key, (set = new Set()));
    set.add(program);
    const programs = set;
    return {
      program: program.name,
      target: key,
      close: () => {
        programs.delete(program);
      },
    };
  }

  /** Programs attached to a hook (exact target, then wildcard attachments). */
  attachedTo(kind: HookKind, target: string): VmProgram[] {
    return [
      ...(this.attached.get(`${kind}:${target}`) ?? []),
      ...(target === '*' ? [] : (this.attached.get(`${kind}:*`) ?? [])),
    ];
  }

  /**
   * Plays an event into every program attached to (kind, target); returns each program's r0. Payloads: tracepoint
   * fields or record bytes; raw tracepoint args; kprobe/kretprobe/perf_event registers; packet bytes for socket,
   * xdp, tc and cgroup_skb; context fields or bytes for cgroup_sock and sock_ops.
   */
  fire(kind: HookKind, target: string, payload: EventPayload, origin: EventOrigin = {}): FiredRun[] {
    const programs = this.attachedTo(kind, target);
    if (programs.length === 0) return [];
    const task = taskFrom(origin, this.rt.defaultTask);
    const cpu = origin.cpu ?? 0;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.rt.cpus) {
      throw new InputError(`event cpu ${cpu} is outside 0..${this.rt.cpus - 1}`);
    }
    return this.rt.withTask(task, cpu, () => {
      const request = this.requestFor(kind, target, payload, task);
      return programs.map((program) => {
        const prepared = program.prepare({ ...request, pktType: origin.pktType });
        prepared.invocation.kernelStack = origin.kernelStack;
        prepared.invocation.userStack = origin.userStack;
        try {
          return { program: program.name, retval: program.execute(prepared).r0 };
        } finally {
          prepared.release();
        }
      });
    });
  }

  /** Copies bytes (or a string with its NUL) into user memory that lives as long as the collection; its address. */
  userMemory(content: Uint8Array | string): bigint {
    const bytes = typeof content === 'string' ? encodeString(content) : content;
    const region = this.rt.space.alloc(bytes.length, 'user memory', 'other', false);
    this.rt.space.u8.set(bytes, region.start);
    this.userRegions.push(region);
    return BigInt(region.start);
  }

  close(): void {
    for (const r of this.userRegions.splice(0)) this.rt.space.free(r);
    this.attached.clear();
  }

  private requestFor(
    kind: HookKind,
    target: string,
    payload: EventPayload,
    task: TaskInfo,
  ): { data?: Uint8Array; ctx?: ContextInput; mode: 'socket' } {
    const mode = 'socket' as const;
    switch (kind) {
      case 'socket':
      case 'xdp':
      case 'tc':
      case 'cgroup_skb':
        if (!(payload instanceof Uint8Array)) throw new InputError(`${kind} events carry packet bytes`);
        return { data: payload, mode };
      case 'tracepoint': {
        if (payload instanceof Uint8Array) return { ctx: payload, mode };
        const format = this.formats(target);
        if (!format) throw new InputError(`no record format for tracepoint ${target}: pass the record as bytes`);
        const record = encodeTracepointRecord(
          format,
          payload as Record<string, TracepointValue>,
          { pid: task.pid },
          (s) => this.userMemory(s),
        );
        return { ctx: record, mode };
      }
      case 'raw_tracepoint': {
        if (payload instanceof Uint8Array) return { ctx: payload, mode };
        if (!Array.isArray(payload)) throw new InputError('raw_tracepoint events carry an array of u64 arguments');
        const bytes = new Uint8Array(8 * payload.length);
        const view = new DataView(bytes.buffer);
        (payload as readonly (number | bigint)[]).forEach((v, i) => {
          view.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(v)), true);
        });
        return { ctx: bytes, mode };
      }
      case 'kprobe':
      case 'kretprobe':
      case 'perf_event': {
        if (payload instanceof Uint8Array) return { ctx: payload, mode };
        return { ctx: this.registers(kind, payload as ProbePayload), mode };
      }
      default:
        if (payload instanceof Uint8Array) return { ctx: payload, mode };
        return { ctx: payload as Record<string, FieldValue>, mode };
    }
  }

  private registers(kind: HookKind, p: ProbePayload): Uint8Array {
    const fields: Record<string, number | bigint> = { ...(p.regs ?? {}) };
    (p.args ?? []).forEach((a, i) => {
      const reg = ARG_REGISTERS[i];
      if (!reg) throw new InputError(`a probe takes at most ${ARG_REGISTERS.length} register arguments`);
      fields[reg] = typeof a === 'string' ? this.userMemory(a) : a;
    });
    if (p.ret !== undefined) fields.ax = p.ret;
    if (p.ip !== undefined) fields.ip = p.ip;
    if (kind !== 'perf_event') return PT_REGS.encode(fields);
    if (p.samplePeriod !== undefined) fields.sample_period = p.samplePeriod;
    if (p.addr !== undefined) fields.addr = p.addr;
    return PERF_EVENT_DATA.encode(fields);
  }
}

export type { Hook, HookKind };
