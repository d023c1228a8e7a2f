/**
 * A deterministic mixed-protocol Ethernet trace for the filter benchmark: IPv4 and IPv6 carrying TCP, UDP and
 * ICMP/ICMPv6, ARP, 802.1Q VLAN tags (some stacked), IPv4 fragments, frame sizes from 60 to 1514 bytes. The mix
 * is chosen so that every benchmark expression matches a fair share of packets and none is trivially decided by
 * the first test (a filter that rejects everything at `ldh [12]` would measure nothing).
 *
 * Headers are written field by field; payloads are copied from one pseudo-random block, so generating 500 MB
 * takes seconds.
 */
import type { PacketToWrite } from '../src/pcap/pcap-writer.js';

/** A small linear congruential generator: same trace on every run and platform. */
class Lcg {
  constructor(private seed: number) {}
  next(): number {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) & 0x7fffffff;
    return this.seed >>> 8;
  }
  below(n: number): number {
    return this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

const FRAME_SIZES = [60, 64, 66, 74, 90, 128, 200, 342, 576, 590, 1024, 1280, 1500, 1514, 1514, 1514] as const;
const PORTS = [80, 443, 53, 22, 25, 123, 8080, 1234, 1500, 2000, 5353, 33000, 40000, 50000] as const;
const V4_NETS = [
  [10, 0, 0],
  [10, 1, 2],
  [192, 168, 1],
  [192, 168, 7],
  [172, 16, 5],
  [8, 8, 8],
] as const;

function u16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

/** Yields packets until about `totalBytes` of capture file (records included) have been produced. */
export function* mixedTraffic(totalBytes: number, seed = 20240601): Generator<PacketToWrite> {
  const rnd = new Lcg(seed);
  const payload = new Uint8Array(4096);
  for (let i = 0; i < payload.length; i++) payload[i] = rnd.next() & 0xff;
  let written = 24;
  let micros = 1_700_000_000_000_000;
  while (written < totalBytes) {
    const data = frame(rnd, payload);
    micros += 1 + rnd.below(900);
    written += 16 + data.length;
    yield { seconds: Math.floor(micros / 1e6), nanos: (micros % 1e6) * 1000, data };
  }
}

function frame(rnd: Lcg, payload: Uint8Array): Uint8Array {
  const size = rnd.pick(FRAME_SIZES);
  const d = new Uint8Array(size);
  d.set(payload.subarray(0, size));
  // MACs: a few hosts, sometimes broadcast.
  const dstHost = rnd.below(8);
  for (let i = 0; i < 6; i++) d[i] = dstHost === 0 ? 0xff : i === 5 ? dstHost : 0x02;
  for (let i = 6; i < 12; i++) d[i] = i === 11 ? 0x10 + rnd.below(8) : 0x02;
  let at = 12;
  const vlanRoll = rnd.below(100);
  const tags = vlanRoll < 12 ? 1 : vlanRoll < 15 ? 2 : 0;
  for (let t = 0; t < tags; t++) {
    u16(d, at, t === 0 && tags === 2 ? 0x88a8 : 0x8100);
    u16(d, at + 2, rnd.pick([100, 200, 300, 4000]));
    at += 4;
  }
  const kind = rnd.below(100);
  if (kind < 5) arp(d, at, rnd);
  else if (kind < 35) ipv6(d, at, rnd);
  else ipv4(d, at, rnd);
  return d;
}

function arp(d: Uint8Array, at: number, rnd: Lcg): void {
  u16(d, at, 0x0806);
  const a = at + 2;
  if (d.length < a + 28) return;
  u16(d, a, 1);
  u16(d, a + 2, 0x0800);
  d[a + 4] = 6;
  d[a + 5] = 4;
  u16(d, a + 6, 1 + rnd.below(2));
  d.set([10, 0, 0, 1 + rnd.below(20)], a + 14);
  d.set([10, 0, 0, 1 + rnd.below(20)], a + 24);
}

function ipv4(d: Uint8Array, at: number, rnd: Lcg): void {
  u16(d, at, 0x0800);
  const ip = at + 2;
  const ihl = rnd.below(20) === 0 ? 6 : 5;
  const total = d.length - ip;
  d[ip] = 0x40 | ihl;
  d[ip + 1] = 0;
  u16(d, ip + 2, total);
  u16(d, ip + 4, rnd.below(65536));
  // 3% fragments: a non-first fragment has no transport header at the start.
  const frag = rnd.below(100) < 3;
  u16(d, ip + 6, frag ? 0x2000 | (1 + rnd.below(100)) : 0x4000);
  d[ip + 8] = 64;
  const roll = rnd.below(100);
  const proto = roll < 60 ? 6 : roll < 90 ? 17 : roll < 97 ? 1 : 47;
  d[ip + 9] = proto;
  const src = rnd.pick(V4_NETS);
  const dst = rnd.pick(V4_NETS);
  d.set([src[0], src[1], src[2], 1 + rnd.below(254)], ip + 12);
  d.set([dst[0], dst[1], dst[2], 1 + rnd.below(254)], ip + 16);
  transport(d, ip + ihl * 4, proto, rnd);
}

function ipv6(d: Uint8Array, at: number, rnd: Lcg): void {
  u16(d, at, 0x86dd);
  const ip = at + 2;
  if (d.length < ip + 40) return;
  d[ip] = 0x60;
  u16(d, ip + 4, d.length - ip - 40);
  const roll = rnd.below(100);
  const proto = roll < 55 ? 6 : roll < 85 ? 17 : 58;
  d[ip + 7] = 64;
  const net = rnd.below(3);
  d.set([0x20, 0x01, 0x0d, 0xb8, 0, net], ip + 8);
  d[ip + 23] = 1 + rnd.below(50);
  d.set([0x20, 0x01, 0x0d, 0xb8, 0, rnd.below(3)], ip + 24);
  d[ip + 39] = 1 + rnd.below(50);
  let next = ip + 40;
  // 5%: a hop-by-hop options header before the transport header.
  if (rnd.below(20) === 0 && d.length >= next + 8) {
    d[ip + 6] = 0;
    d[next] = proto;
    d[next + 1] = 0;
    next += 8;
  } else {
    d[ip + 6] = proto;
  }
  transport(d, next, proto, rnd);
}

function transport(d: Uint8Array, at: number, proto: number, rnd: Lcg): void {
  if (proto === 6 && d.length >= at + 20) {
    const server = rnd.pick(PORTS);
    const client = 32768 + rnd.below(28000);
    const toServer = rnd.below(2) === 0;
    u16(d, at, toServer ? client : server);
    u16(d, at + 2, toServer ? server : client);
    d[at + 12] = 0x50;
    // Flags: mostly ACK, some SYN, SYN-ACK, FIN, RST.
    d[at + 13] = rnd.pick([0x10, 0x10, 0x10, 0x18, 0x18, 0x02, 0x12, 0x11, 0x04]);
  } else if (proto === 17 && d.length >= at + 8) {
    const server = rnd.pick(PORTS);
    u16(d, at, 32768 + rnd.below(28000));
    u16(d, at + 2, server);
    u16(d, at + 4, d.length - at);
  } else if ((proto === 1 || proto === 58) && d.length >= at + 4) {
    d[at] = proto === 1 ? rnd.pick([0, 8, 3, 11]) : rnd.pick([128, 129, 135, 136]);
    d[at + 1] = 0;
  }
}
