/**
 * Encapsulations that shift the offsets of everything after them (gencode.c's gen_vlan, gen_mpls,
 * gen_pppoes, gen_geneve, gen_vxlan) and the ATM and SS7 (MTP2/MTP3) primitives.
 */
import * as C from './consts.js';
import { DLT } from './dlt.js';
import {
  allocReg,
  assertMaxval,
  bpfError,
  genAbsOffsetVarpart,
  genAnd,
  genCmp,
  genJmpK,
  genJmpX,
  genLoadxIphdrlen,
  genMcmp,
  genNcmp,
  genNot,
  genOr,
  genTrue,
  IP6_HDRLEN,
  JMP,
  MPLS_STACKENTRY_LEN,
  OffRel,
  sappend,
  sprependToBlock,
  stmt,
  swapLong,
  swapShort,
} from './gen-core.js';
import { failKwOnDlt, genAtmPrototype, genJustAfterMplsStack, genLinktype } from './gen-link.js';
import { genPort, genPort6 } from './gen-proto.js';
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGT,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MISC,
  BPF_MUL,
  BPF_ST,
  BPF_STX,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
} from './insn.js';
import { type Block, newSlist, type Slist } from './ir.js';
import type { AbsOffset, CompilerState } from './state.js';

/** Make `linktype` the current link layer, remembering the previous one (PUSH_LINKHDR). */
function pushLinkhdr(
  cs: CompilerState,
  linktype: number,
  isVariable: boolean,
  constantPart: number,
  reg: number,
): void {
  cs.prevlinktype = cs.linktype;
  cs.offPrevlinkhdr = { ...cs.offLinkhdr };
  cs.linktype = linktype;
  cs.offLinkhdr = { isVariable, constantPart, reg };
  cs.isEncap = false;
}

function genVlanTpidTest(cs: CompilerState): Block {
  let b0 = genLinktype(cs, C.ETHERTYPE_8021Q);
  let b1 = genLinktype(cs, C.ETHERTYPE_8021AD);
  b0 = genOr(b0, b1);
  b1 = genLinktype(cs, C.ETHERTYPE_8021QINQ);
  return genOr(b0, b1);
}

function genVlanVidTest(cs: CompilerState, vlanNum: number): Block {
  assertMaxval('VLAN tag', vlanNum, 0x0fff);
  return genMcmp(cs, OffRel.LINKPL, 0, BPF_H, vlanNum, 0x0fff);
}

function genVlanNoBpfExtensions(cs: CompilerState, vlanNum: number, hasTag: boolean): Block {
  let b0 = genVlanTpidTest(cs);
  if (hasTag) b0 = genAnd(b0, genVlanVidTest(cs, vlanNum));
  cs.offLinkpl.constantPart += 4;
  cs.offLinktype.constantPart += 4;
  return b0;
}

function genVlanVloffsetAdd(cs: CompilerState, off: AbsOffset, v: number, s: Slist): void {
  off.isVariable = true;
  if (off.reg === -1) off.reg = allocReg(cs);
  sappend(s, stmt(BPF_LD | BPF_MEM, off.reg));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_IMM, v));
  sappend(s, stmt(BPF_ST, off.reg));
}

function genVlanBpfExtensions(cs: CompilerState, vlanNum: number, hasTag: boolean): Block {
  const s = stmt(BPF_LD | BPF_B | BPF_ABS, (C.SKF_AD_OFF + C.SKF_AD_VLAN_TAG_PRESENT) >>> 0);
  let b0 = genJmpK(BPF_JEQ, 1, s);
  const bTpid = genVlanTpidTest(cs);
  const bVid = hasTag ? genVlanVidTest(cs, vlanNum) : null;
  // gen_vlan_patch_tpid_test
  const head = newSlist(0);
  cs.isVlanVloffset = true;
  genVlanVloffsetAdd(cs, cs.offLinkpl, 4, head);
  genVlanVloffsetAdd(cs, cs.offLinktype, 4, head);
  sprependToBlock(head.next, bTpid.head!);
  b0 = genOr(b0, bTpid);
  if (bVid) {
    // gen_vlan_patch_vid_test
    const s1 = stmt(BPF_LD | BPF_B | BPF_ABS, (C.SKF_AD_OFF + C.SKF_AD_VLAN_TAG_PRESENT) >>> 0);
    const sjeq = stmt(JMP(BPF_JEQ, BPF_K), 1);
    sjeq.s.jf = bVid.stmts;
    sappend(s1, sjeq);
    const s2 = stmt(BPF_LD | BPF_H | BPF_ABS, (C.SKF_AD_OFF + C.SKF_AD_VLAN_TAG) >>> 0);
    sappend(s1, s2);
    sjeq.s.jt = s2;
    let cnt = 0;
    for (let p = bVid.stmts; p; p = p.next) cnt++;
    sappend(s1, stmt(JMP(BPF_JA, BPF_K), cnt - 1));
    sprependToBlock(s1, bVid);
    b0 = genAnd(b0, bVid);
  }
  return b0;
}

