import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sectionKind } from '../../src/object/section-defs.js';
import { AttachType, ProgType } from '../../src/uapi/bpf.js';

describe("libbpf's SEC() names", () => {
  const cases: [string, number, number | undefined, string | undefined][] = [
    ['socket', ProgType.SOCKET_FILTER, undefined, undefined],
    ['kprobe/do_unlinkat', ProgType.KPROBE, undefined, 'do_unlinkat'],
    ['kretprobe/do_unlinkat', ProgType.KPROBE, undefined, 'do_unlinkat'],
    ['uprobe/bin/bash:readline', ProgType.KPROBE, undefined, 'bin/bash:readline'],
    ['tracepoint/syscalls/sys_enter_execve', ProgType.TRACEPOINT, undefined, 'syscalls/sys_enter_execve'],
    ['tp/sched/sched_switch', ProgType.TRACEPOINT, undefined, 'sched/sched_switch'],
    ['raw_tp/sched_switch', ProgType.RAW_TRACEPOINT, undefined, 'sched_switch'],
    ['raw_tracepoint.w/bpf_test_finish', ProgType.RAW_TRACEPOINT_WRITABLE, undefined, 'bpf_test_finish'],
    ['tp_btf/sched_switch', ProgType.TRACING, AttachType.TRACE_RAW_TP, 'sched_switch'],
    ['fentry/do_unlinkat', ProgType.TRACING, AttachType.TRACE_FENTRY, 'do_unlinkat'],
    ['fexit/do_unlinkat', ProgType.TRACING, AttachType.TRACE_FEXIT, 'do_unlinkat'],
    ['fmod_ret/security_x', ProgType.TRACING, AttachType.MODIFY_RETURN, 'security_x'],
    ['lsm/file_open', ProgType.LSM, AttachType.LSM_MAC, 'file_open'],
    ['iter/task', ProgType.TRACING, AttachType.TRACE_ITER, 'task'],
    ['xdp', ProgType.XDP, AttachType.XDP, undefined],
    ['xdp/devmap', ProgType.XDP, AttachType.XDP_DEVMAP, undefined],
    ['tc', ProgType.SCHED_CLS, undefined, undefined],
    ['classifier', ProgType.SCHED_CLS, undefined, undefined],
    ['action', ProgType.SCHED_ACT, undefined, undefined],
    ['cgroup_skb/ingress', ProgType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, undefined],
    ['cgroup_skb/egress', ProgType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, undefined],
    ['cgroup/sock_create', ProgType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, undefined],
    ['cgroup/connect4', ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, undefined],
    ['cgroup/sendmsg6', ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG, undefined],
    ['sockops', ProgType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS, undefined],
    ['sk_skb/stream_parser', ProgType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER, undefined],
    ['sk_skb/stream_verdict', ProgType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT, undefined],
    ['sk_msg', ProgType.SK_MSG, AttachType.SK_MSG_VERDICT, undefined],
    ['perf_event', ProgType.PERF_EVENT, undefined, undefined],
    ['struct_ops/dctcp_init', ProgType.STRUCT_OPS, undefined, 'dctcp_init'],
    ['syscall', ProgType.SYSCALL, undefined, undefined],
    ['ksyscall/kill', ProgType.KPROBE, undefined, 'kill'],
    ['usdt/./bin:provider:probe', ProgType.KPROBE, undefined, './bin:provider:probe'],
    ['sk_lookup', ProgType.SK_LOOKUP, AttachType.SK_LOOKUP, undefined],
  ];
  for (const [name, type, attach, target] of cases) {
    it(name, () => {
      const k = sectionKind(name);
      assert.deepEqual([k.type, k.expectedAttachType, k.attachTarget], [type, attach, target]);
    });
  }

  it('sleepable and frags suffixes, and ? for autoload off', () => {
    assert.equal(sectionKind('fentry.s/x').sleepable, true);
    assert.equal(sectionKind('lsm.s/bprm').sleepable, true);
    assert.equal(sectionKind('syscall').sleepable, true);
    assert.equal(sectionKind('xdp.frags').xdpFrags, true);
    const off = sectionKind('?kprobe/x');
    assert.deepEqual([off.type, off.autoload, off.attachTarget], [ProgType.KPROBE, false, 'x']);
  });

  it('type+ needs a slash after the stem; exact names match only exactly', () => {
    assert.equal(sectionKind('kprobex').type, ProgType.UNSPEC);
    assert.equal(sectionKind('tcx/ingress').expectedAttachType, AttachType.TCX_INGRESS);
    assert.equal(sectionKind('unknown_section').type, ProgType.UNSPEC);
  });

  it('legacy prefixes of old objects still get a type', () => {
    assert.equal(sectionKind('socket1').type, ProgType.SOCKET_FILTER);
    assert.equal(sectionKind('xdp_prog').type, ProgType.XDP);
    assert.equal(sectionKind('lwt_xmit_test').type, ProgType.LWT_XMIT);
  });
});
