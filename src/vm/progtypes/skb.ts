import { InputError } from '../../errors.js';
import type { AddressSpace } from '../memory.js';
import { ContextLayout, type CtxField, u32Fields } from './layout.js';
import type { ContextRequest, PreparedContext, ProgramKind } from './types.js';

/** struct __sk_buff (include/uapi/linux/bpf.h), 192 bytes. */
export const SK_BUFF = new ContextLayout('__sk_buff', 192, [
  ...u32Fields([
    'len',
    'pkt_type',
    'mark',
    'queue_mapping',
    'protocol',
    'vlan_present',
    'vlan_tci',
    'vlan_proto',
    'priority',
    'ingress_ifindex',
    'ifindex',
    'tc_index',
  ]),
  { name: 'cb', offset: 48, size: 4, count: 5 },
  ...u32Fields(['hash', 'tc_classid', 'data', 'data_end', 'napi_id', 'family', 'remote_ip4', 'local_ip4'], 68),
  { name: 'remote_ip6', offset: 100, size: 4, count: 4 },
  { name: 'local_ip6', offset: 116, size: 4, count: 4 },
  ...u32Fields(['remote_port', 'local_port', 'data_meta'], 132),
  { name: 'flow_keys', offset: 144, size: 8 },
  { name: 'tstamp', offset: 152, size: 8 },
  ...u32Fields(['wire_len', 'gso_segs'], 160),
  { name: 'sk', offset: 168, size: 8 },
  { name: 'gso_size', offset: 176, size: 4 },
  { name: 'tstamp_type', offset: 180, size: 1 },
  { name: 'hwtstamp', offset: 184, size: 8 },
] satisfies CtxField[]);

export const ETH_HLEN = 14;
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;
const OFF = Object.fromEntries(SK_BUFF.fields.map((f) => [f.name, f.offset])) as Record<string, number> & {
  len: number;
  pkt_type: number;
  protocol: number;
  ifindex: number;
  data: number;
  data_end: number;
  data_meta: number;
};

/** The loopback device the kernel's test runs use. */
const LOOPBACK_IFINDEX = 1;

/** Fields of __sk_buff a test run may set (convert___skb_to_skb); any other non-zero field is -EINVAL. */
const SETTABLE = new Set([
  'mark',
  'priority',
  'ingress_ifindex',
  'ifindex',
  'cb',
  'tstamp',
  'wire_len',
  'gso_segs',
  'gso_size',
  'hwtstamp',
]);

/**
 * eth_type_trans's packet type for a frame received on the loopback device: broadcast, multicast, or (a unicast
 * destination that is not the device's all-zero address) another host's.
 */
export function pktTypeOf(frame: Uint8Array): number {
  if (frame[0]! & 1) return frame.subarray(0, 6).every((b) => b === 0xff) ? PACKET_BROADCAST : PACKET_MULTICAST;
  return frame.subarray(0, 6).some((b) => b !== 0) ? PACKET_OTHERHOST : PACKET_HOST;
}

/**
 * Socket filters, cgroup skb programs and tc classifiers/actions see a struct __sk_buff. Its data, data_end and
 * data_meta fields are 32-bit but hold pointers: the kernel rewrites loads of them into loads of the skb's real
 * pointers. VM addresses fit in 32 bits, so the runtime stores the real packet addresses in those fields and a
 * program's 32-bit loads yield exactly the kernel's pointers; the fields are cleared again in the context handed
 * back. `l2` types (tc) see the Ethernet header; the others see data from the network header in test runs, as the
 * kernel's test run pulls the header with eth_type_trans (a packet socket keeps it: mode 'socket').
 */
export class SkbKind implements ProgramKind {
  readonly layout = SK_BUFF;

  constructor(
    readonly name: string,
    private readonly l2: boolean,
    /** TC_ACT_REDIRECT for tc programs (bpf_redirect's verdict); undefined where redirects are not allowed. */
    private readonly redirectVerdict?: number,
  ) {}

  prepare(space: AddressSpace, request: ContextRequest): PreparedContext {
    const frame = request.data;
    if (!frame || frame.length < ETH_HLEN) {
      throw new InputError(`${this.name} run: the packet must hold an Ethernet header (${ETH_HLEN} bytes or more)`);
    }
    const packetRegion = space.alloc(frame.length, `${this.name} packet`, 'packet');
    space.u8.set(frame, packetRegion.start);
    const pulled = !this.l2 && request.mode !== 'socket';
    const start = packetRegion.start + (pulled ? ETH_HLEN : 0);
    const length = frame.length - (pulled ? ETH_HLEN : 0);
    const ctxRegion = space.alloc(SK_BUFF.size, `${this.name} context`, 'context');
    const c = ctxRegion.start;
    if (request.ctx !== undefined) {
      const ctxIn = SK_BUFF.bytesOf(request.ctx);
      if (request.mode !== 'socket') checkSettable(ctxIn);
      space.u8.set(ctxIn, c);
    }
    // direct stores: this runs once per packet when a capture streams through a filter
    const view = space.view;
    const ethertype = (frame[12]! << 8) | frame[13]!;
    view.setUint32(c + OFF.len, length, true);
    view.setUint32(c + OFF.pkt_type, request.pktType ?? pktTypeOf(frame), true);
    // skb->protocol is big endian: the u32 field holds the two network-order bytes
    view.setUint32(c + OFF.protocol, ((ethertype & 0xff) << 8) | (ethertype >>> 8), true);
    if (view.getUint32(c + OFF.ifindex, true) === 0) view.setUint32(c + OFF.ifindex, LOOPBACK_IFINDEX, true);
    // wire_len and gso_segs stay as the ctx gave them (0 by default), as in the kernel's test run
    view.setUint32(c + OFF.data, start, true);
    view.setUint32(c + OFF.data_end, start + length, true);
    view.setUint32(c + OFF.data_meta, start, true);
    const finish = () => {
      const u8 = space.u8;
      const out = u8.slice(c, c + SK_BUFF.size);
      const outView = new DataView(out.buffer);
      for (const f of [OFF.data, OFF.data_end, OFF.data_meta]) outView.setUint32(f, 0, true);
      // the packet as the kernel hands it back: a non-l2 program's Ethernet header comes back zeroed
      const data = u8.slice(packetRegion.start, packetRegion.start + frame.length);
      if (pulled) data.fill(0, 0, ETH_HLEN);
      return { data, ctx: out };
    };
    return {
      invocation: {
        ctx: ctxRegion.start,
        packet: { start, length },
        redirectVerdict: this.redirectVerdict,
      },
      packet: { start, length },
      finish,
      release: () => {
        space.free(packetRegion);
        space.free(ctxRegion);
      },
    };
  }
}

function checkSettable(ctx: Uint8Array): void {
  const values = SK_BUFF.decode(ctx);
  for (const [name, v] of Object.entries(values)) {
    if (SETTABLE.has(name)) continue;
    const nonzero = Array.isArray(v) ? v.some((x) => BigInt(x) !== 0n) : BigInt(v as number | bigint) !== 0n;
    if (nonzero) throw new InputError(`ctx: __sk_buff.${name} cannot be set by a test run (the kernel gives -EINVAL)`);
  }
}
