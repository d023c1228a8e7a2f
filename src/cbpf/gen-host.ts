/** Host, network and link-layer address tests (gencode.c's gen_host*, gen_mac48host, gen_wlanhostop...). */
import * as C from './consts.js';
import { DLT } from './dlt.js';
import {
  assertMaxval,
  bpfError,
  genAnd,
  genBcmp,
  genCmp,
  genFalse,
  genLoadA,
  genMcmp,
  genMcmpNe,
  genNot,
  genOr,
  genSet,
  genTrue,
  genUnset,
  OffRel,
  swapShort,
} from './gen-core.js';
import { failKwOnDlt, genLinktype, genPrevlinkhdrCheck } from './gen-link.js';
import { BPF_B, BPF_H, BPF_W } from './insn.js';
import { type Block, IS_FALSE } from './ir.js';
import type { CompilerState } from './state.js';

export function assertNonwlanDqual(dir: number): void {
  if (dir === C.Q_SRC || dir === C.Q_DST || dir === C.Q_AND || dir === C.Q_DEFAULT || dir === C.Q_OR) return;
  bpfError(`'${C.dqkw(dir)}' is valid for 802.11 syntax only`);
}

export const invalidQual = (a: string, b: string): never => bpfError(`'${a}' is not a valid qualifier for '${b}'`);

function genHostop(cs: CompilerState, addr: number, mask: number, dir: number, srcOff: number, dstOff: number): Block {
  switch (dir) {
    case C.Q_SRC:
      return genMcmp(cs, OffRel.LINKPL, srcOff, BPF_W, addr, mask);
    case C.Q_DST:
      return genMcmp(cs, OffRel.LINKPL, dstOff, BPF_W, addr, mask);
    case C.Q_AND:
      return genAnd(
        genHostop(cs, addr, mask, C.Q_SRC, srcOff, dstOff),
        genHostop(cs, addr, mask, C.Q_DST, srcOff, dstOff),
      );
    case C.Q_DEFAULT:
    case C.Q_OR:
      return genOr(
        genHostop(cs, addr, mask, C.Q_SRC, srcOff, dstOff),
        genHostop(cs, addr, mask, C.Q_DST, srcOff, dstOff),
      );
    default:
      return bpfError(`internal error in gen_hostop(): dir == '${C.dqkw(dir)}'`);
  }
}

const word = (a: Uint8Array, i: number): number =>
  ((a[4 * i]! << 24) | (a[4 * i + 1]! << 16) | (a[4 * i + 2]! << 8) | a[4 * i + 3]!) >>> 0;

function genHostop6(cs: CompilerState, addr: Uint8Array, mask: Uint8Array, dir: number): Block {
  let offset: number;
  switch (dir) {
    case C.Q_SRC:
      offset = 8;
      break;
    case C.Q_DST:
      offset = 24;
      break;
    case C.Q_AND:
      return genAnd(genHostop6(cs, addr, mask, C.Q_SRC), genHostop6(cs, addr, mask, C.Q_DST));
    case C.Q_DEFAULT:
    case C.Q_OR:
      return genOr(genHostop6(cs, addr, mask, C.Q_SRC), genHostop6(cs, addr, mask, C.Q_DST));
    default:
      return bpfError(`internal error in gen_hostop6(): dir == '${C.dqkw(dir)}'`);
  }
  let b1 = genTrue();
  for (let i = 3; i >= 0; i--) {
    const b0 = genMcmp(cs, OffRel.LINKPL, offset + 4 * i, BPF_W, word(addr, i), word(mask, i));
    b1 = genAnd(b0, b1);
  }
  return b1;
}

