/**
 * The filter-language scanner (libpcap's scanner.l): keywords, numbers, IPv4/IPv6/MAC/MAC-8 addresses,
 * identifiers and operators, chosen by longest match with flex's rule order breaking ties.
 */
import { FilterError } from './errors.js';
import { parseIPv6 } from './nametoaddr.js';

export interface Token {
  /** Keyword token name (e.g. 'HOST', 'LINK', 'AND'), 'NUM', 'ID', 'HID', 'HID6', 'EID', 'AID', an operator, or 'EOF'. */
  kind: string;
  text: string;
  /** Numeric value of NUM tokens (unsigned 32-bit). */
  num: number;
  /** Offset of the token in the expression. */
  pos: number;
}

const KEYWORDS: Record<string, string> = {
  dst: 'DST',
  src: 'SRC',
  link: 'LINK',
  ether: 'LINK',
  ppp: 'LINK',
  slip: 'LINK',
  fddi: 'LINK',
  tr: 'LINK',
  wlan: 'LINK',
  arp: 'ARP',
  rarp: 'RARP',
  ip: 'IP',
  sctp: 'SCTP',
  tcp: 'TCP',
  udp: 'UDP',
  icmp: 'ICMP',
  igmp: 'IGMP',
  igrp: 'IGRP',
  pim: 'PIM',
  vrrp: 'VRRP',
  carp: 'CARP',
  radio: 'RADIO',
  ip6: 'IPV6',
  icmp6: 'ICMPV6',
  ah: 'AH',
  esp: 'ESP',
  atalk: 'ATALK',
  aarp: 'AARP',
  decnet: 'DECNET',
  lat: 'LAT',
  sca: 'SCA',
  moprc: 'MOPRC',
  mopdl: 'MOPDL',
  iso: 'ISO',
  esis: 'ESIS',
  'es-is': 'ESIS',
  isis: 'ISIS',
  'is-is': 'ISIS',
  l1: 'L1',
  l2: 'L2',
  iih: 'IIH',
  lsp: 'LSP',
  snp: 'SNP',
  csnp: 'CSNP',
  psnp: 'PSNP',
  clnp: 'CLNP',
  stp: 'STP',
  ipx: 'IPX',
  netbeui: 'NETBEUI',
  host: 'HOST',
  net: 'NET',
  mask: 'NETMASK',
  port: 'PORT',
  portrange: 'PORTRANGE',
  proto: 'PROTO',
  protochain: 'PROTOCHAIN',
  gateway: 'GATEWAY',
  type: 'TYPE',
  subtype: 'SUBTYPE',
  direction: 'DIR',
  dir: 'DIR',
  address1: 'ADDR1',
  addr1: 'ADDR1',
  address2: 'ADDR2',
  addr2: 'ADDR2',
  address3: 'ADDR3',
  addr3: 'ADDR3',
  address4: 'ADDR4',
  addr4: 'ADDR4',
  ra: 'RA',
  ta: 'TA',
  less: 'LESS',
  greater: 'GREATER',
  byte: 'CBYTE',
  broadcast: 'BROADCAST',
  multicast: 'MULTICAST',
  and: 'AND',
  or: 'OR',
  not: '!',
  len: 'LEN',
  length: 'LEN',
  inbound: 'INBOUND',
  outbound: 'OUTBOUND',
  ifindex: 'IFINDEX',
  vlan: 'VLAN',
  mpls: 'MPLS',
  pppoed: 'PPPOED',
  pppoes: 'PPPOES',
  geneve: 'GENEVE',
  vxlan: 'VXLAN',
  lane: 'LANE',
  llc: 'LLC',
  metac: 'METAC',
  bcc: 'BCC',
  oam: 'OAM',
  oamf4: 'OAMF4',
  oamf4ec: 'OAMF4EC',
  oamf4sc: 'OAMF4SC',
  sc: 'SC',
  ilmic: 'ILMIC',
  vpi: 'VPI',
  vci: 'VCI',
  connectmsg: 'CONNECTMSG',
  metaconnect: 'METACONNECT',
  on: 'PF_IFNAME',
  ifname: 'PF_IFNAME',
  rset: 'PF_RSET',
  ruleset: 'PF_RSET',
  rnr: 'PF_RNR',
  rulenum: 'PF_RNR',
  srnr: 'PF_SRNR',
  subrulenum: 'PF_SRNR',
  reason: 'PF_REASON',
  action: 'PF_ACTION',
  fisu: 'FISU',
  lssu: 'LSSU',
  lsu: 'LSSU',
  msu: 'MSU',
  hfisu: 'HFISU',
  hlssu: 'HLSSU',
  hmsu: 'HMSU',
  sio: 'SIO',
  opc: 'OPC',
  dpc: 'DPC',
  sls: 'SLS',
  hsio: 'HSIO',
  hopc: 'HOPC',
  hdpc: 'HDPC',
  hsls: 'HSLS',
};

