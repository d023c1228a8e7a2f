/**
 * Link-layer protocol tests (gencode.c's gen_linktype and helpers): match a packet type given as an EtherType
 * (> 1500) or an LLC SAP (<= 1500), in the way each link-layer header type encodes it.
 */
import * as C from './consts.js';
import { DLT, dltDescribe } from './dlt.js';
import {
  assertMaxval,
  bpfError,
  genAnd,
  genBcmp,
  genCmp,
  genCmpLe,
  genCmpNe,
  genFalse,
  genJmpX,
  genLoadA,
  genMcmp,
  genNot,
  genOr,
  genSet,
  genTrue,
  OffRel,
  sappend,
  stmt,
  swapLong,
} from './gen-core.js';
import { BPF_B, BPF_H, BPF_JEQ, BPF_LD, BPF_LDX, BPF_MEM, BPF_W } from './insn.js';
import { type Block, IS_UNCERTAIN } from './ir.js';
import type { CompilerState } from './state.js';

export function failKwOnDlt(cs: CompilerState, keyword: string): never {
  return bpfError(`'${keyword}' not supported on ${dltDescribe(cs.linktype)}`);
}

/** Match the IP version nibble (gen_ip_version). */
export function genIpVersion(cs: CompilerState, offrel: OffRel, ver: number): Block {
  return genMcmp(cs, offrel, 0, BPF_B, ver << 4, 0xf0);
}

/** An LLC SNAP header with the given OUI and protocol type (gen_snap). */
export function genSnap(cs: CompilerState, orgcode: number, ptype: number): Block {
  const snap = new Uint8Array([
    C.LLCSAP_SNAP,
    C.LLCSAP_SNAP,
    0x03,
    (orgcode >>> 16) & 0xff,
    (orgcode >>> 8) & 0xff,
    orgcode & 0xff,
    (ptype >>> 8) & 0xff,
    ptype & 0xff,
  ]);
  return genBcmp(cs, OffRel.LLC, 0, snap);
}

function genEtherLinktype(cs: CompilerState, llProto: number): Block {
  let b0: Block;
  let b1: Block;
  switch (llProto) {
    case C.LLCSAP_ISONS:
    case C.LLCSAP_IP:
    case C.LLCSAP_NETBEUI:
      b0 = genCmpLe(cs, OffRel.LINKTYPE, 0, BPF_H, C.ETHERMTU);
      b1 = genCmp(cs, OffRel.LLC, 0, BPF_H, (llProto << 8) | llProto);
      return genAnd(b0, b1);
    case C.LLCSAP_IPX:
      b0 = genCmp(cs, OffRel.LLC, 0, BPF_B, C.LLCSAP_IPX);
      b1 = genCmp(cs, OffRel.LLC, 0, BPF_H, 0xffff);
      b1 = genOr(b0, b1);
      b0 = genSnap(cs, 0x000000, C.ETHERTYPE_IPX);
      b1 = genOr(b0, b1);
      b0 = genCmpLe(cs, OffRel.LINKTYPE, 0, BPF_H, C.ETHERMTU);
      b1 = genAnd(b0, b1);
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.ETHERTYPE_IPX);
      return genOr(b0, b1);
    case C.ETHERTYPE_ATALK:
    case C.ETHERTYPE_AARP:
      b0 = genCmpLe(cs, OffRel.LINKTYPE, 0, BPF_H, C.ETHERMTU);
      b1 =
        llProto === C.ETHERTYPE_ATALK
          ? genSnap(cs, 0x080007, C.ETHERTYPE_ATALK)
          : genSnap(cs, 0x000000, C.ETHERTYPE_AARP);
      b1 = genAnd(b0, b1);
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, llProto);
      return genOr(b0, b1);
    default:
      if (llProto <= C.ETHERMTU) {
        assertMaxval('LLC DSAP', llProto, 255);
        b0 = genCmpLe(cs, OffRel.LINKTYPE, 0, BPF_H, C.ETHERMTU);
        b1 = genCmp(cs, OffRel.LINKTYPE, 2, BPF_B, llProto);
        return genAnd(b0, b1);
      }
      assertMaxval('EtherType', llProto, 0xffff);
      return genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, llProto);
  }
}

