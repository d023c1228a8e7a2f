/**
 * The remaining primitives (gencode.c): packet-data arithmetic and relations, length tests, broadcast and
 * multicast, direction and interface metadata, pflog fields, 802.11 type/direction, LLC frame kinds.
 */
import * as C from './consts.js';
import { DLT } from './dlt.js';
import {
  allocReg,
  assertMaxval,
  bpfError,
  freeReg,
  genAbsOffsetVarpart,
  genAnd,
  genBcmp,
  genCmp,
  genCmpGt,
  genCmpLt,
  genCmpNe,
  genJmpK,
  genJmpX,
  genLoadA,
  genLoadAbsoffsetrel,
  genLoadxIphdrlen,
  genMcmp,
  genNot,
  genOr,
  genSet,
  genTrue,
  genUnset,
  IP6_HDRLEN,
  OffRel,
  sappend,
  stmt,
} from './gen-core.js';
import { genMac8host, genMac48host } from './gen-host.js';
import { failKwOnDlt, genAtmPrototype, genLinktype, genPrevlinkhdrCheck, isJuniper } from './gen-link.js';
import { genIp6Proto, genIpfrag, genIpProto, genProtoAbbrev, pqToIpproto } from './gen-proto.js';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MOD,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_ST,
  BPF_TAX,
  BPF_W,
  BPF_X,
} from './insn.js';
import type { Arth, Block, Slist } from './ir.js';
import type { CompilerState } from './state.js';

const xferToX = (a: Arth): Slist => stmt(BPF_LDX | BPF_MEM, a.regno);
const xferToA = (a: Arth): Slist => stmt(BPF_LD | BPF_MEM, a.regno);

/** `proto[inst : size]` (gen_load). */
export function genLoad(cs: CompilerState, proto: number, inst: Arth, size: number): Arth {
  const regno = allocReg(cs);
  freeReg(cs, inst.regno);
  let sizeCode: number;
  switch (size) {
    case 1:
      sizeCode = BPF_B;
      break;
    case 2:
      sizeCode = BPF_H;
      break;
    case 4:
      sizeCode = BPF_W;
      break;
    default:
      return bpfError('data size must be 1, 2, or 4');
  }
  let b: Block | null = null;
  let s: Slist | null = null;
  let constpart = 0;
  switch (proto) {
    case C.Q_RADIO:
      if (
        cs.linktype !== DLT.IEEE802_11_RADIO_AVS &&
        cs.linktype !== DLT.IEEE802_11_RADIO &&
        cs.linktype !== DLT.PRISM_HEADER
      )
        bpfError('radio information not present in capture');
      break;
    case C.Q_LINK:
      s = genAbsOffsetVarpart(cs, cs.offLinkhdr);
      constpart = cs.offLinkhdr.constantPart;
      break;
    case C.Q_IP:
    case C.Q_ARP:
    case C.Q_RARP:
    case C.Q_ATALK:
    case C.Q_DECNET:
    case C.Q_SCA:
    case C.Q_LAT:
    case C.Q_MOPRC:
    case C.Q_MOPDL:
    case C.Q_IPV6:
      s = genAbsOffsetVarpart(cs, cs.offLinkpl);
      constpart = cs.offLinkpl.constantPart + cs.offNl;
      b = genProtoAbbrev(cs, proto);
      break;
    case C.Q_SCTP:
    case C.Q_TCP:
    case C.Q_UDP:
    case C.Q_ICMP:
    case C.Q_IGMP:
    case C.Q_IGRP:
    case C.Q_PIM:
    case C.Q_VRRP:
    case C.Q_CARP:
      s = genLoadxIphdrlen(cs);
      constpart = cs.offLinkpl.constantPart + cs.offNl;
      b = genProtoAbbrev(cs, C.Q_IP);
      b = genAnd(b, genIpProto(cs, pqToIpproto(proto)));
      b = genAnd(b, genIpfrag(cs));
      break;
    case C.Q_ICMPV6:
      b = genProtoAbbrev(cs, C.Q_IPV6);
      b = genAnd(b, genIp6Proto(cs, C.IPPROTO_ICMPV6));
      s = genAbsOffsetVarpart(cs, cs.offLinkpl);
      constpart = cs.offLinkpl.constantPart + cs.offNl + IP6_HDRLEN;
      break;
    default:
      return bpfError(`'${C.pqkw(proto)}' does not support the index operation`);
  }
  if (b) inst.b = inst.b ? genAnd(inst.b, b) : b;
  // gen_load_absoffsetarthrel
  if (!s) s = xferToX(inst);
  else {
    sappend(s, xferToA(inst));
    sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_X));
    sappend(s, stmt(BPF_MISC | BPF_TAX));
  }
  sappend(inst.s!, genLoadAbsoffsetrel(s, constpart >>> 0, sizeCode));
  inst.regno = regno;
  sappend(inst.s!, stmt(BPF_ST, regno));
  return inst;
}

