/** Protocol tests: protocol abbreviations, "proto", "protochain", ports and port ranges (gencode.c). */
import * as C from './consts.js';
import { DLT } from './dlt.js';
import {
  allocReg,
  assertMaxval,
  bpfError,
  freeReg,
  genAnd,
  genCmp,
  genCmpGe,
  genCmpLe,
  genJmpK,
  genLoadA,
  genLoadxIphdrlen,
  genMcmp,
  genOr,
  genUnset,
  IP6_HDRLEN,
  JMP,
  OffRel,
  stmt,
} from './gen-core.js';
import { invalidQual } from './gen-host.js';
import { genLinktype } from './gen-link.js';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_B,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MISC,
  BPF_MUL,
  BPF_ST,
  BPF_TAX,
  BPF_TXA,
  BPF_X,
} from './insn.js';
import type { Block, Slist } from './ir.js';
import type { CompilerState } from './state.js';

const IPPROTO_OF: Record<number, number> = {
  [C.Q_AH]: C.IPPROTO_AH,
  [C.Q_CARP]: C.IPPROTO_CARP,
  [C.Q_ESP]: C.IPPROTO_ESP,
  [C.Q_ICMP]: C.IPPROTO_ICMP,
  [C.Q_ICMPV6]: C.IPPROTO_ICMPV6,
  [C.Q_IGMP]: C.IPPROTO_IGMP,
  [C.Q_IGRP]: C.IPPROTO_IGRP,
  [C.Q_PIM]: C.IPPROTO_PIM,
  [C.Q_SCTP]: C.IPPROTO_SCTP,
  [C.Q_TCP]: C.IPPROTO_TCP,
  [C.Q_UDP]: C.IPPROTO_UDP,
  [C.Q_VRRP]: C.IPPROTO_VRRP,
};
const LLCSAP_OF: Record<number, number> = {
  [C.Q_IPX]: C.LLCSAP_IPX,
  [C.Q_ISO]: C.LLCSAP_ISONS,
  [C.Q_NETBEUI]: C.LLCSAP_NETBEUI,
  [C.Q_STP]: C.LLCSAP_8021D,
};
const ETHERTYPE_OF: Record<number, number> = {
  [C.Q_AARP]: C.ETHERTYPE_AARP,
  [C.Q_ARP]: C.ETHERTYPE_ARP,
  [C.Q_ATALK]: C.ETHERTYPE_ATALK,
  [C.Q_DECNET]: C.ETHERTYPE_DN,
  [C.Q_IP]: C.ETHERTYPE_IP,
  [C.Q_IPV6]: C.ETHERTYPE_IPV6,
  [C.Q_LAT]: C.ETHERTYPE_LAT,
  [C.Q_MOPDL]: C.ETHERTYPE_MOPDL,
  [C.Q_MOPRC]: C.ETHERTYPE_MOPRC,
  [C.Q_RARP]: C.ETHERTYPE_REVARP,
  [C.Q_SCA]: C.ETHERTYPE_SCA,
};
const ISOPROTO_OF: Record<number, number> = {
  [C.Q_ESIS]: C.ISO9542_ESIS,
  [C.Q_ISIS]: C.ISO10589_ISIS,
  [C.Q_CLNP]: C.ISO8473_CLNP,
};

export function pqToIpproto(pq: number): number {
  const v = IPPROTO_OF[pq];
  if (v === undefined) bpfError(`Proto qualifier '${C.pqkw(pq)}' has no IP protocol`);
  return v;
}

export function portPqToIpproto(proto: number, kw: string): number {
  switch (proto) {
    case C.Q_UDP:
      return C.IPPROTO_UDP;
    case C.Q_TCP:
      return C.IPPROTO_TCP;
    case C.Q_SCTP:
      return C.IPPROTO_SCTP;
    case C.Q_DEFAULT:
      return C.PROTO_UNDEF;
  }
  return invalidQual(C.pqkw(proto), kw);
}

