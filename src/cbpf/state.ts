import { PCAP_NETMASK_UNKNOWN } from './consts.js';
import { DLT, DLT_HIGH_MATCHING_MAX, DLT_HIGH_MATCHING_MIN } from './dlt.js';
import { FilterError } from './errors.js';
import type { Resolver } from './nametoaddr.js';

/** "No such offset" (OFFSET_NOT_SET). */
export const OFFSET_NOT_SET = 0xffffffff;

/**
 * An absolute offset from the start of the packet: a constant part plus, when `isVariable`, the value of a
 * scratch register (`reg`, -1 until one is allocated) computed at the start of the program (bpf_abs_offset).
 */
export interface AbsOffset {
  isVariable: boolean;
  constantPart: number;
  reg: number;
}

const absOffset = (): AbsOffset => ({ isVariable: false, constantPart: 0, reg: -1 });

/** Where the capture comes from; libpcap varies a few tests by it (byte order of DLT_NULL, AF_INET6 values). */
export type CaptureSource = 'live' | 'unswapped' | 'swapped';

/** Code generator state (gencode.c's compiler_state_t without the allocator and the longjmp buffer). */
export interface CompilerState {
  snaplen: number;
  netmask: number;
  noOptimize: boolean;
  /** Linux BPF extensions (SKF_AD_*) are usable: a live capture on Linux (bpf_codegen_flags). */
  linuxExt: boolean;
  source: CaptureSource;
  resolver: Resolver;

  linktype: number;
  prevlinktype: number;
  outermostlinktype: number;
  offLinkhdr: AbsOffset;
  offPrevlinkhdr: AbsOffset;
  offOutermostlinkhdr: AbsOffset;
  offLinkpl: AbsOffset;
  offLinktype: AbsOffset;
  isAtm: boolean;
  isEncap: boolean;
  isVlanVloffset: boolean;
  offVpi: number;
  offVci: number;
  offProto: number;
  offPayload: number;
  offLi: number;
  offLiHsl: number;
  offSio: number;
  offOpc: number;
  offDpc: number;
  offSls: number;
  offNl: number;
  offNlNosnap: number;
  labelStackDepth: number;
  vlanStackDepth: number;
  fddipad: number;
  regused: boolean[];
  curreg: number;
}

export interface StateOptions {
  linktype: number;
  snaplen: number;
  netmask: number | null;
  linuxExt: boolean;
  source: CaptureSource;
  resolver: Resolver;
}

/** A fresh compiler state with the link-layer offsets of `opts.linktype` (pcap_compile + init_linktype). */
export function createState(opts: StateOptions): CompilerState {
  const cs: CompilerState = {
    snaplen: opts.snaplen,
    netmask: opts.netmask === null ? PCAP_NETMASK_UNKNOWN : opts.netmask >>> 0,
    noOptimize: false,
    linuxExt: opts.linuxExt,
    source: opts.source,
    resolver: opts.resolver,
    linktype: opts.linktype,
    prevlinktype: opts.linktype,
    outermostlinktype: opts.linktype,
    offLinkhdr: absOffset(),
    offPrevlinkhdr: absOffset(),
    offOutermostlinkhdr: absOffset(),
    offLinkpl: absOffset(),
    offLinktype: absOffset(),
    isAtm: false,
    isEncap: false,
    isVlanVloffset: false,
    offVpi: OFFSET_NOT_SET,
    offVci: OFFSET_NOT_SET,
    offProto: OFFSET_NOT_SET,
    offPayload: OFFSET_NOT_SET,
    offLi: OFFSET_NOT_SET,
    offLiHsl: OFFSET_NOT_SET,
    offSio: OFFSET_NOT_SET,
    offOpc: OFFSET_NOT_SET,
    offDpc: OFFSET_NOT_SET,
    offSls: OFFSET_NOT_SET,
    offNl: 0,
    offNlNosnap: 0,
    labelStackDepth: 0,
    vlanStackDepth: 0,
    fddipad: 0,
    regused: new Array<boolean>(16).fill(false),
    curreg: 0,
  };
  initLinktype(cs);
  return cs;
}

