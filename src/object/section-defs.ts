import { AttachType, ProgType } from '../uapi/bpf.js';

/**
 * libbpf's SEC() convention (section_defs in libbpf.c): which program type, expected attach type and flags a
 * section name means. The name forms are libbpf's:
 * - `name` matches exactly;
 * - `name+` matches `name` or `name/EXTRAS`, EXTRAS being the attach target (`kprobe/do_unlinkat`);
 * - `name/` matches any `name/EXTRAS`.
 * Order matters: the first match wins, as in libbpf (`sk_reuseport/migrate` before `sk_reuseport`).
 */
export interface SectionDef {
  pattern: string;
  type: number;
  attachType?: number;
  sleepable?: boolean;
  /** BPF_F_XDP_HAS_FRAGS. */
  xdpFrags?: boolean;
}

const P = ProgType;
const A = AttachType;

export const SECTION_DEFS: readonly SectionDef[] = [
  { pattern: 'socket', type: P.SOCKET_FILTER },
  { pattern: 'sk_reuseport/migrate', type: P.SK_REUSEPORT, attachType: A.SK_REUSEPORT_SELECT_OR_MIGRATE },
  { pattern: 'sk_reuseport', type: P.SK_REUSEPORT, attachType: A.SK_REUSEPORT_SELECT },
  { pattern: 'kprobe+', type: P.KPROBE },
  { pattern: 'uprobe+', type: P.KPROBE },
  { pattern: 'uprobe.s+', type: P.KPROBE, sleepable: true },
  { pattern: 'kretprobe+', type: P.KPROBE },
  { pattern: 'uretprobe+', type: P.KPROBE },
  { pattern: 'uretprobe.s+', type: P.KPROBE, sleepable: true },
  { pattern: 'kprobe.multi+', type: P.KPROBE, attachType: A.TRACE_KPROBE_MULTI },
  { pattern: 'kretprobe.multi+', type: P.KPROBE, attachType: A.TRACE_KPROBE_MULTI },
  { pattern: 'kprobe.session+', type: P.KPROBE, attachType: A.TRACE_KPROBE_SESSION },
  { pattern: 'uprobe.multi+', type: P.KPROBE, attachType: A.TRACE_UPROBE_MULTI },
  { pattern: 'uretprobe.multi+', type: P.KPROBE, attachType: A.TRACE_UPROBE_MULTI },
  { pattern: 'uprobe.multi.s+', type: P.KPROBE, attachType: A.TRACE_UPROBE_MULTI, sleepable: true },
  { pattern: 'uretprobe.multi.s+', type: P.KPROBE, attachType: A.TRACE_UPROBE_MULTI, sleepable: true },
  { pattern: 'uprobe.session+', type: P.KPROBE, attachType: A.TRACE_UPROBE_SESSION },
  { pattern: 'uprobe.session.s+', type: P.KPROBE, attachType: A.TRACE_UPROBE_SESSION, sleepable: true },
  { pattern: 'ksyscall+', type: P.KPROBE },
  { pattern: 'kretsyscall+', type: P.KPROBE },
  { pattern: 'usdt+', type: P.KPROBE },
  { pattern: 'usdt.s+', type: P.KPROBE, sleepable: true },
  { pattern: 'tc/ingress', type: P.SCHED_CLS, attachType: A.TCX_INGRESS },
  { pattern: 'tc/egress', type: P.SCHED_CLS, attachType: A.TCX_EGRESS },
  { pattern: 'tcx/ingress', type: P.SCHED_CLS, attachType: A.TCX_INGRESS },
  { pattern: 'tcx/egress', type: P.SCHED_CLS, attachType: A.TCX_EGRESS },
  { pattern: 'tc', type: P.SCHED_CLS },
  { pattern: 'classifier', type: P.SCHED_CLS },
  { pattern: 'action', type: P.SCHED_ACT },
  { pattern: 'netkit/primary', type: P.SCHED_CLS, attachType: A.NETKIT_PRIMARY },
  { pattern: 'netkit/peer', type: P.SCHED_CLS, attachType: A.NETKIT_PEER },
  { pattern: 'tracepoint+', type: P.TRACEPOINT },
  { pattern: 'tp+', type: P.TRACEPOINT },
  { pattern: 'tracepoint.s+', type: P.TRACEPOINT, sleepable: true },
  { pattern: 'tp.s+', type: P.TRACEPOINT, sleepable: true },
  { pattern: 'raw_tracepoint+', type: P.RAW_TRACEPOINT },
  { pattern: 'raw_tp+', type: P.RAW_TRACEPOINT },
  { pattern: 'raw_tracepoint.w+', type: P.RAW_TRACEPOINT_WRITABLE },
  { pattern: 'raw_tp.w+', type: P.RAW_TRACEPOINT_WRITABLE },
  { pattern: 'tp_btf+', type: P.TRACING, attachType: A.TRACE_RAW_TP },
  { pattern: 'fentry+', type: P.TRACING, attachType: A.TRACE_FENTRY },
  { pattern: 'fmod_ret+', type: P.TRACING, attachType: A.MODIFY_RETURN },
  { pattern: 'fexit+', type: P.TRACING, attachType: A.TRACE_FEXIT },
  { pattern: 'fentry.s+', type: P.TRACING, attachType: A.TRACE_FENTRY, sleepable: true },
  { pattern: 'fmod_ret.s+', type: P.TRACING, attachType: A.MODIFY_RETURN, sleepable: true },
  { pattern: 'fexit.s+', type: P.TRACING, attachType: A.TRACE_FEXIT, sleepable: true },
  { pattern: 'freplace+', type: P.EXT },
  { pattern: 'lsm+', type: P.LSM, attachType: A.LSM_MAC },
  { pattern: 'lsm.s+', type: P.LSM, attachType: A.LSM_MAC, sleepable: true },
  { pattern: 'lsm_cgroup+', type: P.LSM, attachType: A.LSM_CGROUP },
  { pattern: 'iter+', type: P.TRACING, attachType: A.TRACE_ITER },
  { pattern: 'iter.s+', type: P.TRACING, attachType: A.TRACE_ITER, sleepable: true },
  { pattern: 'syscall', type: P.SYSCALL, sleepable: true },
  { pattern: 'xdp.frags/devmap', type: P.XDP, attachType: A.XDP_DEVMAP, xdpFrags: true },
  { pattern: 'xdp/devmap', type: P.XDP, attachType: A.XDP_DEVMAP },
  { pattern: 'xdp.frags/cpumap', type: P.XDP, attachType: A.XDP_CPUMAP, xdpFrags: true },
  { pattern: 'xdp/cpumap', type: P.XDP, attachType: A.XDP_CPUMAP },
  { pattern: 'xdp.frags', type: P.XDP, attachType: A.XDP, xdpFrags: true },
  { pattern: 'xdp', type: P.XDP, attachType: A.XDP },
  { pattern: 'perf_event', type: P.PERF_EVENT },
  { pattern: 'lwt_in', type: P.LWT_IN },
  { pattern: 'lwt_out', type: P.LWT_OUT },
  { pattern: 'lwt_xmit', type: P.LWT_XMIT },
  { pattern: 'lwt_seg6local', type: P.LWT_SEG6LOCAL },
  { pattern: 'sockops', type: P.SOCK_OPS, attachType: A.CGROUP_SOCK_OPS },
  { pattern: 'sk_skb/stream_parser', type: P.SK_SKB, attachType: A.SK_SKB_STREAM_PARSER },
  { pattern: 'sk_skb/stream_verdict', type: P.SK_SKB, attachType: A.SK_SKB_STREAM_VERDICT },
  { pattern: 'sk_skb/verdict', type: P.SK_SKB, attachType: A.SK_SKB_VERDICT },
  { pattern: 'sk_skb', type: P.SK_SKB },
  { pattern: 'sk_msg', type: P.SK_MSG, attachType: A.SK_MSG_VERDICT },
  { pattern: 'lirc_mode2', type: P.LIRC_MODE2, attachType: A.LIRC_MODE2 },
  { pattern: 'flow_dissector', type: P.FLOW_DISSECTOR, attachType: A.FLOW_DISSECTOR },
  { pattern: 'cgroup_skb/ingress', type: P.CGROUP_SKB, attachType: A.CGROUP_INET_INGRESS },
  { pattern: 'cgroup_skb/egress', type: P.CGROUP_SKB, attachType: A.CGROUP_INET_EGRESS },
  { pattern: 'cgroup/skb', type: P.CGROUP_SKB },
  { pattern: 'cgroup/sock_create', type: P.CGROUP_SOCK, attachType: A.CGROUP_INET_SOCK_CREATE },
  { pattern: 'cgroup/sock_release', type: P.CGROUP_SOCK, attachType: A.CGROUP_INET_SOCK_RELEASE },
  { pattern: 'cgroup/sock', type: P.CGROUP_SOCK, attachType: A.CGROUP_INET_SOCK_CREATE },
  { pattern: 'cgroup/post_bind4', type: P.CGROUP_SOCK, attachType: A.CGROUP_INET4_POST_BIND },
  { pattern: 'cgroup/post_bind6', type: P.CGROUP_SOCK, attachType: A.CGROUP_INET6_POST_BIND },
  { pattern: 'cgroup/bind4', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET4_BIND },
  { pattern: 'cgroup/bind6', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET6_BIND },
  { pattern: 'cgroup/connect4', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET4_CONNECT },
  { pattern: 'cgroup/connect6', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET6_CONNECT },
  { pattern: 'cgroup/connect_unix', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UNIX_CONNECT },
  { pattern: 'cgroup/sendmsg4', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UDP4_SENDMSG },
  { pattern: 'cgroup/sendmsg6', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UDP6_SENDMSG },
  { pattern: 'cgroup/sendmsg_unix', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UNIX_SENDMSG },
  { pattern: 'cgroup/recvmsg4', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UDP4_RECVMSG },
  { pattern: 'cgroup/recvmsg6', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UDP6_RECVMSG },
  { pattern: 'cgroup/recvmsg_unix', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UNIX_RECVMSG },
  { pattern: 'cgroup/getpeername4', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET4_GETPEERNAME },
  { pattern: 'cgroup/getpeername6', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET6_GETPEERNAME },
  { pattern: 'cgroup/getpeername_unix', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UNIX_GETPEERNAME },
  { pattern: 'cgroup/getsockname4', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET4_GETSOCKNAME },
  { pattern: 'cgroup/getsockname6', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET6_GETSOCKNAME },
  { pattern: 'cgroup/getsockname_unix', type: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_UNIX_GETSOCKNAME },
  { pattern: 'cgroup/sysctl', type: P.CGROUP_SYSCTL, attachType: A.CGROUP_SYSCTL },
  { pattern: 'cgroup/getsockopt', type: P.CGROUP_SOCKOPT, attachType: A.CGROUP_GETSOCKOPT },
  { pattern: 'cgroup/setsockopt', type: P.CGROUP_SOCKOPT, attachType: A.CGROUP_SETSOCKOPT },
  { pattern: 'cgroup/dev', type: P.CGROUP_DEVICE, attachType: A.CGROUP_DEVICE },
  { pattern: 'struct_ops+', type: P.STRUCT_OPS },
  { pattern: 'struct_ops.s+', type: P.STRUCT_OPS, sleepable: true },
  { pattern: 'sk_lookup', type: P.SK_LOOKUP, attachType: A.SK_LOOKUP },
  { pattern: 'netfilter', type: P.NETFILTER, attachType: A.NETFILTER },
];