/** OR of IS-IS PDU type tests, each later one placed first (as gencode.c chains them). */
const isisOr = (cs: CompilerState, types: number[]): Block => {
  const b0 = genProto(cs, types[0]!, C.Q_ISIS);
  let b1 = genOr(b0, genProto(cs, types[1]!, C.Q_ISIS));
  for (let i = 2; i < types.length; i++) b1 = genOr(genProto(cs, types[i]!, C.Q_ISIS), b1);
  return b1;
};

/** A protocol keyword used alone, e.g. "tcp", "arp", "l1" (gen_proto_abbrev_internal). */
export function genProtoAbbrev(cs: CompilerState, proto: number): Block {
  let base: number;
  let num: number;
  switch (proto) {
    case C.Q_SCTP:
    case C.Q_TCP:
    case C.Q_UDP:
    case C.Q_AH:
    case C.Q_ESP:
    case C.Q_PIM:
      base = C.Q_DEFAULT;
      num = pqToIpproto(proto);
      break;
    case C.Q_ICMP:
    case C.Q_IGMP:
    case C.Q_IGRP:
    case C.Q_VRRP:
    case C.Q_CARP:
      base = C.Q_IP;
      num = pqToIpproto(proto);
      break;
    case C.Q_ICMPV6:
      base = C.Q_IPV6;
      num = pqToIpproto(proto);
      break;
    case C.Q_IP:
    case C.Q_ARP:
    case C.Q_RARP:
    case C.Q_ATALK:
    case C.Q_AARP:
    case C.Q_DECNET:
    case C.Q_SCA:
    case C.Q_LAT:
    case C.Q_MOPDL:
    case C.Q_MOPRC:
    case C.Q_IPV6:
      base = C.Q_LINK;
      num = ETHERTYPE_OF[proto]!;
      break;
    case C.Q_ISO:
    case C.Q_STP:
    case C.Q_IPX:
    case C.Q_NETBEUI:
      base = C.Q_LINK;
      num = LLCSAP_OF[proto]!;
      break;
    case C.Q_ESIS:
    case C.Q_ISIS:
    case C.Q_CLNP:
      base = C.Q_ISO;
      num = ISOPROTO_OF[proto]!;
      break;
    case C.Q_ISIS_L1:
      return isisOr(cs, [C.ISIS_L1_LAN_IIH, C.ISIS_PTP_IIH, C.ISIS_L1_LSP, C.ISIS_L1_CSNP, C.ISIS_L1_PSNP]);
    case C.Q_ISIS_L2:
      return isisOr(cs, [C.ISIS_L2_LAN_IIH, C.ISIS_PTP_IIH, C.ISIS_L2_LSP, C.ISIS_L2_CSNP, C.ISIS_L2_PSNP]);
    case C.Q_ISIS_IIH:
      return isisOr(cs, [C.ISIS_L1_LAN_IIH, C.ISIS_L2_LAN_IIH, C.ISIS_PTP_IIH]);
    case C.Q_ISIS_LSP:
      return isisOr(cs, [C.ISIS_L1_LSP, C.ISIS_L2_LSP]);
    case C.Q_ISIS_SNP:
      return isisOr(cs, [C.ISIS_L1_CSNP, C.ISIS_L2_CSNP, C.ISIS_L1_PSNP, C.ISIS_L2_PSNP]);
    case C.Q_ISIS_CSNP:
      return isisOr(cs, [C.ISIS_L1_CSNP, C.ISIS_L2_CSNP]);
    case C.Q_ISIS_PSNP:
      return isisOr(cs, [C.ISIS_L1_PSNP, C.ISIS_L2_PSNP]);
    default:
      return bpfError(`'${C.pqkw(proto)}' cannot be used as an abbreviation`);
  }
  return genProto(cs, num, base);
}

export const genIpProto = (cs: CompilerState, p: number): Block => genCmp(cs, OffRel.LINKPL, 9, BPF_B, p);
export const genIp6Proto = (cs: CompilerState, p: number): Block => genCmp(cs, OffRel.LINKPL, 6, BPF_B, p);

/** Not an IPv4 fragment other than the first (gen_ipfrag). */
export function genIpfrag(cs: CompilerState): Block {
  return genUnset(0x1fff, genLoadA(cs, OffRel.LINKPL, 6, BPF_H));
}