/** Set the offsets of the link-layer type field, payload and network layer (gencode.c's init_linktype). */
function initLinktype(cs: CompilerState): void {
  const lt = cs.offLinktype;
  const pl = cs.offLinkpl;
  const set = (linktype: number, linkpl: number, nl: number, nlNosnap: number): void => {
    lt.constantPart = linktype >>> 0;
    pl.constantPart = linkpl >>> 0;
    cs.offNl = nl >>> 0;
    cs.offNlNosnap = nlNosnap >>> 0;
  };
  const N = OFFSET_NOT_SET;
  switch (cs.linktype) {
    case DLT.ARCNET:
      set(2, 6, 0, 0);
      break;
    case DLT.ARCNET_LINUX:
      set(4, 8, 0, 0);
      break;
    case DLT.EN10MB:
      set(12, 14, 0, 3);
      break;
    case DLT.SLIP:
      set(N, 16, 0, 0);
      break;
    case DLT.SLIP_BSDOS:
      set(N, 24, 0, 0);
      break;
    case DLT.NULL:
    case DLT.LOOP:
      set(0, 4, 0, 0);
      break;
    case DLT.ENC:
      set(0, 12, 0, 0);
      break;
    case DLT.PPP:
    case DLT.PPP_PPPD:
    case DLT.C_HDLC:
    case DLT.PPP_SERIAL:
      set(2, 4, 0, 0);
      break;
    case DLT.PPP_ETHER:
      set(6, 8, 0, 0);
      break;
    case DLT.PPP_BSDOS:
      set(5, 24, 0, 0);
      break;
    case DLT.FDDI:
      set(13 + cs.fddipad, 13 + cs.fddipad, 8, 3);
      break;
    case DLT.IEEE802:
      set(14, 14, 8, 3);
      break;
    case DLT.PRISM_HEADER:
    case DLT.IEEE802_11_RADIO_AVS:
    case DLT.IEEE802_11_RADIO:
    case DLT.PPI:
      cs.offLinkhdr.isVariable = true;
      set(24, 0, 8, 3);
      pl.isVariable = true;
      break;
    case DLT.IEEE802_11:
      set(24, 0, 8, 3);
      pl.isVariable = true;
      break;
    case DLT.ATM_RFC1483:
    case DLT.ATM_CLIP:
      set(0, 0, 8, 3);
      break;
    case DLT.SUNATM:
      cs.isAtm = true;
      cs.offVpi = 1;
      cs.offVci = 2;
      cs.offProto = 0;
      cs.offPayload = 4;
      set(4, 4, 8, 3);
      break;
    case DLT.RAW:
    case DLT.IPV4:
    case DLT.IPV6:
      set(N, 0, 0, 0);
      break;
    case DLT.LINUX_SLL:
      set(14, 16, 0, 0);
      break;
    case DLT.LINUX_SLL2:
      set(0, 20, 0, 0);
      break;
    case DLT.LTALK:
      set(N, 0, 0, 0);
      break;
    case DLT.IP_OVER_FC:
      set(16, 16, 8, 3);
      break;
    case DLT.FRELAY:
      set(N, 0, 0, 0);
      break;
    case DLT.MFR:
      set(N, 0, 4, 0);
      break;
    case DLT.APPLE_IP_OVER_IEEE1394:
      set(16, 18, 0, 0);
      break;
    case DLT.SYMANTEC_FIREWALL:
      set(6, 44, 0, 0);
      break;
    case DLT.PFLOG:
      set(0, 0, 0, 0);
      pl.isVariable = true;
      break;
    case DLT.JUNIPER_MFR:
    case DLT.JUNIPER_MLFR:
    case DLT.JUNIPER_MLPPP:
    case DLT.JUNIPER_PPP:
    case DLT.JUNIPER_CHDLC:
    case DLT.JUNIPER_FRELAY:
      set(4, 4, 0, N);
      break;
    case DLT.JUNIPER_ATM1:
      set(4, 4, 0, 10);
      break;
    case DLT.JUNIPER_ATM2:
      set(8, 8, 0, 10);
      break;
    case DLT.JUNIPER_PPPOE:
    case DLT.JUNIPER_ETHER:
      set(16, 14, 18, 21);
      break;
    case DLT.JUNIPER_PPPOE_ATM:
      set(4, 6, 0, N);
      break;
    case DLT.JUNIPER_GGSN:
      set(6, 12, 0, N);
      break;
    case DLT.JUNIPER_ES:
      set(6, N, N, N);
      break;
    case DLT.JUNIPER_MONITOR:
      set(12, 12, 0, N);
      break;
    case DLT.JUNIPER_SERVICES:
      set(12, N, N, N);
      break;
    case DLT.JUNIPER_VP:
    case DLT.JUNIPER_ST:
      set(18, N, N, N);
      break;
    case DLT.JUNIPER_ISM:
    case DLT.JUNIPER_VS:
    case DLT.JUNIPER_SRX_E2E:
    case DLT.JUNIPER_FIBRECHANNEL:
    case DLT.JUNIPER_ATM_CEMIC:
      set(8, N, N, N);
      break;
    case DLT.MTP2:
      setSs7(cs, 2);
      set(N, N, N, N);
      break;
    case DLT.MTP2_WITH_PHDR:
      setSs7(cs, 6);
      set(N, N, N, N);
      break;
    case DLT.ERF:
      setSs7(cs, 22);
      set(N, N, N, N);
      break;
    case DLT.PFSYNC:
      set(N, 4, 0, 0);
      break;
    case DLT.IPNET:
      set(1, 24, 0, N);
      break;
    case DLT.NETANALYZER:
      cs.offLinkhdr.constantPart = 4;
      set(4 + 12, 4 + 14, 0, 3);
      break;
    case DLT.NETANALYZER_TRANSPARENT:
      cs.offLinkhdr.constantPart = 12;
      set(12 + 12, 12 + 14, 0, 3);
      break;
    case DLT.DSA_TAG_BRCM:
    case DLT.DSA_TAG_DSA:
      set(16, 18, 0, 3);
      break;
    case DLT.EN3MB:
    case DLT.AX25:
    case DLT.PRONET:
    case DLT.CHAOS:
    case DLT.REDBACK_SMARTEDGE:
    case DLT.HHDLC:
    case DLT.AX25_KISS:
    case DLT.BACNET_MS_TP:
      set(N, N, N, N);
      break;
    default:
      if (cs.linktype >= DLT_HIGH_MATCHING_MIN && cs.linktype <= DLT_HIGH_MATCHING_MAX) set(N, N, N, N);
      else throw new FilterError(`unknown data link type ${cs.linktype}`);
  }
  cs.offOutermostlinkhdr = { ...cs.offLinkhdr };
  cs.offPrevlinkhdr = { ...cs.offLinkhdr };
}

/** MTP2/MTP3 field offsets for the SS7 link types, relative to the LI field offset. */
function setSs7(cs: CompilerState, li: number): void {
  cs.offLi = li;
  cs.offLiHsl = li + 2;
  cs.offSio = li + 1;
  cs.offOpc = li + 2;
  cs.offDpc = li + 2;
  cs.offSls = li + 5;
}