/** "vlan [ID]" (gen_vlan). */
export function genVlan(cs: CompilerState, vlanNum: number, hasTag: boolean): Block {
  if (cs.labelStackDepth > 0) bpfError('no VLAN match after MPLS');
  let b0: Block;
  switch (cs.linktype) {
    case DLT.EN10MB:
      if (
        cs.vlanStackDepth === 0 &&
        !cs.offLinkhdr.isVariable &&
        cs.offLinkhdr.constantPart === cs.offOutermostlinkhdr.constantPart &&
        cs.linuxExt
      )
        b0 = genVlanBpfExtensions(cs, vlanNum, hasTag);
      else b0 = genVlanNoBpfExtensions(cs, vlanNum, hasTag);
      break;
    case DLT.NETANALYZER:
    case DLT.NETANALYZER_TRANSPARENT:
    case DLT.DSA_TAG_BRCM:
    case DLT.DSA_TAG_DSA:
    case DLT.IEEE802_11:
    case DLT.PRISM_HEADER:
    case DLT.IEEE802_11_RADIO_AVS:
    case DLT.IEEE802_11_RADIO:
      b0 = genVlanNoBpfExtensions(cs, vlanNum, hasTag);
      break;
    default:
      return failKwOnDlt(cs, 'vlan');
  }
  cs.vlanStackDepth++;
  return b0;
}

/** "mpls [LABEL]" (gen_mpls). */
export function genMpls(cs: CompilerState, labelNum: number, hasLabel: boolean): Block {
  let b0: Block;
  if (cs.labelStackDepth > 0) b0 = genNot(genJustAfterMplsStack(cs));
  else {
    switch (cs.linktype) {
      case DLT.C_HDLC:
      case DLT.EN10MB:
      case DLT.NETANALYZER:
      case DLT.NETANALYZER_TRANSPARENT:
      case DLT.DSA_TAG_BRCM:
      case DLT.DSA_TAG_DSA:
        b0 = genLinktype(cs, C.ETHERTYPE_MPLS);
        break;
      case DLT.PPP:
        b0 = genLinktype(cs, C.PPP_MPLS_UCAST);
        break;
      default:
        return failKwOnDlt(cs, 'mpls');
    }
  }
  if (hasLabel) {
    assertMaxval('MPLS label', labelNum, 0xfffff);
    const b1 = genMcmp(cs, OffRel.LINKPL, 0, BPF_W, (labelNum << 12) >>> 0, (0xfffff << 12) >>> 0);
    b0 = genAnd(b0, b1);
  }
  cs.offNlNosnap += MPLS_STACKENTRY_LEN;
  cs.offNl += MPLS_STACKENTRY_LEN;
  cs.labelStackDepth++;
  return b0;
}

export const genPppoed = (cs: CompilerState): Block => genLinktype(cs, C.ETHERTYPE_PPPOED);

/** "pppoes [SESSION]" (gen_pppoes). */
export function genPppoes(cs: CompilerState, sessNum: number, hasSess: boolean): Block {
  let b0 = genLinktype(cs, C.ETHERTYPE_PPPOES);
  if (hasSess) {
    assertMaxval('PPPoE session number', sessNum, 0xffff);
    b0 = genAnd(b0, genCmp(cs, OffRel.LINKPL, 2, BPF_H, sessNum));
  }
  pushLinkhdr(cs, DLT.PPP, cs.offLinkpl.isVariable, cs.offLinkpl.constantPart + cs.offNl + 6, cs.offLinkpl.reg);
  cs.offLinktype = { ...cs.offLinkhdr };
  cs.offLinkpl.constantPart = cs.offLinkhdr.constantPart + 2;
  cs.offNl = 0;
  cs.offNlNosnap = 0;
  return b0;
}

type PortFn = (cs: CompilerState, port: number, proto: number, dir: number, addr: number) => Block;