/** IPv4 host/net tests for a list of address/mask pairs (gen_host). */
export function genHost(
  cs: CompilerState,
  a: number[],
  m: number[],
  proto: number,
  dir: number,
  not: boolean,
  context: string,
): Block {
  assertNonwlanDqual(dir);
  let llproto: number;
  let srcOff: number;
  let dstOff: number;
  switch (proto) {
    case C.Q_DEFAULT: {
      let b0 = genHost(cs, a, m, C.Q_IP, dir, not, context);
      if (cs.labelStackDepth === 0) {
        let b1 = genHost(cs, a, m, C.Q_ARP, dir, not, context);
        b1 = genOr(b0, b1);
        b0 = genHost(cs, a, m, C.Q_RARP, dir, not, context);
        b0 = genOr(b1, b0);
      }
      return b0;
    }
    case C.Q_IP:
      llproto = C.ETHERTYPE_IP;
      srcOff = 12;
      dstOff = 16;
      break;
    case C.Q_RARP:
      llproto = C.ETHERTYPE_REVARP;
      srcOff = 14;
      dstOff = 24;
      break;
    case C.Q_ARP:
      llproto = C.ETHERTYPE_ARP;
      srcOff = 14;
      dstOff = 24;
      break;
    default:
      return invalidQual(C.pqkw(proto), context);
  }
  const b0 = genLinktype(cs, llproto);
  if (b0.meaning === IS_FALSE) return b0;
  let b1 = genFalse();
  for (let i = 0; i < a.length; i++) b1 = genOr(b1, genHostop(cs, a[i]!, m[i]!, dir, srcOff, dstOff));
  return genAnd(b0, not ? genNot(b1) : b1);
}

/** IPv6 host/net tests (gen_host6). */
export function genHost6(
  cs: CompilerState,
  a: Uint8Array[],
  m: Uint8Array[],
  proto: number,
  dir: number,
  not: boolean,
  context: string,
): Block {
  assertNonwlanDqual(dir);
  if (proto !== C.Q_DEFAULT && proto !== C.Q_IPV6) invalidQual(C.pqkw(proto), context);
  const linkproto = genLinktype(cs, C.ETHERTYPE_IPV6);
  let host = genFalse();
  for (let i = 0; i < a.length; i++) host = genOr(host, genHostop6(cs, a[i]!, m[i]!, dir));
  return genAnd(linkproto, not ? genNot(host) : host);
}

const cmpBytes = (x: Uint8Array, y: Uint8Array): number => {
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
};

/** Tests for the addresses a host name resolves to (gen_host46_byname). */
export function genHost46Byname(
  cs: CompilerState,
  name: string,
  proto4: number,
  proto6: number,
  dir: number,
  not: boolean,
): Block {
  const context = 'host <Internet hostname>';
  const ai = cs.resolver.hostAddrs(name);
  if (!ai) bpfError(`unknown host '${name}'`);
  let ret: Block | null = null;
  if (proto4 !== C.Q_IPV6 && ai.v4.length) {
    const addrs = [...ai.v4].sort((x, y) => x - y);
    ret = genHost(
      cs,
      addrs,
      addrs.map(() => 0xffffffff),
      proto4,
      dir,
      not,
      context,
    );
  }
  if (proto6 !== C.Q_ARP && proto6 !== C.Q_IP && proto6 !== C.Q_RARP && ai.v6.length) {
    const addrs = [...ai.v6].sort(cmpBytes);
    const hosts6 = genHost6(
      cs,
      addrs,
      addrs.map(() => new Uint8Array(16).fill(0xff)),
      proto6,
      dir,
      not,
      context,
    );
    ret = ret ? genOr(ret, hosts6) : hosts6;
  }
  if (!ret) bpfError(`unknown host '${name}'${proto4 === C.Q_DEFAULT ? '' : ' for specified address family'}`);
  return ret;
}