/**
 * Compare the 32-bit AF_ value of DLT_NULL/DLT_ENC/DLT_LOOP headers (gen_loopback_linktype). DLT_NULL and
 * DLT_ENC carry it in the capturing host's byte order: `hostOrder` says how to present `af` to the (big-endian)
 * load: 'le' swaps it (a little-endian host), 'be' keeps it.
 */
function genLoopbackLinktype(cs: CompilerState, af: number, hostOrder: 'le' | 'be'): Block {
  if ((cs.linktype === DLT.NULL || cs.linktype === DLT.ENC) && hostOrder === 'le') af = swapLong(af);
  return genCmp(cs, OffRel.LINKHDR, 0, BPF_W, af);
}

/** The AF_INET6 values of the BSDs (NetBSD/OpenBSD/BSD/OS, FreeBSD, Darwin) in libpcap's test order. */
const BSD_AF_INET6 = [24, 28, 30] as const;

/** Match IPv4 or IPv6 by an AF_ value field, with `cmp` comparing one value (the DLT_NULL/LOOP/ENC/PFLOG case). */
function genAfLinktype(cs: CompilerState, llProto: number, cmp: (af: number) => Block): Block {
  if (llProto === C.ETHERTYPE_IP) return cmp(C.AF_INET);
  if (llProto !== C.ETHERTYPE_IPV6) return genFalse();
  if (cs.source === 'live') return cmp(C.AF_INET6_LINUX);
  // A savefile may come from any OS: check all the BSD values of AF_INET6.
  let b1 = genOr(cmp(BSD_AF_INET6[0]), cmp(BSD_AF_INET6[1]));
  b1 = genOr(cmp(BSD_AF_INET6[2]), b1);
  return b1;
}

function genIpnetLinktype(cs: CompilerState, llProto: number): Block {
  if (llProto === C.ETHERTYPE_IP) return genCmp(cs, OffRel.LINKTYPE, 0, BPF_B, C.IPH_AF_INET);
  if (llProto === C.ETHERTYPE_IPV6) return genCmp(cs, OffRel.LINKTYPE, 0, BPF_B, C.IPH_AF_INET6);
  return genFalse();
}

function genLinuxSllLinktype(cs: CompilerState, llProto: number): Block {
  let b0: Block;
  let b1: Block;
  switch (llProto) {
    case C.LLCSAP_ISONS:
    case C.LLCSAP_IP:
    case C.LLCSAP_NETBEUI:
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.LINUX_SLL_P_802_2);
      b1 = genCmp(cs, OffRel.LLC, 0, BPF_H, (llProto << 8) | llProto);
      return genAnd(b0, b1);
    case C.LLCSAP_IPX:
      b0 = genCmp(cs, OffRel.LLC, 0, BPF_B, C.LLCSAP_IPX);
      b1 = genSnap(cs, 0x000000, C.ETHERTYPE_IPX);
      b1 = genOr(b0, b1);
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.LINUX_SLL_P_802_2);
      b1 = genAnd(b0, b1);
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.LINUX_SLL_P_802_3);
      b1 = genOr(b0, b1);
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.ETHERTYPE_IPX);
      return genOr(b0, b1);
    case C.ETHERTYPE_ATALK:
    case C.ETHERTYPE_AARP:
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.LINUX_SLL_P_802_2);
      b1 =
        llProto === C.ETHERTYPE_ATALK
          ? genSnap(cs, 0x080007, C.ETHERTYPE_ATALK)
          : genSnap(cs, 0x000000, C.ETHERTYPE_AARP);
      b1 = genAnd(b0, b1);
      b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, llProto);
      return genOr(b0, b1);
    default:
      if (llProto <= C.ETHERMTU) {
        assertMaxval('LLC DSAP', llProto, 255);
        b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.LINUX_SLL_P_802_2);
        b1 = genCmp(cs, OffRel.LINKHDR, cs.offLinkpl.constantPart, BPF_B, llProto);
        return genAnd(b0, b1);
      }
      assertMaxval('EtherType', llProto, 0xffff);
      return genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, llProto);
  }
}