/** Names the scanner turns into numbers (ICMP types, TCP flags, header field offsets). */
const NAMED_NUMBERS: Record<string, number> = {
  icmptype: 0,
  icmpcode: 1,
  'icmp-echoreply': 0,
  'icmp-unreach': 3,
  'icmp-sourcequench': 4,
  'icmp-redirect': 5,
  'icmp-echo': 8,
  'icmp-routeradvert': 9,
  'icmp-routersolicit': 10,
  'icmp-timxceed': 11,
  'icmp-paramprob': 12,
  'icmp-tstamp': 13,
  'icmp-tstampreply': 14,
  'icmp-ireq': 15,
  'icmp-ireqreply': 16,
  'icmp-maskreq': 17,
  'icmp-maskreply': 18,
  icmp6type: 0,
  icmp6code: 1,
  'icmp6-destinationunreach': 1,
  'icmp6-packettoobig': 2,
  'icmp6-timeexceeded': 3,
  'icmp6-parameterproblem': 4,
  'icmp6-echo': 128,
  'icmp6-echoreply': 129,
  'icmp6-multicastlistenerquery': 130,
  'icmp6-multicastlistenerreportv1': 131,
  'icmp6-multicastlistenerdone': 132,
  'icmp6-routersolicit': 133,
  'icmp6-routeradvert': 134,
  'icmp6-neighborsolicit': 135,
  'icmp6-neighboradvert': 136,
  'icmp6-redirect': 137,
  'icmp6-routerrenum': 138,
  'icmp6-nodeinformationquery': 139,
  'icmp6-nodeinformationresponse': 140,
  'icmp6-ineighbordiscoverysolicit': 141,
  'icmp6-ineighbordiscoveryadvert': 142,
  'icmp6-multicastlistenerreportv2': 143,
  'icmp6-homeagentdiscoveryrequest': 144,
  'icmp6-homeagentdiscoveryreply': 145,
  'icmp6-mobileprefixsolicit': 146,
  'icmp6-mobileprefixadvert': 147,
  'icmp6-certpathsolicit': 148,
  'icmp6-certpathadvert': 149,
  'icmp6-multicastrouteradvert': 151,
  'icmp6-multicastroutersolicit': 152,
  'icmp6-multicastrouterterm': 153,
  tcpflags: 13,
  'tcp-fin': 0x01,
  'tcp-syn': 0x02,
  'tcp-rst': 0x04,
  'tcp-push': 0x08,
  'tcp-ack': 0x10,
  'tcp-urg': 0x20,
  'tcp-ece': 0x40,
  'tcp-cwr': 0x80,
};

const N = '(?:0[xX][0-9A-Fa-f]+|[0-9]+)';
const B = '[0-9A-Fa-f]{1,2}';
const B2 = '[0-9A-Fa-f]{2}';
/** Candidate token patterns in flex rule order (earlier wins a tie in length). */
const PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['HID', new RegExp(`${N}(?:\\.${N}){1,3}`, 'y')],
  ['HID6', /(?:[0-9A-Fa-f]{0,4}:){2,8}(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{0,4})/y],
  [
    'EID',
    new RegExp(
      `(?:${B}:${B}:${B}:${B}:${B}:${B}|${B}-${B}-${B}-${B}-${B}-${B}|${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}|${B2}${B2}\\.${B2}${B2}\\.${B2}${B2}|[0-9A-Fa-f]{12})`,
      'y',
    ),
  ],
  ['NUM', new RegExp(N, 'y')],
  ['AID', /\$[0-9A-Fa-f]{1,2}/y],
  ['ID', /[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/y],
];

