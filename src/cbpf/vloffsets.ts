/**
 * Code computing variable header lengths at the start of the program (gencode.c's insert_compute_vloffsets
 * and the gen_load_*_llprefixlen helpers) and the program's final assembly (finish_parse).
 */
import { IEEE80211_FC0_SUBTYPE_QOS, IEEE80211_FC0_TYPE_CTL, IEEE80211_FC0_TYPE_DATA } from './consts.js';
import { DLT } from './dlt.js';
import {
  allocReg,
  attachReturns,
  genAnd,
  genCmp,
  JMP,
  OffRel,
  sappend,
  sprependToBlock,
  stmt,
  swapLong,
} from './gen-core.js';
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_OR,
  BPF_ST,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
} from './insn.js';
import type { Block, Slist } from './ir.js';
import type { CompilerState } from './state.js';

function pflogPrefix(cs: CompilerState): Slist | null {
  if (cs.offLinkpl.reg === -1) return null;
  const s1 = stmt(BPF_LD | BPF_B | BPF_ABS, 0);
  sappend(s1, stmt(BPF_ALU | BPF_ADD | BPF_K, 3));
  sappend(s1, stmt(BPF_ALU | BPF_AND | BPF_K, 0xfffffffc));
  sappend(s1, stmt(BPF_ST, cs.offLinkpl.reg));
  sappend(s1, stmt(BPF_MISC | BPF_TAX));
  return s1;
}

function prismPrefix(cs: CompilerState): Slist | null {
  cs.noOptimize = true;
  if (cs.offLinkhdr.reg === -1) return null;
  const s1 = stmt(BPF_LD | BPF_W | BPF_ABS, 0);
  sappend(s1, stmt(BPF_ALU | BPF_AND | BPF_K, 0xfffff000));
  const sjeq = stmt(JMP(BPF_JEQ, BPF_K), 0x80211000);
  sappend(s1, sjeq);
  const avs = stmt(BPF_LD | BPF_W | BPF_ABS, 4);
  sappend(s1, avs);
  sjeq.s.jt = avs;
  const sjcommon = stmt(JMP(BPF_JA, BPF_K), 1);
  sappend(s1, sjcommon);
  const prism = stmt(BPF_LD | BPF_W | BPF_IMM, 144);
  sappend(s1, prism);
  sjeq.s.jf = prism;
  const st = stmt(BPF_ST, cs.offLinkhdr.reg);
  sappend(s1, st);
  sjcommon.s.jf = st;
  sappend(s1, stmt(BPF_MISC | BPF_TAX));
  return s1;
}

function avsPrefix(cs: CompilerState): Slist | null {
  if (cs.offLinkhdr.reg === -1) return null;
  const s1 = stmt(BPF_LD | BPF_W | BPF_ABS, 4);
  sappend(s1, stmt(BPF_ST, cs.offLinkhdr.reg));
  sappend(s1, stmt(BPF_MISC | BPF_TAX));
  return s1;
}

/** Radiotap and PPI: the little-endian length at offset 2. */
function radiotapPrefix(cs: CompilerState): Slist | null {
  if (cs.offLinkhdr.reg === -1) return null;
  const s1 = stmt(BPF_LD | BPF_B | BPF_ABS, 3);
  sappend(s1, stmt(BPF_ALU | BPF_LSH | BPF_K, 8));
  sappend(s1, stmt(BPF_MISC | BPF_TAX));
  sappend(s1, stmt(BPF_LD | BPF_B | BPF_ABS, 2));
  sappend(s1, stmt(BPF_ALU | BPF_OR | BPF_X));
  sappend(s1, stmt(BPF_ST, cs.offLinkhdr.reg));
  sappend(s1, stmt(BPF_MISC | BPF_TAX));
  return s1;
}