function udpTunnelCheck(
  cs: CompilerState,
  portfn: PortFn,
  offrel: OffRel,
  port: number,
  flagCheck: (cs: CompilerState) => Block,
  name: string,
  vni: number,
  hasVni: boolean,
): Block {
  let b0 = portfn(cs, port, C.IPPROTO_UDP, C.Q_DST, C.Q_PORT);
  b0 = genAnd(b0, flagCheck(cs));
  if (hasVni) {
    assertMaxval(`${name} VNI`, vni, 0xffffff);
    b0 = genAnd(b0, genMcmp(cs, offrel, 12, BPF_W, (vni << 8) >>> 0, 0xffffff00));
  }
  return b0;
}

function tunnel4(cs: CompilerState, check: Block): Block {
  const s = genLoadxIphdrlen(cs);
  sappend(s, stmt(BPF_MISC | BPF_TXA));
  return genAnd(check, genJmpX(BPF_JEQ, s));
}

function tunnel6(cs: CompilerState, check: Block): Block {
  let s = genAbsOffsetVarpart(cs, cs.offLinkpl);
  if (s) {
    sappend(s, stmt(BPF_LD | BPF_IMM, IP6_HDRLEN));
    sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
  } else s = stmt(BPF_LD | BPF_IMM, IP6_HDRLEN);
  sappend(s, stmt(BPF_MISC | BPF_TAX));
  return genAnd(check, genJmpX(BPF_JEQ, s));
}

function genGeneveOffsets(cs: CompilerState): Slist {
  const s = stmt(BPF_ALU | BPF_ADD | BPF_K, cs.offLinkpl.constantPart + cs.offNl + 8);
  sappend(s, stmt(BPF_MISC | BPF_TAX));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 2));
  cs.offLinktype.reg = allocReg(cs);
  cs.offLinktype.isVariable = true;
  cs.offLinktype.constantPart = 0;
  sappend(s, stmt(BPF_ST, cs.offLinktype.reg));
  sappend(s, stmt(BPF_LD | BPF_IND | BPF_B, 0));
  sappend(s, stmt(BPF_ALU | BPF_AND | BPF_K, 0x3f));
  sappend(s, stmt(BPF_ALU | BPF_MUL | BPF_K, 4));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 8));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
  pushLinkhdr(cs, DLT.EN10MB, true, 0, allocReg(cs));
  sappend(s, stmt(BPF_ST, cs.offLinkhdr.reg));
  cs.noOptimize = true;
  sappend(s, stmt(BPF_LD | BPF_IND | BPF_H, 2));
  sappend(s, stmt(BPF_LDX | BPF_MEM, cs.offLinkhdr.reg));
  const sProto = stmt(JMP(BPF_JEQ, BPF_K), C.ETHERTYPE_TEB);
  sappend(s, sProto);
  const s1 = stmt(BPF_MISC | BPF_TXA);
  sappend(s, s1);
  sProto.s.jt = s1;
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 12));
  sappend(s, stmt(BPF_ST, cs.offLinktype.reg));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 2));
  sappend(s, stmt(BPF_MISC | BPF_TAX));
  cs.offLinkpl.reg = allocReg(cs);
  cs.offLinkpl.isVariable = true;
  cs.offLinkpl.constantPart = 0;
  const stx = stmt(BPF_STX, cs.offLinkpl.reg);
  sappend(s, stx);
  sProto.s.jf = stx;
  cs.offNl = 0;
  return s;
}

/** "geneve [VNI]" (gen_geneve). */
export function genGeneve(cs: CompilerState, vni: number, hasVni: boolean): Block {
  const flag = (rel: OffRel) => (c: CompilerState) => genMcmp(c, rel, 8, BPF_B, 0, 0xc0);
  const b0 = tunnel4(
    cs,
    udpTunnelCheck(cs, genPort, OffRel.TRAN_IPV4, 6081, flag(OffRel.TRAN_IPV4), 'Geneve', vni, hasVni),
  );
  const b1 = tunnel6(
    cs,
    udpTunnelCheck(cs, genPort6, OffRel.TRAN_IPV6, 6081, flag(OffRel.TRAN_IPV6), 'Geneve', vni, hasVni),
  );
  const offsets = sprependToBlock(genGeneveOffsets(cs), genTrue());
  cs.isEncap = true;
  return genAnd(genOr(b0, b1), offsets);
}