const TWO_CHAR_OPS: Record<string, string> = {
  '>=': 'GEQ',
  '<=': 'LEQ',
  '!=': 'NEQ',
  '==': '=',
  '<<': 'LSH',
  '>>': 'RSH',
  '&&': 'AND',
  '||': 'OR',
};
const ONE_CHAR_OPS = new Set('+-*/%:[]!<>()&|^='.split(''));

/** Parse a C-style number (decimal, 0x hex, 0 octal) as the scanner's stoulen() does; errors are libpcap's. */
function numberValue(text: string): number {
  let base = 10;
  let digits = text;
  let kind = 'decimal';
  if (/^0[xX]/.test(text)) {
    base = 16;
    digits = text.slice(2);
    kind = 'hexadecimal';
  } else if (text.length > 1 && text.startsWith('0')) {
    base = 8;
    digits = text.slice(1);
    kind = 'octal';
  }
  let v = 0;
  for (const ch of digits) {
    const d = Number.parseInt(ch, 16);
    if (Number.isNaN(d) || d >= base) throw new FilterError(`number ${text} contains non-${kind} digit`);
    v = v * base + d;
    if (v > 0xffffffff) throw new FilterError(`${kind} number ${text} overflows 32 bits`);
  }
  return v;
}

/** Split a filter expression into tokens. */
export function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const two = expr.slice(i, i + 2);
    const macLike = /^[0-9A-Za-z]{1,2}(:[0-9A-Za-z]{1,2}){5}(?![:0-9A-Za-z])/.exec(expr.slice(i));
    if (macLike && !/^[0-9A-Fa-f:]+$/.test(macLike[0]))
      throw new FilterError(`invalid Ethernet address '${macLike[0]}'`);
    let best: { kind: string; text: string } | null = null;
    for (const [kind, re] of PATTERNS) {
      re.lastIndex = i;
      const m = re.exec(expr);
      if (!m || m[0].length === 0) continue;
      if (kind === 'HID6') {
        if (!(m[0].includes('::') || m[0].split(':').length >= (m[0].includes('.') ? 7 : 8))) continue;
        if (!parseIPv6(m[0])) {
          if (m[0].includes('.')) throw new FilterError(`invalid IPv6 address ${m[0]}`);
          // flex matches the longest valid address pattern; the rest lexes on (and fails to parse).
          let t = m[0];
          while (t.includes(':') && !parseIPv6(t)) t = t.slice(0, t.lastIndexOf(':'));
          if (!parseIPv6(t) || !(t.includes('::') || t.split(':').length >= 8)) continue;
          if (!best || t.length > best.text.length) best = { kind, text: t };
          continue;
        }
      }
      if (!best || m[0].length > best.text.length) best = { kind, text: m[0] };
    }
    if (c === '\\') {
      const m = /\\[^ !()\n\t]+/y;
      m.lastIndex = i;
      const r = m.exec(expr);
      if (r) {
        out.push({ kind: 'ID', text: r[0].slice(1), num: 0, pos: i });
        i += r[0].length;
        continue;
      }
    }
    if (best) {
      let kind = best.kind;
      let num = 0;
      if (kind === 'ID' && Object.hasOwn(KEYWORDS, best.text)) kind = KEYWORDS[best.text]!;
      else if (kind === 'ID' && Object.hasOwn(NAMED_NUMBERS, best.text)) {
        kind = 'NUM';
        num = NAMED_NUMBERS[best.text]!;
      } else if (kind === 'NUM') num = numberValue(best.text);
      out.push({ kind, text: best.text, num, pos: i });
      i += best.text.length;
      continue;
    }
    if (Object.hasOwn(TWO_CHAR_OPS, two)) {
      out.push({ kind: TWO_CHAR_OPS[two]!, text: two, num: 0, pos: i });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.has(c)) {
      out.push({ kind: c, text: c, num: 0, pos: i });
      i++;
      continue;
    }
    if (c === '$') {
      out.push({ kind: 'ILLEGAL', text: c, num: 0, pos: i });
      i++;
      continue;
    }
    const m = /[^ [\]\t\n\-_.A-Za-z0-9!<>()&|=]+/y;
    m.lastIndex = i;
    const r = m.exec(expr);
    if (r) throw new FilterError(`illegal token: ${r[0]} at column ${i + 1}`);
    throw new FilterError(`illegal char '${c}' at column ${i + 1}`);
  }
  out.push({ kind: 'EOF', text: '', num: 0, pos: expr.length });
  return out;
}
