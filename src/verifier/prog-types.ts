/**
 * Program types: the context each one gets in R1 and which of its bytes a program may read or write
 * (the kernel's `is_valid_access` of each type), the range its return value must be in, and the libbpf
 * section names that select it.
 */
import type { RegType } from './reg.js';

export type ProgTypeName =
  | 'socket_filter'
  | 'kprobe'
  | 'sched_cls'
  | 'sched_act'
  | 'tracepoint'
  | 'xdp'
  | 'perf_event'
  | 'cgroup_skb'
  | 'cgroup_sock'
  | 'sk_skb'
  | 'raw_tracepoint'
  | 'syscall';

/** enum bpf_prog_type values. */
export const PROG_TYPE_IDS: Readonly<Record<ProgTypeName, number>> = {
  socket_filter: 1,
  kprobe: 2,
  sched_cls: 3,
  sched_act: 4,
  tracepoint: 5,
  xdp: 6,
  perf_event: 7,
  cgroup_skb: 8,
  cgroup_sock: 9,
  sk_skb: 14,
  raw_tracepoint: 17,
  syscall: 31,
};

/** libbpf section names (and prefixes before `/`) to program types. */
const SECTION_TYPES: Readonly<Record<string, ProgTypeName>> = {
  socket: 'socket_filter',
  socket_filter: 'socket_filter',
  kprobe: 'kprobe',
  kretprobe: 'kprobe',
  uprobe: 'kprobe',
  uretprobe: 'kprobe',
  ksyscall: 'kprobe',
  tc: 'sched_cls',
  classifier: 'sched_cls',
  sched_cls: 'sched_cls',
  tcx: 'sched_cls',
  action: 'sched_act',
  sched_act: 'sched_act',
  tracepoint: 'tracepoint',
  tp: 'tracepoint',
  xdp: 'xdp',
  perf_event: 'perf_event',
  cgroup_skb: 'cgroup_skb',
  'cgroup/skb': 'cgroup_skb',
  // Only these cgroup/ sections are BPF_PROG_TYPE_CGROUP_SOCK; the others (bind4, connect6, getsockopt, dev,
  // sysctl...) are types tsbpf does not model, and must not be verified with cgroup_sock's rules.
  'cgroup/sock': 'cgroup_sock',
  'cgroup/sock_create': 'cgroup_sock',
  'cgroup/sock_release': 'cgroup_sock',
  'cgroup/post_bind4': 'cgroup_sock',
  'cgroup/post_bind6': 'cgroup_sock',
  sk_skb: 'sk_skb',
  raw_tracepoint: 'raw_tracepoint',
  raw_tp: 'raw_tracepoint',
  syscall: 'syscall',
};

/** The program type a libbpf section name (`xdp`, `kprobe/do_sys_open`, `tc`) or a type name selects. */
export function progTypeFromSection(section: string): ProgTypeName | undefined {
  const s = section.toLowerCase().replace(/^bpf_prog_type_/, '');
  if (s in PROG_TYPE_IDS) return s as ProgTypeName;
  if (s in SECTION_TYPES) return SECTION_TYPES[s];
  const two = s.split('/').slice(0, 2).join('/');
  if (two in SECTION_TYPES) return SECTION_TYPES[two];
  return SECTION_TYPES[s.split('/')[0]!];
}

export const PROG_TYPE_NAMES: readonly ProgTypeName[] = Object.keys(PROG_TYPE_IDS) as ProgTypeName[];

/** Result of a context access check: refused, or the type the loaded register gets. */
export type CtxAccess = { ok: false } | { ok: true; type: RegType; maybeNull?: boolean };

const NO: CtxAccess = { ok: false };
const SCALAR: CtxAccess = { ok: true, type: 'scalar' };

/** struct __sk_buff field offsets. */
export const SKB = {
  len: 0,
  pkt_type: 4,
  mark: 8,
  queue_mapping: 12,
  protocol: 16,
  vlan_present: 20,
  vlan_tci: 24,
  vlan_proto: 28,
  priority: 32,
  ingress_ifindex: 36,
  ifindex: 40,
  tc_index: 44,
  cb: 48,
  hash: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  napi_id: 84,
  family: 88,
  remote_ip4: 92,
  local_ip4: 96,
  remote_ip6: 100,
  local_ip6: 116,
  remote_port: 132,
  local_port: 136,
  data_meta: 140,
  flow_keys: 144,
  tstamp: 152,
  wire_len: 160,
  gso_segs: 164,
  sk: 168,
  gso_size: 176,
  tstamp_type: 180,
  hwtstamp: 184,
  size: 192,
} as const;

/** Whether [off, off+size) lies in the 4-byte field at `field` (bpf_ctx_range). */
const inField = (off: number, field: number, width = 4): boolean => off >= field && off < field + width;