/** Check that an encapsulated frame has a link-layer header (gen_encap_ll_check). */
function genEncapLlCheck(cs: CompilerState): Block {
  const s = stmt(BPF_LD | BPF_MEM, cs.offLinkhdr.reg);
  sappend(s, stmt(BPF_LDX | BPF_MEM, cs.offLinkpl.reg));
  return genNot(genJmpX(BPF_JEQ, s));
}

/** Tests an encapsulated link-layer header needs (gen_prevlinkhdr_check). */
export function genPrevlinkhdrCheck(cs: CompilerState): Block | null {
  if (cs.isEncap) return genEncapLlCheck(cs);
  if (cs.prevlinktype === DLT.SUNATM) return genCmpNe(cs, OffRel.PREVLINKHDR, 4, BPF_H, 0xff00);
  return null;
}

function ethertypeToPpptype(llProto: number): number {
  switch (llProto) {
    case C.ETHERTYPE_IP:
      return C.PPP_IP;
    case C.ETHERTYPE_IPV6:
      return C.PPP_IPV6;
    case C.ETHERTYPE_DN:
      return C.PPP_DECNET;
    case C.ETHERTYPE_ATALK:
      return C.PPP_APPLE;
    case C.ETHERTYPE_NS:
      return C.PPP_NS;
    case C.LLCSAP_ISONS:
      return C.PPP_OSI;
    case C.LLCSAP_8021D:
      return C.PPP_BRPDU;
    case C.LLCSAP_IPX:
      return C.PPP_IPX;
  }
  assertMaxval('PPP protocol', llProto, 0xffff);
  return llProto;
}

/** Match a protocol on link types that use 802.2 LLC headers (gen_llc_linktype). */
function genLlcLinktype(cs: CompilerState, llProto: number): Block {
  switch (llProto) {
    case C.LLCSAP_IP:
    case C.LLCSAP_ISONS:
    case C.LLCSAP_NETBEUI:
      return genCmp(cs, OffRel.LLC, 0, BPF_H, (llProto << 8) | llProto);
    case C.LLCSAP_IPX:
      return genCmp(cs, OffRel.LLC, 0, BPF_B, C.LLCSAP_IPX);
    case C.ETHERTYPE_ATALK:
      return genSnap(cs, 0x080007, C.ETHERTYPE_ATALK);
    default:
      if (llProto <= C.ETHERMTU) {
        assertMaxval('LLC DSAP', llProto, 255);
        return genCmp(cs, OffRel.LLC, 0, BPF_B, llProto);
      }
      assertMaxval('EtherType', llProto, 0xffff);
      return genCmp(cs, OffRel.LLC, 6, BPF_H, llProto);
  }
}

/** The MPLS bottom-of-stack bit of the last label (gen_just_after_mpls_stack). */
export function genJustAfterMplsStack(cs: CompilerState): Block {
  return genSet(0x01, genLoadA(cs, OffRel.PREVMPLSHDR, 2, BPF_B));
}

function genMplsLinktype(cs: CompilerState, llProto: number): Block {
  if (llProto === C.ETHERTYPE_IP || llProto === C.ETHERTYPE_IPV6) {
    const b0 = genJustAfterMplsStack(cs);
    const b1 = genIpVersion(cs, OffRel.LINKPL, llProto === C.ETHERTYPE_IP ? 4 : 6);
    return genAnd(b0, b1);
  }
  return bpfError('unsupported protocol over mpls');
}

/** The SunATM protocol-type nibble (gen_atm_prototype). */
export function genAtmPrototype(cs: CompilerState, v: number): Block {
  return genMcmp(cs, OffRel.LINKHDR, cs.offProto, BPF_B, v, 0x0f);
}

