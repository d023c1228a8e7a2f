/**
 * Name and address translation for filter expressions (libpcap's nametoaddr.c): host, Ethernet, network,
 * port and protocol names, and the textual address formats (IPv4 prefixes, DECnet, MAC-48, IPv6).
 * Name lookups go through an injectable `Resolver` so that compiling needs no operating system services.
 */
import { PROTOCOLS, SERVICES } from './netdb-table.js';

/** Host and network databases the compiler consults for names (getaddrinfo, ether_hostton, getnetbyname...). */
export interface Resolver {
  /** IPv4 addresses (host byte order numbers) and IPv6 addresses (16 bytes) of a host name, or null. */
  hostAddrs(name: string): { v4: number[]; v6: Uint8Array[] } | null;
  /** The MAC-48 address of a name (/etc/ethers), or null. */
  ether(name: string): Uint8Array | null;
  /** The network number of a network name (/etc/networks), or null. */
  network(name: string): number | null;
  /** The port of a service name for a transport protocol, or null. */
  port(name: string, proto: 'tcp' | 'udp' | 'sctp'): number | null;
  /** The IP protocol number of a protocol name, or null. */
  protocol(name: string): number | null;
}

/** Built-in services and protocols; no hosts, ethers or networks. */
export const builtinResolver: Resolver = {
  hostAddrs: (name) => {
    if (name === 'localhost') return { v4: [0x7f000001], v6: [] };
    return null;
  },
  ether: () => null,
  network: (name) => (name === 'loopback' ? 127 : null),
  port: (name, proto) => {
    const e = Object.hasOwn(SERVICES, name) ? SERVICES[name] : undefined;
    if (!e) return null;
    const p = e[proto === 'tcp' ? 0 : proto === 'udp' ? 1 : 2];
    return p >= 0 ? p : null;
  },
  protocol: (name) => (Object.hasOwn(PROTOCOLS, name) ? PROTOCOLS[name]! : null),
};

/** Text of hosts(5), ethers(5) and networks(5) files, one entry a line. */
export interface ResolverFiles {
  hosts?: readonly string[];
  ethers?: readonly string[];
  networks?: readonly string[];
}

/**
 * A resolver answering from hosts/ethers/networks lines (as the files would hold them) and falling back to
 * `base` for everything else (services, protocols).
 */
export function resolverFromFiles(files: ResolverFiles, base: Resolver = builtinResolver): Resolver {
  const hosts = new Map<string, { v4: number[]; v6: Uint8Array[] }>();
  for (const line of files.hosts ?? []) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length < 2) continue;
    const v4 = parseDottedQuad(f[0]!);
    const v6 = v4 === null ? parseIPv6(f[0]!) : null;
    if (v4 === null && v6 === null) continue;
    for (const name of f.slice(1)) {
      const key = name.toLowerCase();
      let e = hosts.get(key);
      if (!e) hosts.set(key, (e = { v4: [], v6: [] }));
      if (v4 !== null) e.v4.push(v4);
      else e.v6.push(v6!);
    }
  }
  const ethers = new Map<string, Uint8Array>();
  for (const line of files.ethers ?? []) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length < 2) continue;
    const mac = parseMac48(f[0]!);
    if (mac && !ethers.has(f[1]!.toLowerCase())) ethers.set(f[1]!.toLowerCase(), mac);
  }
  const networks = new Map<string, number>();
  for (const line of files.networks ?? []) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length < 2) continue;
    const n = parseNetworkNumber(f[1]!);
    if (n === null) continue;
    for (const name of [f[0]!, ...f.slice(2)])
      if (!networks.has(name.toLowerCase())) networks.set(name.toLowerCase(), n);
  }
  return {
    hostAddrs: (name) => hosts.get(name.toLowerCase()) ?? base.hostAddrs(name),
    ether: (name) => ethers.get(name.toLowerCase()) ?? base.ether(name),
    network: (name) => networks.get(name.toLowerCase()) ?? base.network(name),
    port: (name, proto) => base.port(name, proto),
    protocol: (name) => base.protocol(name),
  };
}