/** bpf_skb_is_valid_access: what every __sk_buff program type shares. */
function skbCommon(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= SKB.size) return NO;
  if (off % size !== 0) return NO;
  if (inField(off, SKB.cb, 20)) return off + size > SKB.cb + 20 ? NO : SCALAR;
  if (
    inField(off, SKB.remote_ip6, 16) ||
    inField(off, SKB.local_ip6, 16) ||
    inField(off, SKB.remote_ip4) ||
    inField(off, SKB.local_ip4) ||
    inField(off, SKB.data) ||
    inField(off, SKB.data_meta) ||
    inField(off, SKB.data_end)
  ) {
    return size === 4 ? SCALAR : NO;
  }
  if (inField(off, SKB.flow_keys, 8)) return NO;
  if (inField(off, SKB.hwtstamp, 8)) return write || size !== 8 ? NO : SCALAR;
  if (inField(off, SKB.tstamp, 8)) return size !== 8 ? NO : SCALAR;
  if (off === SKB.sk) return write || size !== 8 ? NO : { ok: true, type: 'sock_common', maybeNull: true };
  if (inField(off, SKB.sk, 8)) return NO;
  if (off === SKB.tstamp_type) return NO;
  if (off > SKB.tstamp_type && off < SKB.hwtstamp) return NO;
  if (write) return size === 4 ? SCALAR : NO;
  // narrow reads of u32 fields
  return size <= 4 ? SCALAR : NO;
}

function pktFields(off: number, size: number, withMeta: boolean): CtxAccess | undefined {
  if (off === SKB.data && size === 4) return { ok: true, type: 'pkt' };
  if (off === SKB.data_end && size === 4) return { ok: true, type: 'pkt_end' };
  if (withMeta && off === SKB.data_meta && size === 4) return { ok: true, type: 'pkt_meta' };
  return undefined;
}

function socketFilterAccess(off: number, size: number, write: boolean): CtxAccess {
  if (
    inField(off, SKB.tc_classid) ||
    inField(off, SKB.data) ||
    inField(off, SKB.data_meta) ||
    inField(off, SKB.data_end) ||
    (off >= SKB.family && off < SKB.local_port + 4) ||
    inField(off, SKB.tstamp, 8) ||
    inField(off, SKB.wire_len) ||
    inField(off, SKB.hwtstamp, 8)
  ) {
    return NO;
  }
  if (write && !inField(off, SKB.cb, 20)) return NO;
  return skbCommon(off, size, write);
}

function tcAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off === SKB.tstamp_type) return !write && size === 1 ? SCALAR : NO;
  if (write) {
    const writable =
      inField(off, SKB.mark) ||
      inField(off, SKB.tc_index) ||
      inField(off, SKB.priority) ||
      inField(off, SKB.tc_classid) ||
      inField(off, SKB.cb, 20) ||
      inField(off, SKB.tstamp, 8) ||
      inField(off, SKB.queue_mapping);
    if (!writable) return NO;
  }
  if (off >= SKB.family && off < SKB.local_port + 4) return NO;
  const common = skbCommon(off, size, write);
  if (!common.ok) return common;
  return pktFields(off, size, true) ?? common;
}

function skSkbAccess(off: number, size: number, write: boolean): CtxAccess {
  if (
    inField(off, SKB.tc_classid) ||
    inField(off, SKB.data_meta) ||
    inField(off, SKB.tstamp, 8) ||
    inField(off, SKB.wire_len) ||
    inField(off, SKB.hwtstamp, 8)
  ) {
    return NO;
  }
  if (write && !inField(off, SKB.tc_index) && !inField(off, SKB.priority)) return NO;
  if (inField(off, SKB.mark)) return NO;
  const common = skbCommon(off, size, write);
  if (!common.ok) return common;
  return pktFields(off, size, false) ?? common;
}

function cgroupSkbAccess(off: number, size: number, write: boolean, privileged: boolean): CtxAccess {
  if (inField(off, SKB.tc_classid) || inField(off, SKB.data_meta) || inField(off, SKB.wire_len)) return NO;
  if ((inField(off, SKB.data) || inField(off, SKB.data_end)) && !privileged) return NO;
  if (write) {
    const writable =
      inField(off, SKB.mark) ||
      inField(off, SKB.priority) ||
      inField(off, SKB.cb, 20) ||
      (inField(off, SKB.tstamp, 8) && privileged);
    if (!writable) return NO;
  }
  const common = skbCommon(off, size, write);
  if (!common.ok) return common;
  return pktFields(off, size, false) ?? common;
}

/** struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex (u32 each). */
function xdpAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off === 20) return NO; // egress_ifindex: devmap programs only
  if (write) return NO;
  if (off < 0 || off >= 24 || off % size !== 0 || size !== 4) return NO;
  if (off === 0) return { ok: true, type: 'pkt' };
  if (off === 4) return { ok: true, type: 'pkt_end' };
  if (off === 8) return { ok: true, type: 'pkt_meta' };
  return SCALAR;
}

/** struct pt_regs on x86_64: 21 u64 registers, read only. */
const PT_REGS_SIZE = 168;
function kprobeAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= PT_REGS_SIZE || write || off % size !== 0 || off + size > PT_REGS_SIZE) return NO;
  return SCALAR;
}

/** A tracepoint's record: anything after the 8 bytes of common fields, below PERF_MAX_TRACE_SIZE. */
function tracepointAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off < 8 || off >= 8192 || write || off % size !== 0) return NO;
  return SCALAR;
}

/** Raw tracepoint: the u64 arguments, up to MAX_BPF_FUNC_ARGS (12). */
function rawTracepointAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= 96 || write || off % size !== 0) return NO;
  return SCALAR;
}

/** struct bpf_perf_event_data: pt_regs then sample_period (u64) and addr (u64). */
function perfEventAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= PT_REGS_SIZE + 16 || write || off % size !== 0) return NO;
  if (off >= PT_REGS_SIZE) return size === 8 || size <= 8 ? SCALAR : NO;
  return size === 8 ? SCALAR : NO;
}

/** struct bpf_sock: bound_dev_if, family, type, protocol, mark, priority (writable ones), then read-only. */
function cgroupSockAccess(off: number, size: number, write: boolean): CtxAccess {
  if (off < 0 || off >= 80 || off % size !== 0) return NO;
  if (write) return size === 4 && (off === 0 || off === 16 || off === 20) ? SCALAR : NO;
  return size <= 4 ? SCALAR : NO;
}

/**
 * BPF_PROG_TYPE_SYSCALL: the context is a buffer the caller of BPF_PROG_RUN hands in, of a size only known at run
 * time (the run checks it), so any aligned access below U16_MAX is allowed, reads and writes
 * (syscall_prog_is_valid_access).
 */
function syscallAccess(off: number, size: number): CtxAccess {
  if (off < 0 || off >= 0xffff || off % size !== 0) return NO;
  return SCALAR;
}

export interface ProgTypeInfo {
  readonly name: ProgTypeName;
  /** Bytes of the context (for the VM and messages). */
  readonly ctxSize: number;
  readonly ctxAccess: (off: number, size: number, write: boolean, privileged: boolean) => CtxAccess;
  /** Range R0 must be in at exit, when the type has one. */
  readonly retRange?: readonly [number, number];
  /** May write to the packet through packet pointers (may_access_direct_pkt_data for writes). */
  readonly pktWrite: boolean;
}

export const PROG_TYPES: Readonly<Record<ProgTypeName, ProgTypeInfo>> = {
  socket_filter: { name: 'socket_filter', ctxSize: SKB.size, ctxAccess: socketFilterAccess, pktWrite: false },
  sched_cls: { name: 'sched_cls', ctxSize: SKB.size, ctxAccess: tcAccess, pktWrite: true },
  sched_act: { name: 'sched_act', ctxSize: SKB.size, ctxAccess: tcAccess, pktWrite: true },
  sk_skb: { name: 'sk_skb', ctxSize: SKB.size, ctxAccess: skSkbAccess, pktWrite: true },
  cgroup_skb: {
    name: 'cgroup_skb',
    ctxSize: SKB.size,
    ctxAccess: (o, s, w, p) => cgroupSkbAccess(o, s, w, p),
    retRange: [0, 1],
    pktWrite: false,
  },
  xdp: { name: 'xdp', ctxSize: 24, ctxAccess: xdpAccess, pktWrite: true },
  kprobe: { name: 'kprobe', ctxSize: PT_REGS_SIZE, ctxAccess: kprobeAccess, pktWrite: false },
  tracepoint: { name: 'tracepoint', ctxSize: 8192, ctxAccess: tracepointAccess, pktWrite: false },
  raw_tracepoint: { name: 'raw_tracepoint', ctxSize: 96, ctxAccess: rawTracepointAccess, pktWrite: false },
  perf_event: { name: 'perf_event', ctxSize: PT_REGS_SIZE + 16, ctxAccess: perfEventAccess, pktWrite: false },
  syscall: { name: 'syscall', ctxSize: 0xffff, ctxAccess: syscallAccess, pktWrite: false },
  cgroup_sock: { name: 'cgroup_sock', ctxSize: 80, ctxAccess: cgroupSockAccess, retRange: [0, 1], pktWrite: false },
};
