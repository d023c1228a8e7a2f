import { InputError } from '../../errors.js';
import type { AddressSpace } from '../memory.js';
import { ContextLayout, type CtxField } from './layout.js';
import type { TracepointFormat } from './tracepoint-format.js';
import type { ContextRequest, PreparedContext, ProgramKind } from './types.js';

const u64 = (names: string[], offset = 0): CtxField[] =>
  names.map((name, i) => ({ name, offset: offset + 8 * i, size: 8 }));

/** x86-64 struct pt_regs: 21 u64s in the kernel's order, so PT_REGS_PARM1..6 (di, si, dx, cx, r8, r9) line up. */
export const PT_REGS = new ContextLayout(
  'pt_regs',
  168,
  u64([
    'r15',
    'r14',
    'r13',
    'r12',
    'bp',
    'bx',
    'r11',
    'r10',
    'r9',
    'r8',
    'ax',
    'cx',
    'dx',
    'si',
    'di',
    'orig_ax',
    'ip',
    'cs',
    'flags',
    'sp',
    'ss',
  ]),
);

/** The registers of the x86-64 calling convention's first six arguments (PT_REGS_PARM1..6). */
export const ARG_REGISTERS = ['di', 'si', 'dx', 'cx', 'r8', 'r9'] as const;

/** struct bpf_perf_event_data: the sampled registers, sample_period and addr. */
export const PERF_EVENT_DATA = new ContextLayout('bpf_perf_event_data', 184, [
  ...PT_REGS.fields,
  ...u64(['sample_period', 'addr'], 168),
]);

/** struct bpf_sock (cgroup/sock programs). */
export const BPF_SOCK = new ContextLayout('bpf_sock', 80, [
  ...['bound_dev_if', 'family', 'type', 'protocol', 'mark', 'priority', 'src_ip4'].map((name, i) => ({
    name,
    offset: 4 * i,
    size: 4,
  })),
  { name: 'src_ip6', offset: 28, size: 4, count: 4 },
  { name: 'src_port', offset: 44, size: 4 },
  { name: 'dst_port', offset: 48, size: 2 },
  { name: 'dst_ip4', offset: 52, size: 4 },
  { name: 'dst_ip6', offset: 56, size: 4, count: 4 },
  { name: 'state', offset: 72, size: 4 },
  { name: 'rx_queue_mapping', offset: 76, size: 4 },
]);

/** struct bpf_sock_ops (sockops programs). */
export const BPF_SOCK_OPS = new ContextLayout('bpf_sock_ops', 224, [
  { name: 'op', offset: 0, size: 4 },
  { name: 'args', offset: 4, size: 4, count: 4 },
  ...['family', 'remote_ip4', 'local_ip4'].map((name, i) => ({ name, offset: 20 + 4 * i, size: 4 })),
  { name: 'remote_ip6', offset: 32, size: 4, count: 4 },
  { name: 'local_ip6', offset: 48, size: 4, count: 4 },
  ...[
    'remote_port',
    'local_port',
    'is_fullsock',
    'snd_cwnd',
    'srtt_us',
    'bpf_sock_ops_cb_flags',
    'state',
    'rtt_min',
    'snd_ssthresh',
    'rcv_nxt',
    'snd_nxt',
    'snd_una',
    'mss_cache',
    'ecn_flags',
    'rate_delivered',
    'rate_interval_us',
    'packets_out',
    'retrans_out',
    'total_retrans',
    'segs_in',
    'data_segs_in',
    'segs_out',
    'data_segs_out',
    'lost_out',
    'sacked_out',
    'sk_txhash',
  ].map((name, i) => ({ name, offset: 64 + 4 * i, size: 4 })),
  ...u64(['bytes_received', 'bytes_acked', 'sk', 'skb_data', 'skb_data_end'], 168),
  { name: 'skb_len', offset: 208, size: 4 },
  { name: 'skb_tcp_flags', offset: 212, size: 4 },
  { name: 'skb_hwtstamp', offset: 216, size: 8 },
]);

/**
 * Program types whose context is a plain struct handed in as bytes or fields: kprobes (pt_regs), perf events,
 * tracepoints (the record), raw tracepoints (u64 args[]), cgroup sock and sock_ops. Tracing contexts are read-only
 * for programs, as the verifier enforces in the kernel: a store faults.
 */
export class StructKind implements ProgramKind {
  constructor(
    readonly name: string,
    readonly layout: ContextLayout,
    private readonly writable: boolean,
    /** Records longer than the layout (tracepoint __data_loc data, raw tracepoint args) are kept whole. */
    private readonly variableSize = false,
  ) {}

  prepare(space: AddressSpace, request: ContextRequest): PreparedContext {
    const ctx = request.ctx;
    let bytes: Uint8Array;
    if (ctx instanceof Uint8Array && this.variableSize) {
      bytes = new Uint8Array(Math.max(ctx.length, this.layout.size));
      bytes.set(ctx);
    } else {
      bytes = this.layout.bytesOf(ctx);
    }
    if (request.data !== undefined && request.data.length > 0) {
      throw new InputError(`${this.name} run: takes a context (ctx), not packet data`);
    }
    const region = space.alloc(bytes.length, `${this.name} context`, 'context', true);
    space.u8.set(bytes, region.start);
    if (!this.writable) space.setWritable(region, false);
    return {
      invocation: { ctx: region.start },
      finish: () => ({ ctx: space.u8.slice(region.start, region.start + bytes.length) }),
      release: () => space.free(region),
    };
  }
}

/** A tracepoint's record layout as a context layout (fields by name; char arrays as byte arrays). */
export function tracepointLayout(format: TracepointFormat): ContextLayout {
  const fields: CtxField[] = format.fields
    .filter((f) => [1, 2, 4, 8].includes(f.size) || f.arrayLength !== undefined)
    .map((f) =>
      f.arrayLength !== undefined
        ? { name: f.name, offset: f.offset, size: 1, count: f.size }
        : { name: f.name, offset: f.offset, size: f.size },
    );
  return new ContextLayout(format.name, format.size, fields);
}

/** raw_tracepoint: `u64 args[n]` (n up to 12). */
export const RAW_TRACEPOINT_ARGS = new ContextLayout('bpf_raw_tracepoint_args', 8 * 12, [
  { name: 'args', offset: 0, size: 8, count: 12 },
]);