/** A networks(5) number such as "10.20.0.0" or "10.20" as inet_network() reads it ("10.20" is 0x0a14). */
function parseNetworkNumber(s: string): number | null {
  const parts = s.split('.');
  let v = 0;
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) > 255) return null;
    v = v * 256 + Number(p);
  }
  return v >>> 0;
}

/** EtherType names (pcap_nametoeproto). */
const EPROTO: Record<string, number> = {
  aarp: 0x80f3,
  arp: 0x0806,
  atalk: 0x809b,
  decnet: 0x6003,
  ip: 0x0800,
  ip6: 0x86dd,
  lat: 0x6004,
  lldp: 0x88cc,
  loopback: 0x9000,
  mopdl: 0x6001,
  moprc: 0x6002,
  rarp: 0x8035,
  sca: 0x6007,
  slow: 0x8809,
};
/** LLC SAP names (pcap_nametollc). */
const LLC: Record<string, number> = { iso: 0xfe, stp: 0x42, ipx: 0xe0, netbeui: 0xf0 };

export const nameToEproto = (name: string): number | null => (Object.hasOwn(EPROTO, name) ? EPROTO[name]! : null);
export const nameToLlc = (name: string): number | null => (Object.hasOwn(LLC, name) ? LLC[name]! : null);

/** A strict dotted quad a.b.c.d, or null. */
export function parseDottedQuad(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/**
 * A possibly short IPv4 address "N", "N.N", "N.N.N" or "N.N.N.N" in decimal (pcapint_atoin): the value and
 * its length in bits, or null when a component exceeds 255.
 */
export function atoin(s: string): { addr: number; len: number } | null {
  let addr = 0;
  let len = 0;
  for (const part of s.split('.')) {
    if (!/^\d*$/.test(part)) return null;
    const n = part === '' ? 0 : Number(part);
    if (n > 255) return null;
    addr = ((addr << 8) | n) >>> 0;
    len += 8;
  }
  return { addr, len };
}

/** A DECnet address "area.node" (pcapint_atodn) as the 16-bit value, or null. */
export function atodn(s: string): number | null {
  const m = /^(\d+)\.(\d+)$/.exec(s);
  if (!m) return null;
  const area = Number(m[1]);
  const node = Number(m[2]);
  if (area > 63 || node > 1023) return null;
  return (area << 10) | node;
}

/** A MAC-48 address in any of the colon, hyphen, dot or bare-hex forms, or null. */
export function parseMac48(s: string): Uint8Array | null {
  let groups: string[];
  if (/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s)) groups = s.split(':');
  else if (/^[0-9a-fA-F]{1,2}(-[0-9a-fA-F]{1,2}){5}$/.test(s)) groups = s.split('-');
  else if (/^[0-9a-fA-F]{1,2}(\.[0-9a-fA-F]{1,2}){5}$/.test(s)) groups = s.split('.');
  else if (/^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){2}$/.test(s))
    groups = s.split('.').flatMap((g) => [g.slice(0, 2), g.slice(2)]);
  else if (/^[0-9a-fA-F]{12}$/.test(s)) groups = s.match(/../g)!;
  else return null;
  return new Uint8Array(groups.map((g) => Number.parseInt(g, 16)));
}

/** An IPv6 address (inet_pton AF_INET6), 16 bytes, or null. */
export function parseIPv6(s: string): Uint8Array | null {
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > 0) {
    const v4 = parseDottedQuad(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  if (!head) return null;
  let groups: number[];
  const want = 8 - tail.length;
  if (halves.length === 2) {
    const rest = parse(halves[1]!);
    if (!rest) return null;
    if (head.length + rest.length > want - 1) return null;
    groups = [...head, ...new Array<number>(want - head.length - rest.length).fill(0), ...rest];
  } else {
    if (head.length !== want) return null;
    groups = head;
  }
  groups = [...groups, ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >>> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}
