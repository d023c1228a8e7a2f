/**
 * One-line packet summaries in the style of `tcpdump -nn -q` (`IP 10.0.0.1.5000 > 10.0.0.2.80: tcp 0`), for
 * listings and error context. Modest on purpose: link layers Ethernet (VLAN tags skipped, as tcpdump does without
 * -e), Linux cooked v1/v2, raw IP, BSD loopback; ARP, IPv4, IPv6 (extension headers skipped), TCP, UDP, ICMP and
 * ICMPv6 echo and neighbour discovery. Anything else is named by its EtherType or protocol number. Truncated
 * headers print `[|proto]` like tcpdump; nothing here throws on short or malformed packets.
 */
import { LINKTYPE, linkTypeName } from './linktype.js';

/** What a summary needs from a packet. */
export interface SummaryInput {
  readonly linkType: number;
  readonly data: Uint8Array;
  readonly originalLength?: number;
}

const ETH_IPV4 = 0x0800;
const ETH_ARP = 0x0806;
const ETH_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** The summary line for a packet (no timestamp). */
export function summarizePacket(p: SummaryInput): string {
  const d = p.data;
  const wire = p.originalLength ?? d.length;
  switch (p.linkType) {
    case LINKTYPE.EN10MB: {
      if (d.length < 14) return '[|ether]';
      let at = 12;
      let type = u16(d, at);
      while (VLAN_TAGS.has(type)) {
        if (d.length < at + 6) return '[|vlan]';
        at += 4;
        type = u16(d, at);
      }
      if (type < 1536) return `802.3, length ${wire}`;
      return byEthertype(type, d, at + 2, wire - (at + 2));
    }
    case LINKTYPE.LINUX_SLL:
      return d.length < 16 ? '[|sll]' : byEthertype(u16(d, 14), d, 16, wire - 16);
    case LINKTYPE.LINUX_SLL2:
      return d.length < 20 ? '[|sll2]' : byEthertype(u16(d, 0), d, 20, wire - 20);
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      if (d.length < 1) return '[|ip]';
      return d[0]! >> 4 === 6 ? ipv6(d, 0) : ipv4(d, 0);
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (d.length < 4) return '[|null]';
      // DLT_NULL stores the address family in the capturing host's byte order, DLT_LOOP in network order.
      const le = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
      const af = p.linkType === LINKTYPE.LOOP || (le & 0xffff) === 0 ? (d[0]! << 24) | (d[1]! << 16) | u16(d, 2) : le;
      if (af === 2) return ipv4(d, 4);
      if (af === 24 || af === 28 || af === 30) return ipv6(d, 4);
      return `AF ${af}, length ${wire}`;
    }
    default:
      return `${linkTypeName(p.linkType)}, length ${wire}`;
  }
}

/** Dispatches on an EtherType; `length` is the wire length of what follows the link header (tcpdump's ARP length). */
function byEthertype(type: number, d: Uint8Array, at: number, length: number): string {
  if (type === ETH_IPV4) return ipv4(d, at);
  if (type === ETH_IPV6) return ipv6(d, at);
  if (type === ETH_ARP) return arp(d, at, length);
  return `ethertype 0x${type.toString(16).padStart(4, '0')}, length ${length}`;
}

function arp(d: Uint8Array, at: number, length: number): string {
  if (d.length < at + 28 || u16(d, at) !== 1 || u16(d, at + 2) !== ETH_IPV4 || d[at + 4] !== 6 || d[at + 5] !== 4) {
    return d.length < at + 8 ? '[|arp]' : `ARP, length ${length}`;
  }
  const op = u16(d, at + 6);
  const sha = mac(d, at + 8);
  const spa = ip4(d, at + 14);
  const tpa = ip4(d, at + 24);
  if (op === 1) return `ARP, Request who-has ${tpa} tell ${spa}, length ${length}`;
  if (op === 2) return `ARP, Reply ${spa} is-at ${sha}, length ${length}`;
  return `ARP, op ${op}, length ${length}`;
}

function ipv4(d: Uint8Array, at: number): string {
  if (d.length < at + 20) return '[|ip]';
  const ihl = (d[at]! & 15) * 4;
  const total = u16(d, at + 2);
  const proto = d[at + 9]!;
  const src = ip4(d, at + 12);
  const dst = ip4(d, at + 16);
  if (d[at]! >> 4 !== 4) return `IP${d[at]! >> 4}`;
  if (ihl < 20) return `IP ${src} > ${dst}: bad-hlen ${ihl}`;
  const fragOffset = (u16(d, at + 6) & 0x1fff) * 8;
  const payload = total - ihl;
  if (fragOffset !== 0) return `IP ${src} > ${dst}: ${protoName(proto)}`;
  const moreFragments = (u16(d, at + 6) & 0x2000) !== 0;
  return transport('IP', proto, d, at + ihl, payload, src, dst, '', moreFragments);
}

