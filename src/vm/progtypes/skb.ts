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
/**
 * The largest frame an skb test run takes: bpf_test_init's PAGE_SIZE - (NET_SKB_PAD + NET_IP_ALIGN) -
 * SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64 (4096 - 64 - 320); longer ones are -EINVAL.
 */
export const SKB_TEST_RUN_MAX = 3712;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
/** The network header an skb test run insists on for IPv4 and IPv6 frames (shorter ones are -EINVAL). */
const MIN_NETWORK_HEADER: ReadonlyMap<number, number> = new Map([
  [ETH_P_IP, 20],
  [ETH_P_IPV6, 40],
]);
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
  wire_len: number;
};

/** The loopback device the kernel's test runs use. */
const LOOPBACK_IFINDEX = 1;

/**
 * Fields of __sk_buff a test run may set (convert___skb_to_skb); any other non-zero field is -EINVAL. They are
 * also the only fields the run hands back (convert_skb_to___skb): the rest of the returned context is as given.
 */
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
 * eth_type_trans's packet type for a frame received on an Ethernet device: broadcast, multicast, or (a unicast
 * destination that is not the device's all-zero address) another host's. `loopback`: the device the kernel's test
 * runs use, whose broadcast address is all zeros, so ff:ff:ff:ff:ff:ff is just another multicast address there.
 */
export function pktTypeOf(frame: Uint8Array, loopback = false): number {
  if (frame[0]! & 1) {
    return !loopback && frame.subarray(0, 6).every((b) => b === 0xff) ? PACKET_BROADCAST : PACKET_MULTICAST;
  }
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
    const ethertype = (frame[12]! << 8) | frame[13]!;
    if (request.mode !== 'socket') checkTestRunFrame(this.name, frame, ethertype);
    const packetRegion = space.alloc(frame.length, `${this.name} packet`, 'packet');
    space.u8.set(frame, packetRegion.start);
    const pulled = !this.l2 && request.mode !== 'socket';
    const start = packetRegion.start + (pulled ? ETH_HLEN : 0);
    const length = frame.length - (pulled ? ETH_HLEN : 0);
    const ctxRegion = space.alloc(SK_BUFF.size, `${this.name} context`, 'context');
    const c = ctxRegion.start;
    const ctxIn = request.ctx === undefined ? undefined : SK_BUFF.bytesOf(request.ctx);
    if (ctxIn) {
      if (request.mode !== 'socket') checkSettable(ctxIn, length);
      space.u8.set(ctxIn, c);
    }
    // direct stores: this runs once per packet when a capture streams through a filter
    const view = space.view;
    view.setUint32(c + OFF.len, length, true);
    view.setUint32(c + OFF.pkt_type, request.pktType ?? pktTypeOf(frame, request.mode !== 'socket'), true);
    // skb->protocol is big endian: the u32 field holds the two network-order bytes
    const protocol = protocolOf(frame, ethertype);
    view.setUint32(c + OFF.protocol, ((protocol & 0xff) << 8) | (protocol >>> 8), true);
    if (view.getUint32(c + OFF.ifindex, true) === 0) view.setUint32(c + OFF.ifindex, LOOPBACK_IFINDEX, true);
    // wire_len reads qdisc_skb_cb's pkt_len: the given wire_len, or the length once the header is pulled;
    // gso_segs and gso_size stay as the ctx gave them (0 by default)
    if (view.getUint32(c + OFF.wire_len, true) === 0) view.setUint32(c + OFF.wire_len, length, true);
    view.setUint32(c + OFF.data, start, true);
    view.setUint32(c + OFF.data_end, start + length, true);
    view.setUint32(c + OFF.data_meta, start, true);
    const finish = () => {
      const u8 = space.u8;
      // convert_skb_to___skb: the settable fields as the run left them, everything else as it was given
      const out = ctxIn ? ctxIn.slice() : new Uint8Array(SK_BUFF.size);
      for (const f of RETURNED) out.set(u8.subarray(c + f.offset, c + f.end), f.offset);
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

const ETH_P_802_3_MIN = 0x0600;
const ETH_P_802_3 = 0x0001;
const ETH_P_802_2 = 0x0004;

/**
 * eth_type_trans's skb->protocol: the EtherType, or for an 802.3 frame (a length below 0x600 in its place)
 * ETH_P_802_3 when the payload starts with 0xffff (raw IPX) and ETH_P_802_2 (LLC) otherwise.
 */
export function protocolOf(frame: Uint8Array, ethertype: number): number {
  if (ethertype >= ETH_P_802_3_MIN) return ethertype;
  return frame.length >= ETH_HLEN + 2 && frame[ETH_HLEN] === 0xff && frame[ETH_HLEN + 1] === 0xff
    ? ETH_P_802_3
    : ETH_P_802_2;
}

/** Byte ranges of the settable fields in __sk_buff. */
const RETURNED = SK_BUFF.fields
  .filter((f) => SETTABLE.has(f.name))
  .map((f) => ({ offset: f.offset, end: f.offset + f.size * (f.count ?? 1) }));

/** A frame bpf_prog_test_run_skb refuses: too long for its page, or an IP frame without the IP header. */
function checkTestRunFrame(name: string, frame: Uint8Array, ethertype: number): void {
  if (frame.length > SKB_TEST_RUN_MAX) {
    throw new InputError(
      `${name} run: a ${frame.length}-byte packet is longer than a test run's skb takes (${SKB_TEST_RUN_MAX} bytes)`,
    );
  }
  const header = MIN_NETWORK_HEADER.get(ethertype);
  if (header !== undefined && frame.length < ETH_HLEN + header) {
    throw new InputError(
      `${name} run: an ${ethertype === ETH_P_IP ? 'IPv4' : 'IPv6'} packet needs ${ETH_HLEN + header} bytes or more, ` +
        `not ${frame.length} (the kernel gives -EINVAL)`,
    );
  }
}

function checkSettable(ctx: Uint8Array, length: number): void {
  const values = SK_BUFF.decode(ctx);
  for (const [name, v] of Object.entries(values)) {
    if (SETTABLE.has(name)) continue;
    const nonzero = Array.isArray(v) ? v.some((x) => BigInt(x) !== 0n) : BigInt(v as number | bigint) !== 0n;
    if (nonzero) throw new InputError(`ctx: __sk_buff.${name} cannot be set by a test run (the kernel gives -EINVAL)`);
  }
  const wireLen = values.wire_len as number;
  if (wireLen !== 0 && wireLen < length) {
    throw new InputError(`ctx: __sk_buff.wire_len ${wireLen} is shorter than the packet (${length} bytes)`);
  }
}