/** `a0 relop a1` (gen_relation). */
export function genRelation(cs: CompilerState, code: number, a0: Arth, a1: Arth, reversed: boolean): Block {
  const s0 = xferToX(a1);
  const s1 = xferToA(a0);
  sappend(s0, s1);
  sappend(a1.s!, s0);
  sappend(a0.s!, a1.s);
  let b = genJmpX(code, a0.s);
  if (reversed) genNot(b);
  freeReg(cs, a0.regno);
  freeReg(cs, a1.regno);
  if (a0.b) b = genAnd(a0.b, b);
  if (a1.b) b = genAnd(a1.b, b);
  return b;
}

export function genLoadlen(cs: CompilerState): Arth {
  const regno = allocReg(cs);
  const s = stmt(BPF_LD | BPF_LEN);
  s.next = stmt(BPF_ST, regno);
  return { b: null, s, regno };
}

export function genLoadi(cs: CompilerState, val: number): Arth {
  const reg = allocReg(cs);
  const s = stmt(BPF_LD | BPF_IMM, val);
  s.next = stmt(BPF_ST, reg);
  return { b: null, s, regno: reg };
}

export function genNeg(_cs: CompilerState, a: Arth): Arth {
  sappend(a.s!, xferToA(a));
  sappend(a.s!, stmt(BPF_ALU | BPF_NEG, 0));
  sappend(a.s!, stmt(BPF_ST, a.regno));
  return a;
}

export function genArth(cs: CompilerState, code: number, a0: Arth, a1: Arth): Arth {
  const imm0 = a1.s!.s.code === (BPF_LD | BPF_IMM) && a1.s!.s.k === 0;
  if (code === BPF_DIV && imm0) bpfError('division by zero');
  if (code === BPF_MOD && imm0) bpfError('modulus by zero');
  if ((code === BPF_LSH || code === BPF_RSH) && a1.s!.s.code === (BPF_LD | BPF_IMM) && a1.s!.s.k > 31)
    bpfError('shift by more than 31 bits');
  const s0 = xferToX(a1);
  const s1 = xferToA(a0);
  const s2 = stmt(BPF_ALU | BPF_X | code);
  sappend(s1, s2);
  sappend(s0, s1);
  sappend(a1.s!, s0);
  sappend(a0.s!, a1.s);
  freeReg(cs, a0.regno);
  freeReg(cs, a1.regno);
  const st = stmt(BPF_ST);
  a0.regno = allocReg(cs);
  st.s.k = a0.regno;
  sappend(a0.s!, st);
  return a0;
}

const genLen = (jmp: number, n: number): Block => genJmpK(jmp, n, stmt(BPF_LD | BPF_LEN));
export const genGreater = (n: number): Block => genLen(BPF_JGE, n);
export const genLess = (n: number): Block => genNot(genLen(BPF_JGT, n));

/** "byte IDX OP VAL" (gen_byteop). */
export function genByteop(cs: CompilerState, op: string, idx: number, val: number): Block {
  assertMaxval('byte argument', val, 255);
  let s: Slist;
  switch (op) {
    case '=':
      return genCmp(cs, OffRel.LINKHDR, idx, BPF_B, val);
    case '<':
      return genCmpLt(cs, OffRel.LINKHDR, idx, BPF_B, val);
    case '>':
      return genCmpGt(cs, OffRel.LINKHDR, idx, BPF_B, val);
    case '|':
      s = stmt(BPF_ALU | BPF_OR | BPF_K, val);
      break;
    default:
      s = stmt(BPF_ALU | BPF_AND | BPF_K, val);
      break;
  }
  const s0 = genLoadA(cs, OffRel.LINKHDR, idx, BPF_B);
  sappend(s0, s);
  return genNot(genJmpK(BPF_JEQ, 0, s0));
}

const EBROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function genBroadcast(cs: CompilerState, proto: number): Block {
  switch (proto) {
    case C.Q_DEFAULT:
    case C.Q_LINK:
      if (cs.linktype === DLT.ARCNET || cs.linktype === DLT.ARCNET_LINUX)
        return genMac8host(cs, 0, C.Q_DST, 'broadcast');
      if (cs.linktype === DLT.BACNET_MS_TP) return genMac8host(cs, 0xff, C.Q_DST, 'broadcast');
      return genMac48host(cs, EBROADCAST, C.Q_DST, 'broadcast');
    case C.Q_IP: {
      if (cs.netmask === C.PCAP_NETMASK_UNKNOWN) bpfError(`netmask not known, so 'ip broadcast' not supported`);
      const b0 = genLinktype(cs, C.ETHERTYPE_IP);
      const hostmask = ~cs.netmask >>> 0;
      const b1 = genMcmp(cs, OffRel.LINKPL, 16, BPF_W, 0, hostmask);
      const b2 = genMcmp(cs, OffRel.LINKPL, 16, BPF_W, hostmask, hostmask);
      return genAnd(b0, genOr(b1, b2));
    }
  }
  return bpfError(`'${C.pqkw(proto)}' is not a valid qualifier for 'broadcast'`);
}

const genMacMulticast = (cs: CompilerState, offset: number): Block =>
  genSet(1, genLoadA(cs, OffRel.LINKHDR, offset, BPF_B));

export function genMulticast(cs: CompilerState, proto: number): Block {
  switch (proto) {
    case C.Q_DEFAULT:
    case C.Q_LINK:
      switch (cs.linktype) {
        case DLT.ARCNET:
        case DLT.ARCNET_LINUX:
          return genMac8host(cs, 0, C.Q_DST, 'multicast');
        case DLT.EN10MB:
        case DLT.NETANALYZER:
        case DLT.NETANALYZER_TRANSPARENT:
        case DLT.DSA_TAG_BRCM:
        case DLT.DSA_TAG_DSA: {
          const b1 = genPrevlinkhdrCheck(cs);
          const b0 = genMacMulticast(cs, 0);
          return b1 ? genAnd(b1, b0) : b0;
        }
        case DLT.FDDI:
          return genMacMulticast(cs, 1);
        case DLT.IEEE802:
          return genMacMulticast(cs, 2);
        case DLT.IEEE802_11:
        case DLT.PRISM_HEADER:
        case DLT.IEEE802_11_RADIO_AVS:
        case DLT.IEEE802_11_RADIO:
        case DLT.PPI: {
          const fc = (off: number): Slist => genLoadA(cs, OffRel.LINKHDR, off, BPF_B);
          let b1 = genSet(C.IEEE80211_FC1_DIR_TODS, fc(1));
          let b0 = genMacMulticast(cs, 16);
          b0 = genAnd(b1, b0);
          let b2 = genUnset(C.IEEE80211_FC1_DIR_TODS, fc(1));
          b1 = genMacMulticast(cs, 4);
          b1 = genAnd(b2, b1);
          b0 = genOr(b1, b0);
          b1 = genSet(C.IEEE80211_FC0_TYPE_DATA, fc(0));
          b0 = genAnd(b1, b0);
          b2 = genUnset(C.IEEE80211_FC0_TYPE_DATA, fc(0));
          b1 = genMacMulticast(cs, 4);
          b1 = genAnd(b2, b1);
          b0 = genOr(b1, b0);
          b1 = genUnset(C.IEEE80211_FC0_TYPE_CTL, fc(0));
          return genAnd(b1, b0);
        }
        case DLT.IP_OVER_FC:
          return genMacMulticast(cs, 2);
      }
      return failKwOnDlt(cs, 'multicast');
    case C.Q_IP: {
      const b0 = genLinktype(cs, C.ETHERTYPE_IP);
      const b1 = genMcmp(cs, OffRel.LINKPL, 16, BPF_B, 0xe0, 0xf0);
      return genAnd(b0, b1);
    }
    case C.Q_IPV6: {
      const b0 = genLinktype(cs, C.ETHERTYPE_IPV6);
      const b1 = genCmp(cs, OffRel.LINKPL, 24, BPF_B, 255);
      return genAnd(b0, b1);
    }
  }
  return bpfError(`'${C.pqkw(proto)}' is not a valid qualifier for 'multicast'`);
}