/** 802.11 address tests by direction (gen_wlanhostop). */
function genWlanhostop(cs: CompilerState, e: Uint8Array, dir: number): Block {
  let b0: Block;
  let b1: Block;
  let b2: Block;
  const fc = (off: number): ReturnType<typeof genLoadA> => genLoadA(cs, OffRel.LINKHDR, off, BPF_B);
  switch (dir) {
    case C.Q_SRC:
    case C.Q_DST: {
      const src = dir === C.Q_SRC;
      b1 = genSet(C.IEEE80211_FC1_DIR_TODS, fc(1));
      b0 = genBcmp(cs, OffRel.LINKHDR, src ? 24 : 16, e);
      b0 = genAnd(b1, b0);
      b2 = genUnset(C.IEEE80211_FC1_DIR_TODS, fc(1));
      b1 = genBcmp(cs, OffRel.LINKHDR, src ? 16 : 4, e);
      b1 = genAnd(b2, b1);
      b0 = genOr(b1, b0);
      if (src) {
        b1 = genSet(C.IEEE80211_FC1_DIR_FROMDS, fc(1));
        b0 = genAnd(b1, b0);
        b2 = genUnset(C.IEEE80211_FC1_DIR_FROMDS, fc(1));
        b1 = genBcmp(cs, OffRel.LINKHDR, 10, e);
        b1 = genAnd(b2, b1);
        b0 = genOr(b1, b0);
      }
      b1 = genSet(C.IEEE80211_FC0_TYPE_DATA, fc(0));
      b0 = genAnd(b1, b0);
      b2 = genUnset(C.IEEE80211_FC0_TYPE_DATA, fc(0));
      b1 = genBcmp(cs, OffRel.LINKHDR, src ? 10 : 4, e);
      b1 = genAnd(b2, b1);
      b0 = genOr(b1, b0);
      b1 = genUnset(C.IEEE80211_FC0_TYPE_CTL, fc(0));
      return genAnd(b1, b0);
    }
    case C.Q_AND:
      return genAnd(genWlanhostop(cs, e, C.Q_SRC), genWlanhostop(cs, e, C.Q_DST));
    case C.Q_DEFAULT:
    case C.Q_OR:
      return genOr(genWlanhostop(cs, e, C.Q_SRC), genWlanhostop(cs, e, C.Q_DST));
    case C.Q_ADDR1:
      return genBcmp(cs, OffRel.LINKHDR, 4, e);
    case C.Q_ADDR2:
    case C.Q_TA: {
      b0 = genMcmpNe(cs, OffRel.LINKHDR, 0, BPF_B, C.IEEE80211_FC0_TYPE_CTL, C.IEEE80211_FC0_TYPE_MASK);
      b1 = genMcmpNe(cs, OffRel.LINKHDR, 0, BPF_B, C.IEEE80211_FC0_SUBTYPE_CTS, C.IEEE80211_FC0_SUBTYPE_MASK);
      b2 = genMcmpNe(cs, OffRel.LINKHDR, 0, BPF_B, C.IEEE80211_FC0_SUBTYPE_ACK, C.IEEE80211_FC0_SUBTYPE_MASK);
      b2 = genAnd(b1, b2);
      b2 = genOr(b0, b2);
      if (dir === C.Q_TA) {
        b1 = genSet(C.IEEE80211_FC0_TYPE_DATA, fc(0));
        b2 = genAnd(b1, b2);
      }
      b1 = genBcmp(cs, OffRel.LINKHDR, 10, e);
      return genAnd(b2, b1);
    }
    case C.Q_ADDR3:
      b0 = genMcmpNe(cs, OffRel.LINKHDR, 0, BPF_B, C.IEEE80211_FC0_TYPE_CTL, C.IEEE80211_FC0_TYPE_MASK);
      b1 = genBcmp(cs, OffRel.LINKHDR, 16, e);
      return genAnd(b0, b1);
    case C.Q_ADDR4:
      b0 = genMcmp(cs, OffRel.LINKHDR, 1, BPF_B, C.IEEE80211_FC1_DIR_DSTODS, C.IEEE80211_FC1_DIR_MASK);
      b1 = genBcmp(cs, OffRel.LINKHDR, 24, e);
      return genAnd(b0, b1);
    case C.Q_RA:
      b1 = genSet(C.IEEE80211_FC0_TYPE_DATA, fc(0));
      b0 = genBcmp(cs, OffRel.LINKHDR, 4, e);
      return genAnd(b1, b0);
  }
  return bpfError(`internal error in gen_wlanhostop(): dir == ${dir}`);
}