const JUNIPER = new Set<number>([
  DLT.JUNIPER_MFR,
  DLT.JUNIPER_MLFR,
  DLT.JUNIPER_MLPPP,
  DLT.JUNIPER_ATM1,
  DLT.JUNIPER_ATM2,
  DLT.JUNIPER_PPPOE,
  DLT.JUNIPER_PPPOE_ATM,
  DLT.JUNIPER_GGSN,
  DLT.JUNIPER_ES,
  DLT.JUNIPER_MONITOR,
  DLT.JUNIPER_SERVICES,
  DLT.JUNIPER_ETHER,
  DLT.JUNIPER_PPP,
  DLT.JUNIPER_FRELAY,
  DLT.JUNIPER_CHDLC,
  DLT.JUNIPER_VP,
  DLT.JUNIPER_ST,
  DLT.JUNIPER_ISM,
  DLT.JUNIPER_VS,
  DLT.JUNIPER_SRX_E2E,
  DLT.JUNIPER_FIBRECHANNEL,
  DLT.JUNIPER_ATM_CEMIC,
]);
export const isJuniper = (linktype: number): boolean => JUNIPER.has(linktype);

/** Match the packet type `llProto` (an EtherType, or an LLC SAP if <= 1500) (gen_linktype). */
export function genLinktype(cs: CompilerState, llProto: number): Block {
  if (cs.labelStackDepth > 0) return genMplsLinktype(cs, llProto);
  let b0: Block | null;
  let b1: Block;
  switch (cs.linktype) {
    case DLT.EN10MB:
    case DLT.NETANALYZER:
    case DLT.NETANALYZER_TRANSPARENT:
    case DLT.DSA_TAG_BRCM:
    case DLT.DSA_TAG_DSA:
      b0 = !cs.isEncap ? genPrevlinkhdrCheck(cs) : null;
      b1 = genEtherLinktype(cs, llProto);
      return b0 ? genAnd(b0, b1) : b1;
    case DLT.C_HDLC:
      assertMaxval('HDLC protocol', llProto, 0xffff);
      if (llProto === C.LLCSAP_ISONS) llProto = (llProto << 8) | C.LLCSAP_ISONS;
      return genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, llProto);
    case DLT.IEEE802_11:
    case DLT.PRISM_HEADER:
    case DLT.IEEE802_11_RADIO_AVS:
    case DLT.IEEE802_11_RADIO:
    case DLT.PPI:
      b0 = genMcmp(cs, OffRel.LINKHDR, 0, BPF_B, C.IEEE80211_FC0_TYPE_DATA, C.IEEE80211_FC0_TYPE_MASK);
      b1 = genLlcLinktype(cs, llProto);
      return genAnd(b0, b1);
    case DLT.FDDI:
    case DLT.IEEE802:
    case DLT.ATM_RFC1483:
    case DLT.ATM_CLIP:
    case DLT.IP_OVER_FC:
      return genLlcLinktype(cs, llProto);
    case DLT.SUNATM:
      b0 = genAtmPrototype(cs, 0x02);
      b1 = genLlcLinktype(cs, llProto);
      return genAnd(b0, b1);
    case DLT.LINUX_SLL:
      return genLinuxSllLinktype(cs, llProto);
    case DLT.SLIP:
    case DLT.SLIP_BSDOS:
    case DLT.RAW:
      if (llProto === C.ETHERTYPE_IP) return genIpVersion(cs, OffRel.LINKHDR, 4);
      if (llProto === C.ETHERTYPE_IPV6) return genIpVersion(cs, OffRel.LINKHDR, 6);
      return genFalse();
    case DLT.IPV4:
      return llProto === C.ETHERTYPE_IP ? genTrue() : genFalse();
    case DLT.IPV6:
      return llProto === C.ETHERTYPE_IPV6 ? genTrue() : genFalse();
    case DLT.PPP:
    case DLT.PPP_PPPD:
    case DLT.PPP_SERIAL:
    case DLT.PPP_ETHER:
      return genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, ethertypeToPpptype(llProto));
    case DLT.PPP_BSDOS:
      if (llProto === C.ETHERTYPE_IP) {
        b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.PPP_IP);
        b1 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.PPP_VJC);
        b1 = genOr(b0, b1);
        b0 = genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, C.PPP_VJNC);
        return genOr(b1, b0);
      }
      return genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, ethertypeToPpptype(llProto));
    case DLT.NULL:
    case DLT.LOOP:
    case DLT.ENC: {
      if (cs.source === 'live' || cs.linktype === DLT.LOOP)
        return genAfLinktype(cs, llProto, (af) => genLoopbackLinktype(cs, af, 'le'));
      // A savefile: its header says which byte order it has, but test both, the file's own order first.
      const first = cs.source === 'swapped' ? 'le' : 'be';
      const second = first === 'le' ? 'be' : 'le';
      const b = genAfLinktype(cs, llProto, (af) => genLoopbackLinktype(cs, af, first));
      if (b.meaning !== IS_UNCERTAIN) return b;
      return genOr(
        b,
        genAfLinktype(cs, llProto, (af) => genLoopbackLinktype(cs, af, second)),
      );
    }
    case DLT.PFLOG:
      return genAfLinktype(cs, llProto, (af) => genCmp(cs, OffRel.LINKHDR, C.PFLOG_AF, BPF_B, af));
    case DLT.ARCNET:
    case DLT.ARCNET_LINUX:
      switch (llProto) {
        case C.ETHERTYPE_IPV6:
          return genCmp(cs, OffRel.LINKTYPE, 0, BPF_B, 0xc4);
        case C.ETHERTYPE_IP:
          return genCmp(cs, OffRel.LINKTYPE, 0, BPF_B, 212);
        case C.ETHERTYPE_ARP:
          return genCmp(cs, OffRel.LINKTYPE, 0, BPF_B, 213);
        case C.ETHERTYPE_REVARP:
          return genCmp(cs, OffRel.LINKTYPE, 0, BPF_B, 214);
        case C.ETHERTYPE_ATALK:
          return genCmp(cs, OffRel.LINKTYPE, 0, BPF_B, 221);
        default:
          return genFalse();
      }
    case DLT.LTALK:
      return llProto === C.ETHERTYPE_ATALK ? genTrue() : genFalse();
    case DLT.FRELAY:
      switch (llProto) {
        case C.ETHERTYPE_IP:
          return genCmp(cs, OffRel.LINKHDR, 2, BPF_H, (0x03 << 8) | 0xcc);
        case C.ETHERTYPE_IPV6:
          return genCmp(cs, OffRel.LINKHDR, 2, BPF_H, (0x03 << 8) | 0x8e);
        case C.LLCSAP_ISONS: {
          const c0 = genCmp(cs, OffRel.LINKHDR, 2, BPF_H, (0x03 << 8) | C.ISO8473_CLNP);
          const c1 = genCmp(cs, OffRel.LINKHDR, 2, BPF_H, (0x03 << 8) | C.ISO9542_ESIS);
          let c2 = genCmp(cs, OffRel.LINKHDR, 2, BPF_H, (0x03 << 8) | C.ISO10589_ISIS);
          c2 = genOr(c1, c2);
          return genOr(c0, c2);
        }
        default:
          return genFalse();
      }
    case DLT.MFR:
      break;
    case DLT.IPNET:
      return genIpnetLinktype(cs, llProto);
    default:
      if (isJuniper(cs.linktype)) return genMcmp(cs, OffRel.LINKHDR, 0, BPF_W, 0x4d474300, 0xffffff00);
      if (cs.offLinktype.constantPart !== 0xffffffff) {
        assertMaxval('EtherType', llProto, 0xffff);
        return genCmp(cs, OffRel.LINKTYPE, 0, BPF_H, llProto);
      }
  }
  return bpfError(`link-layer type filtering not implemented for ${dltDescribe(cs.linktype)}`);
}