function requireBasicBpfExtensions(cs: CompilerState, keyword: string): void {
  if (!cs.linuxExt) bpfError(`not a live capture, '${keyword}' not supported on ${dltDescribeOf(cs)}`);
}

import { dltDescribe } from './dlt.js';

const dltDescribeOf = (cs: CompilerState): string => dltDescribe(cs.linktype);

export function genIfindex(cs: CompilerState, ifindex: number): Block {
  if (cs.linktype === DLT.LINUX_SLL2) return genCmp(cs, OffRel.LINKHDR, 4, BPF_W, ifindex);
  requireBasicBpfExtensions(cs, 'ifindex');
  return genCmp(cs, OffRel.LINKHDR, (C.SKF_AD_OFF + C.SKF_AD_IFINDEX) >>> 0, BPF_W, ifindex);
}

export function genInboundOutbound(cs: CompilerState, outbound: boolean): Block {
  let b0: Block;
  switch (cs.linktype) {
    case DLT.SLIP:
      return genCmp(cs, OffRel.LINKHDR, 0, BPF_B, outbound ? 1 : 0);
    case DLT.IPNET:
      return genCmp(cs, OffRel.LINKHDR, 2, BPF_H, outbound ? C.IPNET_OUTBOUND : C.IPNET_INBOUND);
    case DLT.LINUX_SLL:
      b0 = genCmp(cs, OffRel.LINKHDR, 0, BPF_H, C.LINUX_SLL_OUTGOING);
      return outbound ? b0 : genNot(b0);
    case DLT.LINUX_SLL2:
      b0 = genCmp(cs, OffRel.LINKHDR, 10, BPF_B, C.LINUX_SLL_OUTGOING);
      return outbound ? b0 : genNot(b0);
    case DLT.PFLOG:
      return genCmp(cs, OffRel.LINKHDR, C.PFLOG_DIR, BPF_B, outbound ? C.PF_OUT : C.PF_IN);
    case DLT.PPP_PPPD:
      return genCmp(cs, OffRel.LINKHDR, 0, BPF_B, outbound ? C.PPP_PPPD_OUT : C.PPP_PPPD_IN);
    case DLT.DSA_TAG_BRCM:
      return genMcmp(cs, OffRel.LINKHDR, 12, BPF_B, outbound ? 0x20 : 0x00, 0xe0);
    case DLT.DSA_TAG_DSA:
      return genMcmp(cs, OffRel.LINKHDR, 12, BPF_B, outbound ? 0x40 : 0x00, outbound ? 0xc0 : 0x40);
  }
  if (isJuniper(cs.linktype)) return genMcmp(cs, OffRel.LINKHDR, 3, BPF_B, outbound ? 0 : 1, 0x01);
  requireBasicBpfExtensions(cs, outbound ? 'outbound' : 'inbound');
  b0 = genCmp(cs, OffRel.LINKHDR, (C.SKF_AD_OFF + C.SKF_AD_PKTTYPE) >>> 0, BPF_H, C.PACKET_OUTGOING);
  return outbound ? b0 : genNot(b0);
}

function assertPflog(cs: CompilerState, kw: string): void {
  if (cs.linktype !== DLT.PFLOG) bpfError(`'${kw}' supported only on PFLOG linktype`);
}

export function genPfIfname(cs: CompilerState, ifname: string): Block {
  assertPflog(cs, 'ifname');
  if (ifname.length >= C.PFLOG_IFNAME_LEN)
    bpfError(`ifname interface names can only be ${C.PFLOG_IFNAME_LEN - 1} characters`);
  return genBcmp(cs, OffRel.LINKHDR, C.PFLOG_IFNAME, new TextEncoder().encode(ifname));
}

export function genPfRuleset(cs: CompilerState, ruleset: string): Block {
  assertPflog(cs, 'ruleset');
  if (ruleset.length >= C.PFLOG_RULESET_LEN)
    bpfError(`ruleset names can only be ${C.PFLOG_RULESET_LEN - 1} characters`);
  return genBcmp(cs, OffRel.LINKHDR, C.PFLOG_RULESET, new TextEncoder().encode(ruleset));
}