const MAC48_LINKTYPES = new Set<number>([
  DLT.EN10MB,
  DLT.FDDI,
  DLT.IEEE802,
  DLT.IEEE802_11,
  DLT.IEEE802_11_RADIO,
  DLT.IEEE802_11_RADIO_AVS,
  DLT.IP_OVER_FC,
  DLT.NETANALYZER,
  DLT.NETANALYZER_TRANSPARENT,
  DLT.DSA_TAG_BRCM,
  DLT.DSA_TAG_DSA,
  DLT.PPI,
  DLT.PRISM_HEADER,
]);
export const isMac48Linktype = (lt: number): boolean => MAC48_LINKTYPES.has(lt);

/** MAC-48 address tests on the link types that have such addresses (gen_mac48host). */
export function genMac48host(cs: CompilerState, e: Uint8Array, dir: number, keyword: string): Block {
  let b1: Block | null = null;
  let srcOff: number;
  let dstOff: number;
  switch (cs.linktype) {
    case DLT.EN10MB:
    case DLT.NETANALYZER:
    case DLT.NETANALYZER_TRANSPARENT:
    case DLT.DSA_TAG_BRCM:
    case DLT.DSA_TAG_DSA:
      b1 = genPrevlinkhdrCheck(cs);
      srcOff = 6;
      dstOff = 0;
      break;
    case DLT.FDDI:
      srcOff = 6 + 1 + cs.fddipad;
      dstOff = 1 + cs.fddipad;
      break;
    case DLT.IEEE802:
      srcOff = 8;
      dstOff = 2;
      break;
    case DLT.IEEE802_11:
    case DLT.PRISM_HEADER:
    case DLT.IEEE802_11_RADIO_AVS:
    case DLT.IEEE802_11_RADIO:
    case DLT.PPI:
      return genWlanhostop(cs, e, dir);
    case DLT.IP_OVER_FC:
      srcOff = 10;
      dstOff = 2;
      break;
    default:
      return failKwOnDlt(cs, keyword);
  }
  assertNonwlanDqual(dir);
  let b0: Block;
  switch (dir) {
    case C.Q_SRC:
      b0 = genBcmp(cs, OffRel.LINKHDR, srcOff, e);
      break;
    case C.Q_DST:
      b0 = genBcmp(cs, OffRel.LINKHDR, dstOff, e);
      break;
    case C.Q_AND:
      b0 = genAnd(genBcmp(cs, OffRel.LINKHDR, srcOff, e), genBcmp(cs, OffRel.LINKHDR, dstOff, e));
      break;
    default:
      b0 = genOr(genBcmp(cs, OffRel.LINKHDR, srcOff, e), genBcmp(cs, OffRel.LINKHDR, dstOff, e));
      break;
  }
  return b1 ? genAnd(b1, b0) : b0;
}

export function genMac48hostByname(cs: CompilerState, name: string, dir: number, context: string): Block {
  if (!isMac48Linktype(cs.linktype)) failKwOnDlt(cs, context);
  const e = cs.resolver.ether(name);
  if (!e) bpfError(`unknown Ethernet-like host '${name}'`);
  return genMac48host(cs, e, dir, context);
}

/** One-byte (ARCnet, MS/TP) address tests (gen_mac8host). */
export function genMac8host(cs: CompilerState, mac8: number, dir: number, context: string): Block {
  let srcOff: number;
  let dstOff: number;
  switch (cs.linktype) {
    case DLT.ARCNET:
    case DLT.ARCNET_LINUX:
      srcOff = 0;
      dstOff = 1;
      break;
    case DLT.BACNET_MS_TP:
      srcOff = 4;
      dstOff = 3;
      break;
    default:
      return failKwOnDlt(cs, context);
  }
  switch (dir) {
    case C.Q_SRC:
      return genCmp(cs, OffRel.LINKHDR, srcOff, BPF_B, mac8);
    case C.Q_DST:
      return genCmp(cs, OffRel.LINKHDR, dstOff, BPF_B, mac8);
    case C.Q_AND:
      return genAnd(genCmp(cs, OffRel.LINKHDR, srcOff, BPF_B, mac8), genCmp(cs, OffRel.LINKHDR, dstOff, BPF_B, mac8));
    case C.Q_DEFAULT:
    case C.Q_OR:
      return genOr(genCmp(cs, OffRel.LINKHDR, srcOff, BPF_B, mac8), genCmp(cs, OffRel.LINKHDR, dstOff, BPF_B, mac8));
    default:
      return bpfError(`internal error in gen_mac8host(): dir == '${C.dqkw(dir)}'`);
  }
}