/** The 802.11 MAC header length, with QoS and Atheros padding (gen_load_802_11_header_len). */
function ieee80211HeaderLen(cs: CompilerState, s: Slist | null, snext: Slist | null): Slist | null {
  if (cs.offLinkpl.reg === -1) return s;
  cs.noOptimize = true;
  if (s === null) s = stmt(BPF_LDX | BPF_IMM, cs.offOutermostlinkhdr.constantPart);
  sappend(s, stmt(BPF_MISC | BPF_TXA));
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_K, 24));
  sappend(s, stmt(BPF_ST, cs.offLinkpl.reg));
  sappend(s, stmt(BPF_LD | BPF_IND | BPF_B, 0));
  const data1 = stmt(JMP(BPF_JSET, BPF_K), IEEE80211_FC0_TYPE_DATA);
  sappend(s, data1);
  const data2 = stmt(JMP(BPF_JSET, BPF_K), IEEE80211_FC0_TYPE_CTL);
  data1.s.jt = data2;
  sappend(s, data2);
  data1.s.jf = snext;
  data2.s.jt = snext;
  const qos = stmt(JMP(BPF_JSET, BPF_K), IEEE80211_FC0_SUBTYPE_QOS);
  data2.s.jf = qos;
  sappend(s, qos);
  const ldm = stmt(BPF_LD | BPF_MEM, cs.offLinkpl.reg);
  qos.s.jt = ldm;
  sappend(s, ldm);
  sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_IMM, 2));
  sappend(s, stmt(BPF_ST, cs.offLinkpl.reg));
  if (cs.linktype === DLT.IEEE802_11_RADIO) {
    const ld4 = stmt(BPF_LD | BPF_ABS | BPF_W, 4);
    qos.s.jf = ld4;
    sappend(s, ld4);
    const flags = stmt(JMP(BPF_JSET, BPF_K), swapLong(0x00000002));
    sappend(s, flags);
    flags.s.jf = snext;
    const ext = stmt(JMP(BPF_JSET, BPF_K), swapLong(0x80000000));
    sappend(s, ext);
    flags.s.jt = ext;
    ext.s.jt = snext;
    const tsft = stmt(JMP(BPF_JSET, BPF_K), swapLong(0x00000001));
    sappend(s, tsft);
    ext.s.jf = tsft;
    const ld16 = stmt(BPF_LD | BPF_ABS | BPF_B, 16);
    sappend(s, ld16);
    tsft.s.jt = ld16;
    const tsftPad = stmt(JMP(BPF_JSET, BPF_K), 0x20);
    sappend(s, tsftPad);
    const ld8 = stmt(BPF_LD | BPF_ABS | BPF_B, 8);
    sappend(s, ld8);
    tsft.s.jf = ld8;
    const notsftPad = stmt(JMP(BPF_JSET, BPF_K), 0x20);
    sappend(s, notsftPad);
    const roundup = stmt(BPF_LD | BPF_MEM, cs.offLinkpl.reg);
    sappend(s, roundup);
    sappend(s, stmt(BPF_ALU | BPF_ADD | BPF_IMM, 3));
    sappend(s, stmt(BPF_ALU | BPF_AND | BPF_IMM, ~3 >>> 0));
    sappend(s, stmt(BPF_ST, cs.offLinkpl.reg));
    tsftPad.s.jt = roundup;
    tsftPad.s.jf = snext;
    notsftPad.s.jt = roundup;
    notsftPad.s.jf = snext;
  } else qos.s.jf = snext;
  return s;
}

function insertComputeVloffsets(cs: CompilerState, b: Block): void {
  if (cs.offLinkpl.reg !== -1 && cs.offLinkhdr.isVariable && cs.offLinkhdr.reg === -1) cs.offLinkhdr.reg = allocReg(cs);
  let s: Slist | null;
  switch (cs.outermostlinktype) {
    case DLT.PRISM_HEADER:
      s = prismPrefix(cs);
      break;
    case DLT.IEEE802_11_RADIO_AVS:
      s = avsPrefix(cs);
      break;
    case DLT.IEEE802_11_RADIO:
    case DLT.PPI:
      s = radiotapPrefix(cs);
      break;
    default:
      s = null;
  }
  switch (cs.outermostlinktype) {
    case DLT.IEEE802_11:
    case DLT.PRISM_HEADER:
    case DLT.IEEE802_11_RADIO_AVS:
    case DLT.IEEE802_11_RADIO:
    case DLT.PPI:
      s = ieee80211HeaderLen(cs, s, b.stmts);
      break;
    case DLT.PFLOG:
      s = pflogPrefix(cs);
      break;
  }
  if (s === null && cs.isVlanVloffset) {
    if (cs.offLinkpl.reg === -1) cs.offLinkpl.reg = allocReg(cs);
    if (cs.offLinktype.reg === -1) cs.offLinktype.reg = allocReg(cs);
    s = stmt(BPF_LD | BPF_W | BPF_IMM, 0);
    sappend(s, stmt(BPF_ST, cs.offLinkpl.reg));
    sappend(s, stmt(BPF_ST, cs.offLinktype.reg));
  }
  sprependToBlock(s, b);
}

/** Turn the parsed expression into the program's root block (finish_parse). */
export function finishParse(cs: CompilerState, p: Block): Block {
  insertComputeVloffsets(cs, p.head!);
  if (cs.linktype === DLT.PPI) p = genAnd(genCmp(cs, OffRel.PACKET, 4, BPF_W, swapLong(DLT.IEEE802_11)), p);
  return attachReturns(p, cs.snaplen);
}