/**
 * Section prefixes that objects written for libbpf < 1.0 and for samples/bpf's loader use without a `/` or with
 * a suffix (`socket1`, `xdp_prog`, `kprobe/...` is already covered). libbpf 1.0 dropped this "sloppy" matching;
 * we keep it as a fallback so old objects still get a type, the way cilium/ebpf matches prefixes.
 */
const LEGACY_PREFIXES: readonly SectionDef[] = [
  { pattern: 'socket', type: P.SOCKET_FILTER },
  { pattern: 'xdp', type: P.XDP, attachType: A.XDP },
  { pattern: 'classifier', type: P.SCHED_CLS },
  { pattern: 'action', type: P.SCHED_ACT },
  { pattern: 'perf_event', type: P.PERF_EVENT },
  { pattern: 'sockops', type: P.SOCK_OPS, attachType: A.CGROUP_SOCK_OPS },
  { pattern: 'cgroup/skb', type: P.CGROUP_SKB },
  { pattern: 'cgroup/sock', type: P.CGROUP_SOCK, attachType: A.CGROUP_INET_SOCK_CREATE },
  { pattern: 'sk_msg', type: P.SK_MSG, attachType: A.SK_MSG_VERDICT },
  { pattern: 'lwt_', type: P.LWT_IN },
];