/** DECnet address tests with 0 or 1 pad bytes, short and long headers (gen_dnhostop). */
export function genDnhostop(cs: CompilerState, addr: number, dir: number): Block {
  let offsetSh: number;
  let offsetLh: number;
  switch (dir) {
    case C.Q_DST:
      offsetSh = 1;
      offsetLh = 7;
      break;
    case C.Q_SRC:
      offsetSh = 3;
      offsetLh = 15;
      break;
    case C.Q_AND:
      return genAnd(genDnhostop(cs, addr, C.Q_SRC), genDnhostop(cs, addr, C.Q_DST));
    case C.Q_DEFAULT:
    case C.Q_OR:
      return genOr(genDnhostop(cs, addr, C.Q_SRC), genDnhostop(cs, addr, C.Q_DST));
    default:
      return bpfError(`internal error in gen_dnhostop(): dir == '${C.dqkw(dir)}'`);
  }
  const sw = swapShort(addr);
  let tmp = genMcmp(cs, OffRel.LINKPL, 2, BPF_H, 0x8106, 0xff07);
  let b1 = genCmp(cs, OffRel.LINKPL, 2 + 1 + offsetLh, BPF_H, sw);
  b1 = genAnd(tmp, b1);
  tmp = genMcmp(cs, OffRel.LINKPL, 2, BPF_B, 0x06, 0x07);
  let b2 = genCmp(cs, OffRel.LINKPL, 2 + offsetLh, BPF_H, sw);
  b2 = genAnd(tmp, b2);
  b1 = genOr(b2, b1);
  if (dir === C.Q_DST) {
    b2 = genMcmp(cs, OffRel.LINKPL, 2, BPF_W, (0x81020000 | sw) >>> 0, 0xff07ffff);
  } else {
    tmp = genMcmp(cs, OffRel.LINKPL, 2, BPF_H, 0x8102, 0xff07);
    b2 = genCmp(cs, OffRel.LINKPL, 2 + 1 + offsetSh, BPF_H, sw);
    b2 = genAnd(tmp, b2);
  }
  b1 = genOr(b2, b1);
  if (dir === C.Q_DST) {
    b2 = genMcmp(cs, OffRel.LINKPL, 2, BPF_W, (0x02000000 | (sw << 8)) >>> 0, 0x07ffff00);
  } else {
    tmp = genMcmp(cs, OffRel.LINKPL, 2, BPF_B, 0x02, 0x07);
    b2 = genCmp(cs, OffRel.LINKPL, 2 + offsetSh, BPF_H, sw);
    b2 = genAnd(tmp, b2);
  }
  return genOr(b2, b1);
}

/** "gateway NAME": Ethernet host NAME and not IPv4 host NAME (gen_gateway). */
export function genGateway(cs: CompilerState, name: string, proto: number): Block {
  if (proto !== C.Q_DEFAULT && proto !== C.Q_IP && proto !== C.Q_ARP && proto !== C.Q_RARP)
    invalidQual(C.pqkw(proto), 'gateway');
  if (cs.labelStackDepth) bpfError(`'gateway' cannot be used within MPLS`);
  if (cs.isEncap) bpfError(`'gateway' cannot be used within VXLAN or Geneve`);
  const b0 = genMac48hostByname(cs, name, C.Q_OR, 'gateway');
  const b1 = genHost46Byname(cs, name, proto, C.Q_IP, C.Q_OR, true);
  return genAnd(b0, b1);
}

export { assertMaxval };