function genVxlanOffsets(cs: CompilerState): Slist {
  const s = stmt(BPF_ALU | BPF_ADD | BPF_K, cs.offLinkpl.constantPart + cs.offNl + 8);
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 8));
  pushLinkhdr(cs, DLT.EN10MB, true, 0, allocReg(cs));
  sappend(s, stmt(BPF_ST, cs.offLinkhdr.reg));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 12));
  cs.offLinktype.reg = allocReg(cs);
  cs.offLinktype.isVariable = true;
  cs.offLinktype.constantPart = 0;
  sappend(s, stmt(BPF_ST, cs.offLinktype.reg));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 2));
  sappend(s, stmt(BPF_MISC | BPF_TAX));
  cs.offLinkpl.reg = allocReg(cs);
  cs.offLinkpl.isVariable = true;
  cs.offLinkpl.constantPart = 0;
  sappend(s, stmt(BPF_STX, cs.offLinkpl.reg));
  cs.offNl = 0;
  return s;
}

/** "vxlan [VNI]" (gen_vxlan). */
export function genVxlan(cs: CompilerState, vni: number, hasVni: boolean): Block {
  const flag = (rel: OffRel) => (c: CompilerState) => genCmp(c, rel, 8, BPF_B, 0x08);
  const b0 = tunnel4(
    cs,
    udpTunnelCheck(cs, genPort, OffRel.TRAN_IPV4, 4789, flag(OffRel.TRAN_IPV4), 'VXLAN', vni, hasVni),
  );
  const b1 = tunnel6(
    cs,
    udpTunnelCheck(cs, genPort6, OffRel.TRAN_IPV6, 4789, flag(OffRel.TRAN_IPV6), 'VXLAN', vni, hasVni),
  );
  const offsets = sprependToBlock(genVxlanOffsets(cs), genTrue());
  cs.isEncap = true;
  return genAnd(genOr(b0, b1), offsets);
}

function assertAtm(cs: CompilerState, kw: string): void {
  if (cs.linktype !== DLT.SUNATM || !cs.isAtm) bpfError(`'${kw}' supported only on SUNATM`);
}

/** "vpi N", "vci N" with a relation (gen_atmfield_code). */
export function genAtmfieldCode(cs: CompilerState, field: number, v: number, jtype: number, reverse: boolean): Block {
  assertAtm(cs, C.ATM_NAMES[field] ?? '?');
  if (field === C.A_VPI) {
    assertMaxval('VPI', v, 255);
    return genNcmp(cs, OffRel.LINKHDR, cs.offVpi, BPF_B, 0xffffffff, jtype, reverse, v);
  }
  assertMaxval('VCI', v, 0xffff);
  return genNcmp(cs, OffRel.LINKHDR, cs.offVci, BPF_H, 0xffffffff, jtype, reverse, v);
}

const atmVpi = (cs: CompilerState, v: number): Block => genAtmfieldCode(cs, C.A_VPI, v, BPF_JEQ, false);
const atmVci = (cs: CompilerState, v: number): Block => genAtmfieldCode(cs, C.A_VCI, v, BPF_JEQ, false);

/** ATM circuit keywords (gen_atmtype_abbrev). */
export function genAtmtypeAbbrev(cs: CompilerState, type: number): Block {
  assertAtm(cs, C.ATM_NAMES[type] ?? '?');
  const circuit: Record<number, number> = {
    [C.A_METAC]: 1,
    [C.A_BCC]: 2,
    [C.A_OAMF4SC]: 3,
    [C.A_OAMF4EC]: 4,
    [C.A_SC]: 5,
    [C.A_ILMIC]: 16,
  };
  if (type in circuit) {
    const b0 = atmVpi(cs, 0);
    const b1 = atmVci(cs, circuit[type]!);
    return genAnd(b0, b1);
  }
  if (type === C.A_LANE) {
    const b1 = genAtmPrototype(cs, 0x01);
    pushLinkhdr(cs, DLT.EN10MB, false, cs.offPayload + 2, -1);
    cs.offLinktype.constantPart = cs.offLinkhdr.constantPart + 12;
    cs.offLinkpl.constantPart = cs.offLinkhdr.constantPart + 14;
    cs.offNl = 0;
    cs.offNlNosnap = 3;
    return b1;
  }
  return bpfError(`internal error in gen_atmtype_abbrev(): type == ${type}`);
}

const msgAbbrev = (cs: CompilerState, type: number): Block =>
  genCmp(cs, OffRel.LINKHDR, cs.offPayload + 5, BPF_B, type);