/** "[proto] proto N" (gen_proto). */
export function genProto(cs: CompilerState, v: number, proto: number): Block {
  let b0: Block;
  let b1: Block;
  let b2: Block;
  switch (proto) {
    case C.Q_DEFAULT:
      b0 = genProto(cs, v, C.Q_IP);
      b1 = genProto(cs, v, C.Q_IPV6);
      return genOr(b0, b1);
    case C.Q_LINK:
      return genLinktype(cs, v);
    case C.Q_IP:
      assertMaxval('protocol number', v, 255);
      b0 = genLinktype(cs, C.ETHERTYPE_IP);
      b1 = genIpProto(cs, v);
      return genAnd(b0, b1);
    case C.Q_IPV6:
      assertMaxval('protocol number', v, 255);
      b0 = genLinktype(cs, C.ETHERTYPE_IPV6);
      b2 = genIp6Proto(cs, C.IPPROTO_FRAGMENT);
      b1 = genCmp(cs, OffRel.LINKPL, IP6_HDRLEN, BPF_B, v);
      b1 = genAnd(b2, b1);
      b2 = genIp6Proto(cs, v);
      b1 = genOr(b2, b1);
      return genAnd(b0, b1);
    case C.Q_ISO:
      assertMaxval('ISO protocol', v, 255);
      switch (cs.linktype) {
        case DLT.FRELAY:
          return genCmp(cs, OffRel.LINKHDR, 2, BPF_H, (0x03 << 8) | v);
        case DLT.C_HDLC:
          b0 = genLinktype(cs, (C.LLCSAP_ISONS << 8) | C.LLCSAP_ISONS);
          b1 = genCmp(cs, OffRel.LINKPL_NOSNAP, 1, BPF_B, v);
          return genAnd(b0, b1);
        default:
          b0 = genLinktype(cs, C.LLCSAP_ISONS);
          b1 = genCmp(cs, OffRel.LINKPL_NOSNAP, 0, BPF_B, v);
          return genAnd(b0, b1);
      }
    case C.Q_ISIS: {
      assertMaxval('IS-IS PDU type', v, C.ISIS_PDU_TYPE_MAX);
      b0 = genProto(cs, C.ISO10589_ISIS, C.Q_ISO);
      const pduTypeOffset = cs.linktype === DLT.C_HDLC ? 5 : 4;
      b1 = genMcmp(cs, OffRel.LINKPL_NOSNAP, pduTypeOffset, BPF_B, v, C.ISIS_PDU_TYPE_MAX);
      return genAnd(b0, b1);
    }
  }
  return invalidQual(C.pqkw(proto), 'proto');
}