function ipv6(d: Uint8Array, at: number): string {
  if (d.length < at + 40) return '[|ip6]';
  if (d[at]! >> 4 !== 6) return `IP6 version error: ${d[at]! >> 4} != 6`;
  let next = d[at + 6]!;
  let payload = u16(d, at + 4);
  const src = ip6(d, at + 8);
  const dst = ip6(d, at + 24);
  let off = at + 40;
  let prefix = '';
  // Hop-by-hop options are skipped (tcpdump prefixes "HBH"); routing and destination options end the summary.
  while (next === 0) {
    if (d.length < off + 2) return `IP6 ${src} > ${dst}: [|ip6]`;
    prefix = 'HBH ';
    const len = (d[off + 1]! + 1) * 8;
    if (payload === 0) payload = jumboLength(d, off + 2, Math.min(off + len, d.length)) ?? 0;
    next = d[off]!;
    off += len;
    payload -= len;
  }
  if (next === 44 || next === 43 || next === 60) {
    return `IP6 ${src} > ${dst}: ${prefix}${next === 44 ? 'frag' : next === 43 ? 'RT6' : 'DSTOPT'}`;
  }
  return transport('IP6', next, d, off, payload, src, dst, prefix);
}

/** The Jumbo Payload option (RFC 2675, type 0xc2) in hop-by-hop options between `at` and `end`, if present. */
function jumboLength(d: Uint8Array, at: number, end: number): number | undefined {
  while (at + 2 <= end) {
    const type = d[at]!;
    if (type === 0) {
      at++;
      continue;
    }
    const len = d[at + 1]!;
    if (type === 0xc2 && len === 4 && at + 6 <= end)
      return ((d[at + 2]! << 24) >>> 0) + (d[at + 3]! << 16) + u16(d, at + 4);
    at += 2 + len;
  }
  return undefined;
}

function transport(
  family: string,
  proto: number,
  d: Uint8Array,
  at: number,
  payload: number,
  src: string,
  dst: string,
  prefix = '',
  fragmented = false,
): string {
  const head = `${family} ${src}`;
  if (proto === 6 || proto === 17) {
    if (d.length < at + 4) return `${head} > ${dst}: ${prefix}[|${proto === 6 ? 'tcp' : 'udp'}]`;
    const ports = `${head}.${u16(d, at)} > ${dst}.${u16(d, at + 2)}: ${prefix}`;
    if (proto === 17) {
      if (d.length < at + 8) return `${ports}[|udp]`;
      const ulen = u16(d, at + 4);
      return ulen > payload && !fragmented
        ? `${ports}UDP, bad length ${ulen - 8} > ${payload - 8}`
        : `${ports}UDP, length ${ulen - 8}`;
    }
    if (d.length < at + 13) return `${ports}[|tcp]`;
    return `${ports}tcp ${payload - (d[at + 12]! >> 4) * 4}`;
  }
  if (proto === 1) return `${head} > ${dst}: ${prefix}${icmp(d, at, payload)}`;
  if (proto === 58) return `${head} > ${dst}: ${prefix}${icmp6(d, at, payload)}`;
  return `${head} > ${dst}: ${prefix}${protoName(proto)} ${payload}`;
}

function icmp(d: Uint8Array, at: number, length: number): string {
  if (d.length < at + 8) return '[|icmp]';
  const type = d[at]!;
  if (type === 8 || type === 0) {
    return `ICMP echo ${type === 8 ? 'request' : 'reply'}, id ${u16(d, at + 4)}, seq ${u16(d, at + 6)}, length ${length}`;
  }
  return `ICMP type ${type} code ${d[at + 1]}, length ${length}`;
}

function icmp6(d: Uint8Array, at: number, length: number): string {
  if (d.length < at + 4) return '[|icmp6]';
  const type = d[at]!;
  if (type === 128 || type === 129) {
    if (d.length < at + 8) return '[|icmp6]';
    const what = type === 128 ? 'request' : 'reply';
    return `ICMP6, echo ${what}, id ${u16(d, at + 4)}, seq ${u16(d, at + 6)}, length ${length}`;
  }
  if (type === 133) return `ICMP6, router solicitation, length ${length}`;
  if (type === 134) return `ICMP6, router advertisement, length ${length}`;
  if ((type === 135 || type === 136) && d.length >= at + 24) {
    const target = ip6(d, at + 8);
    return type === 135
      ? `ICMP6, neighbor solicitation, who has ${target}, length ${length}`
      : `ICMP6, neighbor advertisement, tgt is ${target}, length ${length}`;
  }
  return `ICMP6, type ${type}, length ${length}`;
}

const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  2: 'igmp',
  4: 'ipip',
  6: 'tcp',
  17: 'udp',
  41: 'ip6',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'icmp6',
  89: 'ospf',
  103: 'pim',
  112: 'vrrp',
  132: 'sctp',
};

function protoName(proto: number): string {
  return PROTO_NAMES[proto] ?? `ip-proto-${proto}`;
}

function u16(d: Uint8Array, at: number): number {
  return (d[at]! << 8) | d[at + 1]!;
}

function ip4(d: Uint8Array, at: number): string {
  return `${d[at]}.${d[at + 1]}.${d[at + 2]}.${d[at + 3]}`;
}

function mac(d: Uint8Array, at: number): string {
  return Array.from(d.subarray(at, at + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** RFC 5952 text form: lower case, leading zeros dropped, the longest run (2+) of zero groups as `::`. */
export function ip6(d: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16(d, at + 2 * i));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) {
    // IPv4-mapped and similar forms are printed in plain hex here; tcpdump prints them the same way for ::ffff:0:0/96
    // only with its own rules, which this modest printer does not copy.
    return g.map((x) => x.toString(16)).join(':');
  }
  const left = g
    .slice(0, best)
    .map((x) => x.toString(16))
    .join(':');
  const right = g
    .slice(best + bestLen)
    .map((x) => x.toString(16))
    .join(':');
  return `${left}::${right}`;
}