/** ATM multi-circuit keywords (gen_atmmulti_abbrev). */
export function genAtmmultiAbbrev(cs: CompilerState, type: number): Block {
  assertAtm(cs, C.ATM_NAMES[type] ?? '?');
  let b0: Block;
  let b1: Block;
  switch (type) {
    case C.A_OAM:
    case C.A_OAMF4:
      b0 = atmVci(cs, 3);
      b1 = atmVci(cs, 4);
      b1 = genOr(b0, b1);
      b0 = atmVpi(cs, 0);
      return genAnd(b0, b1);
    case C.A_CONNECTMSG:
    case C.A_METACONNECT: {
      const msgs = type === C.A_CONNECTMSG ? [0x05, 0x02, 0x07, 0x0f, 0x4d, 0x5a] : [0x05, 0x02, 0x07, 0x4d, 0x5a];
      b0 = msgAbbrev(cs, msgs[0]!);
      b1 = msgAbbrev(cs, msgs[1]!);
      b1 = genOr(b0, b1);
      for (let i = 2; i < msgs.length; i++) b1 = genOr(msgAbbrev(cs, msgs[i]!), b1);
      b0 = genAtmtypeAbbrev(cs, type === C.A_CONNECTMSG ? C.A_SC : C.A_METAC);
      return genAnd(b0, b1);
    }
  }
  return bpfError(`internal error in gen_atmmulti_abbrev(): type == ${type}`);
}

function assertSs7(cs: CompilerState, kw: string): void {
  if (
    (cs.linktype === DLT.MTP2 || cs.linktype === DLT.ERF || cs.linktype === DLT.MTP2_WITH_PHDR) &&
    cs.offSio !== 0xffffffff
  )
    return;
  bpfError(`'${kw}' supported only on SS7`);
}

/** MTP2 message types by length indicator (gen_mtp2type_abbrev). */
export function genMtp2typeAbbrev(cs: CompilerState, type: number): Block {
  assertSs7(cs, C.SS7_NAMES[type] ?? '?');
  const li = cs.offLi;
  const hsl = cs.offLiHsl;
  switch (type) {
    case C.M_FISU:
      return genNcmp(cs, OffRel.PACKET, li, BPF_B, 0x3f, BPF_JEQ, false, 0);
    case C.M_LSSU: {
      const b0 = genNcmp(cs, OffRel.PACKET, li, BPF_B, 0x3f, BPF_JGT, true, 2);
      const b1 = genNcmp(cs, OffRel.PACKET, li, BPF_B, 0x3f, BPF_JGT, false, 0);
      return genAnd(b1, b0);
    }
    case C.M_MSU:
      return genNcmp(cs, OffRel.PACKET, li, BPF_B, 0x3f, BPF_JGT, false, 2);
    case C.MH_FISU:
      return genNcmp(cs, OffRel.PACKET, hsl, BPF_H, 0xff80, BPF_JEQ, false, 0);
    case C.MH_LSSU: {
      const b0 = genNcmp(cs, OffRel.PACKET, hsl, BPF_H, 0xff80, BPF_JGT, true, 0x0100);
      const b1 = genNcmp(cs, OffRel.PACKET, hsl, BPF_H, 0xff80, BPF_JGT, false, 0);
      return genAnd(b1, b0);
    }
    case C.MH_MSU:
      return genNcmp(cs, OffRel.PACKET, hsl, BPF_H, 0xff80, BPF_JGT, false, 0x0100);
  }
  return bpfError(`internal error in gen_mtp2type_abbrev(): type == ${type}`);
}

/** MTP3 field tests (gen_mtp3field_code). */
export function genMtp3fieldCode(cs: CompilerState, field: number, v: number, jtype: number, reverse: boolean): Block {
  const name = C.SS7_NAMES[field] ?? '?';
  assertSs7(cs, name);
  const h = field === C.MH_SIO || field === C.MH_OPC || field === C.MH_DPC || field === C.MH_SLS ? 3 : 0;
  switch (field) {
    case C.M_SIO:
    case C.MH_SIO:
      assertMaxval(name, v, 255);
      return genNcmp(cs, OffRel.PACKET, cs.offSio + h, BPF_B, 0xffffffff, jtype, reverse, v);
    case C.M_OPC:
    case C.MH_OPC:
      assertMaxval(name, v, 0x3fff);
      return genNcmp(
        cs,
        OffRel.PACKET,
        cs.offOpc + h,
        BPF_W,
        swapLong(0x3fff << 14),
        jtype,
        reverse,
        swapLong(v << 14),
      );
    case C.M_DPC:
    case C.MH_DPC:
      assertMaxval(name, v, 0x3fff);
      return genNcmp(cs, OffRel.PACKET, cs.offDpc + h, BPF_H, swapShort(0x3fff), jtype, reverse, swapShort(v));
    default:
      assertMaxval(name, v, 0xf);
      return genNcmp(cs, OffRel.PACKET, cs.offSls + h, BPF_B, 0xf << 4, jtype, reverse, v << 4);
  }
}