/** "protochain N": walk the IPv6 extension headers and IPv4/IPv6 AH headers (gen_protochain). */
export function genProtochain(cs: CompilerState, v: number, proto: number): Block {
  const reg2 = allocReg(cs);
  switch (proto) {
    case C.Q_IP:
    case C.Q_IPV6:
      assertMaxval('protocol number', v, 255);
      break;
    case C.Q_DEFAULT: {
      const b0 = genProtochain(cs, v, C.Q_IP);
      const b = genProtochain(cs, v, C.Q_IPV6);
      return genOr(b0, b);
    }
    default:
      return invalidQual(C.pqkw(proto), 'protochain');
  }
  if (cs.offLinkpl.isVariable) bpfError(`'protochain' not supported with variable length headers`);
  cs.noOptimize = true;
  const s: Slist[] = [];
  const nl = cs.offLinkpl.constantPart + cs.offNl;
  const push = (x: Slist): number => s.push(x) - 1;
  let b0: Block;
  push(stmt(0));
  if (proto === C.Q_IP) {
    b0 = genLinktype(cs, C.ETHERTYPE_IP);
    push(genLoadA(cs, OffRel.LINKPL, 9, BPF_B));
    push(genLoadxIphdrlen(cs));
  } else {
    b0 = genLinktype(cs, C.ETHERTYPE_IPV6);
    push(genLoadA(cs, OffRel.LINKPL, 6, BPF_B));
    push(stmt(BPF_LDX | BPF_IMM, IP6_HDRLEN));
  }
  const again = s.length;
  const fix5 = push(stmt(JMP(BPF_JEQ, BPF_K), v));
  const fix2 = push(stmt(JMP(BPF_JEQ, BPF_K), C.IPPROTO_NONE));
  s[fix5]!.s.jf = s[fix2]!;
  let fix3 = 0;
  if (proto === C.Q_IPV6) {
    const v6start = s.length;
    push(stmt(JMP(BPF_JEQ, BPF_K), C.IPPROTO_HOPOPTS));
    s[fix2]!.s.jf = s[v6start]!;
    let i = push(stmt(JMP(BPF_JEQ, BPF_K), C.IPPROTO_DSTOPTS));
    s[i - 1]!.s.jf = s[i]!;
    i = push(stmt(JMP(BPF_JEQ, BPF_K), C.IPPROTO_ROUTING));
    s[i - 1]!.s.jf = s[i]!;
    i = push(stmt(JMP(BPF_JEQ, BPF_K), C.IPPROTO_FRAGMENT));
    s[i - 1]!.s.jf = s[i]!;
    fix3 = i;
    const v6end = i;
    const v6advance = s.length;
    push(stmt(BPF_LD | BPF_IND | BPF_B, nl));
    push(stmt(BPF_ST, reg2));
    push(stmt(BPF_LD | BPF_IND | BPF_B, nl + 1));
    push(stmt(BPF_ALU | BPF_ADD | BPF_K, 1));
    push(stmt(BPF_ALU | BPF_MUL | BPF_K, 8));
    push(stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
    push(stmt(BPF_MISC | BPF_TAX));
    push(stmt(BPF_LD | BPF_MEM, reg2));
    i = s.length;
    push(stmt(JMP(BPF_JA, BPF_K), again - i - 1));
    s[i - 1]!.s.jf = s[i]!;
    for (let j = v6start; j <= v6end; j++) s[j]!.s.jt = s[v6advance]!;
  } else {
    const i = push(stmt(BPF_ALU | BPF_ADD | BPF_K, 0));
    s[fix2]!.s.jf = s[i]!;
  }
  const ahcheck = push(stmt(JMP(BPF_JEQ, BPF_K), C.IPPROTO_AH));
  if (fix3) s[fix3]!.s.jf = s[ahcheck]!;
  const fix4 = ahcheck;
  let i = push(stmt(BPF_LD | BPF_IND | BPF_B, nl));
  s[i - 1]!.s.jt = s[i]!;
  push(stmt(BPF_ST, reg2));
  i = push(stmt(BPF_MISC | BPF_TXA));
  s[i - 1]!.s.jt = s[i]!;
  push(stmt(BPF_ALU | BPF_ADD | BPF_K, 1));
  push(stmt(BPF_MISC | BPF_TAX));
  push(stmt(BPF_LD | BPF_IND | BPF_B, nl));
  push(stmt(BPF_ALU | BPF_ADD | BPF_K, 2));
  push(stmt(BPF_ALU | BPF_MUL | BPF_K, 4));
  push(stmt(BPF_MISC | BPF_TAX));
  push(stmt(BPF_LD | BPF_MEM, reg2));
  i = s.length;
  push(stmt(JMP(BPF_JA, BPF_K), again - i - 1));
  const end = push(stmt(BPF_ALU | BPF_ADD | BPF_K, 0));
  s[fix2]!.s.jt = s[end]!;
  s[fix4]!.s.jf = s[end]!;
  s[fix5]!.s.jt = s[end]!;
  // Chain the statements; each of s[1], s[2] may itself be a list, so append rather than link.
  for (let k = 0; k < s.length - 1; k++) lastOf(s[k]!).next = s[k + 1]!;
  const b = genJmpK(BPF_JEQ, v, s[1]!);
  freeReg(cs, reg2);
  return genAnd(b0, b);
}

const lastOf = (l: Slist): Slist => {
  while (l.next) l = l.next;
  return l;
};

const genPortatom = (cs: CompilerState, off: number, v: number): Block => genCmp(cs, OffRel.TRAN_IPV4, off, BPF_H, v);
const genPortatom6 = (cs: CompilerState, off: number, v: number): Block => genCmp(cs, OffRel.TRAN_IPV6, off, BPF_H, v);

function dirCombine(dir: number, atom: (off: number) => Block, errKw: () => string): Block {
  switch (dir) {
    case C.Q_SRC:
      return atom(0);
    case C.Q_DST:
      return atom(2);
    case C.Q_AND: {
      const tmp = atom(0);
      return genAnd(tmp, atom(2));
    }
    case C.Q_DEFAULT:
    case C.Q_OR: {
      const tmp = atom(0);
      return genOr(tmp, atom(2));
    }
  }
  return invalidQual(C.dqkw(dir), errKw());
}

function genPortCommon(cs: CompilerState, proto: number, b1: Block): Block {
  let tmp: Block;
  switch (proto) {
    case C.IPPROTO_UDP:
    case C.IPPROTO_TCP:
    case C.IPPROTO_SCTP:
      tmp = genIpProto(cs, proto);
      break;
    case C.PROTO_UNDEF:
      tmp = genIpProto(cs, C.IPPROTO_SCTP);
      tmp = genOr(genIpProto(cs, C.IPPROTO_UDP), tmp);
      tmp = genOr(genIpProto(cs, C.IPPROTO_TCP), tmp);
      break;
    default:
      return bpfError(`internal error in gen_port_common(): proto == ${proto}`);
  }
  let b0 = genIpfrag(cs);
  b0 = genAnd(tmp, b0);
  b1 = genAnd(b0, b1);
  return genAnd(genLinktype(cs, C.ETHERTYPE_IP), b1);
}

function genPort6Common(cs: CompilerState, proto: number, b1: Block): Block {
  let tmp: Block;
  switch (proto) {
    case C.IPPROTO_UDP:
    case C.IPPROTO_TCP:
    case C.IPPROTO_SCTP:
      tmp = genIp6Proto(cs, proto);
      break;
    case C.PROTO_UNDEF:
      tmp = genIp6Proto(cs, C.IPPROTO_SCTP);
      tmp = genOr(genIp6Proto(cs, C.IPPROTO_UDP), tmp);
      tmp = genOr(genIp6Proto(cs, C.IPPROTO_TCP), tmp);
      break;
    default:
      return bpfError(`internal error in gen_port6_common(): proto == ${proto}`);
  }
  b1 = genAnd(tmp, b1);
  return genAnd(genLinktype(cs, C.ETHERTYPE_IPV6), b1);
}

export function genPort(cs: CompilerState, port: number, proto: number, dir: number, addr: number): Block {
  const b1 = dirCombine(
    dir,
    (off) => genPortatom(cs, off, port),
    () => C.tqkw(addr),
  );
  return genPortCommon(cs, proto, b1);
}

export function genPort6(cs: CompilerState, port: number, proto: number, dir: number, addr: number): Block {
  const b1 = dirCombine(
    dir,
    (off) => genPortatom6(cs, off, port),
    () => C.tqkw(addr),
  );
  return genPort6Common(cs, proto, b1);
}

function rangeAtom(cs: CompilerState, rel: OffRel, off: number, v1: number, v2: number): Block {
  if (v1 === v2) return genCmp(cs, rel, off, BPF_H, v1);
  const b1 = genCmpGe(cs, rel, off, BPF_H, Math.min(v1, v2));
  const b2 = genCmpLe(cs, rel, off, BPF_H, Math.max(v1, v2));
  return genAnd(b1, b2);
}

export function genPortrange(cs: CompilerState, p1: number, p2: number, proto: number, dir: number): Block {
  const b1 = dirCombine(
    dir,
    (off) => rangeAtom(cs, OffRel.TRAN_IPV4, off, p1, p2),
    () => 'portrange',
  );
  return genPortCommon(cs, proto, b1);
}

export function genPortrange6(cs: CompilerState, p1: number, p2: number, proto: number, dir: number): Block {
  const b1 = dirCombine(
    dir,
    (off) => rangeAtom(cs, OffRel.TRAN_IPV6, off, p1, p2),
    () => 'portrange',
  );
  return genPort6Common(cs, proto, b1);
}