export function genPfField(cs: CompilerState, kw: 'rnr' | 'srnr' | 'reason' | 'action', v: number): Block {
  assertPflog(cs, kw);
  switch (kw) {
    case 'rnr':
      return genCmp(cs, OffRel.LINKHDR, C.PFLOG_RULENR, BPF_W, v);
    case 'srnr':
      return genCmp(cs, OffRel.LINKHDR, C.PFLOG_SUBRULENR, BPF_W, v);
    case 'reason':
      return genCmp(cs, OffRel.LINKHDR, C.PFLOG_REASON, BPF_B, v);
    default:
      return genCmp(cs, OffRel.LINKHDR, C.PFLOG_ACTION, BPF_B, v);
  }
}

const is80211 = (lt: number): boolean =>
  lt === DLT.IEEE802_11 ||
  lt === DLT.PRISM_HEADER ||
  lt === DLT.IEEE802_11_RADIO_AVS ||
  lt === DLT.IEEE802_11_RADIO ||
  lt === DLT.PPI;

export function genP80211Type(cs: CompilerState, type: number, mask: number): Block {
  if (!is80211(cs.linktype)) failKwOnDlt(cs, 'type/subtype');
  return genMcmp(cs, OffRel.LINKHDR, 0, BPF_B, type, mask);
}

export function genP80211Fcdir(cs: CompilerState, fcdir: number): Block {
  if (!is80211(cs.linktype)) failKwOnDlt(cs, 'dir');
  return genMcmp(cs, OffRel.LINKHDR, 1, BPF_B, fcdir, C.IEEE80211_FC1_DIR_MASK);
}

/** "llc": frames with an 802.2 LLC header (gen_llc_internal). */
export function genLlc(cs: CompilerState): Block {
  switch (cs.linktype) {
    case DLT.EN10MB:
    case DLT.DSA_TAG_BRCM:
    case DLT.DSA_TAG_DSA: {
      const b0 = genCmpLeOr(cs);
      const b1 = genCmpNe(cs, OffRel.LLC, 0, BPF_H, 0xffff);
      return genAnd(b0, b1);
    }
    case DLT.SUNATM: {
      const b0 = genAtmPrototype(cs, 0x02);
      cs.linktype = cs.prevlinktype;
      return b0;
    }
    case DLT.IEEE802:
    case DLT.FDDI:
    case DLT.ATM_RFC1483:
      return genTrue();
    case DLT.IEEE802_11:
    case DLT.PRISM_HEADER:
    case DLT.IEEE802_11_RADIO:
    case DLT.IEEE802_11_RADIO_AVS:
    case DLT.PPI:
      return genMcmp(cs, OffRel.LINKHDR, 0, BPF_B, C.IEEE80211_FC0_TYPE_DATA, C.IEEE80211_FC0_TYPE_MASK);
  }
  return failKwOnDlt(cs, 'llc');
}

const genCmpLeOr = (cs: CompilerState): Block =>
  genNot(genJmpK(BPF_JGT, C.ETHERMTU, genLoadA(cs, OffRel.LINKTYPE, 0, BPF_H)));

/** "llc i|s|u|<subtype>" (gen_llc_i, gen_llc_s, gen_llc_u, gen_llc_*_subtype). */
export function genLlcKind(cs: CompilerState, kind: 'i' | 's' | 'u' | 'ssub' | 'usub', subtype = 0): Block {
  const b0 = genLlc(cs);
  let b1: Block;
  switch (kind) {
    case 'i':
      b1 = genUnset(0x01, genLoadA(cs, OffRel.LLC, 2, BPF_B));
      break;
    case 's':
      b1 = genMcmp(cs, OffRel.LLC, 2, BPF_B, C.LLC_S_FMT, 0x03);
      break;
    case 'u':
      b1 = genMcmp(cs, OffRel.LLC, 2, BPF_B, C.LLC_U_FMT, 0x03);
      break;
    case 'ssub':
      b1 = genMcmp(cs, OffRel.LLC, 2, BPF_B, subtype, C.LLC_S_CMD_MASK);
      break;
    default:
      b1 = genMcmp(cs, OffRel.LLC, 2, BPF_B, subtype, C.LLC_U_CMD_MASK);
      break;
  }
  return genAnd(b0, b1);
}

export { BPF_JEQ as JEQ, BPF_JGE as JGE, BPF_JGT as JGT };