/** What a section name says about its programs. */
export interface SectionKind {
  type: number;
  expectedAttachType?: number;
  attachTarget?: string;
  sleepable: boolean;
  xdpFrags: boolean;
  /** False for `SEC("?name")`: libbpf does not load such programs unless asked to. */
  autoload: boolean;
  /** The libbpf pattern that matched (`kprobe+`), undefined when none did. */
  pattern?: string;
}

/** Matches a section name against libbpf's table; unknown names give BPF_PROG_TYPE_UNSPEC (libbpf refuses them). */
export function sectionKind(section: string): SectionKind {
  const autoload = !section.startsWith('?');
  const name = autoload ? section : section.slice(1);
  for (const def of SECTION_DEFS) {
    const target = matchDef(def.pattern, name);
    if (target === undefined) continue;
    return {
      type: def.type,
      expectedAttachType: def.attachType,
      attachTarget: target === '' ? undefined : target,
      sleepable: def.sleepable ?? false,
      xdpFrags: def.xdpFrags ?? false,
      autoload,
      pattern: def.pattern,
    };
  }
  for (const def of LEGACY_PREFIXES) {
    if (!name.startsWith(def.pattern)) continue;
    return {
      type: legacyLwt(def, name),
      expectedAttachType: def.attachType,
      sleepable: false,
      xdpFrags: false,
      autoload,
    };
  }
  return { type: P.UNSPEC, sleepable: false, xdpFrags: false, autoload };
}

function legacyLwt(def: SectionDef, name: string): number {
  if (def.pattern !== 'lwt_') return def.type;
  if (name.startsWith('lwt_out')) return P.LWT_OUT;
  if (name.startsWith('lwt_xmit')) return P.LWT_XMIT;
  if (name.startsWith('lwt_seg6local')) return P.LWT_SEG6LOCAL;
  return P.LWT_IN;
}

/**
 * libbpf's sec_def_matches: the attach target ('' when there is none) if `name` matches `pattern`, else undefined.
 */
function matchDef(pattern: string, name: string): string | undefined {
  const last = pattern[pattern.length - 1];
  if (last === '/') return name.startsWith(pattern) ? name.slice(pattern.length) : undefined;
  if (last === '+') {
    const stem = pattern.slice(0, -1);
    if (!name.startsWith(stem)) return undefined;
    if (name.length === stem.length) return '';
    return name[stem.length] === '/' ? name.slice(stem.length + 1) : undefined;
  }
  return name === pattern ? '' : undefined;
}
