/**
 * Linux's ancillary ("SKF_AD") loads: a classic `ld [k]` whose k lies in the last page of the 32-bit offset space
 * does not read the packet but socket-buffer metadata (include/uapi/linux/filter.h). libpcap emits them when it
 * compiles for a live Linux capture (`ldh [type]` for `inbound`, `ld [vlan_tci]`...). On a savefile no metadata
 * exists, and the offset is simply beyond the captured bytes, so the load rejects the packet.
 */

/** First ancillary offset, as the unsigned 32-bit k of an `ld` (SKF_AD_OFF = -0x1000). */
export const SKF_AD_OFF = 0xfffff000;

export const SKF_AD_PROTOCOL = 0;
export const SKF_AD_PKTTYPE = 4;
export const SKF_AD_IFINDEX = 8;
export const SKF_AD_NLATTR = 12;
export const SKF_AD_NLATTR_NEST = 16;
export const SKF_AD_MARK = 20;
export const SKF_AD_QUEUE = 24;
export const SKF_AD_HATYPE = 28;
export const SKF_AD_RXHASH = 32;
export const SKF_AD_CPU = 36;
export const SKF_AD_ALU_XOR_X = 40;
export const SKF_AD_VLAN_TAG = 44;
export const SKF_AD_VLAN_TAG_PRESENT = 48;
export const SKF_AD_PAY_OFFSET = 52;
export const SKF_AD_RANDOM = 56;
export const SKF_AD_VLAN_TPID = 60;
/** One past the last ancillary code the kernel knows. */
export const SKF_AD_MAX = 64;

/** Names used by tcpdump -d / bpf_image for the ancillary offsets (`ldh [proto]`, `ld [vlan_tci]`...). */
export const ANCILLARY_NAMES: Readonly<Record<number, string>> = {
  [SKF_AD_PROTOCOL]: 'proto',
  [SKF_AD_PKTTYPE]: 'type',
  [SKF_AD_IFINDEX]: 'ifidx',
  [SKF_AD_NLATTR]: 'nla',
  [SKF_AD_NLATTR_NEST]: 'nlan',
  [SKF_AD_MARK]: 'mark',
  [SKF_AD_QUEUE]: 'queue',
  [SKF_AD_HATYPE]: 'hatype',
  [SKF_AD_RXHASH]: 'rxhash',
  [SKF_AD_CPU]: 'cpu',
  [SKF_AD_ALU_XOR_X]: 'xor_x',
  [SKF_AD_VLAN_TAG]: 'vlan_tci',
  [SKF_AD_VLAN_TAG_PRESENT]: 'vlanp',
  [SKF_AD_PAY_OFFSET]: 'poff',
  [SKF_AD_RANDOM]: 'rand',
  [SKF_AD_VLAN_TPID]: 'vlan_tpid',
};

/** True when `k` (unsigned) is an ancillary offset the kernel implements (bpf_anc_helper). */
export function isKnownAncillary(k: number): boolean {
  const ad = (k >>> 0) - SKF_AD_OFF;
  return ad >= 0 && ad < SKF_AD_MAX && (ad & 3) === 0;
}

/**
 * Socket-buffer metadata for ancillary loads, as the kernel would supply it for a live capture. Values are what
 * the classic load yields (host-order numbers: `protocol` is the EtherType, e.g. 0x0800; `pktType` is
 * PACKET_HOST=0, PACKET_OUTGOING=4...). A missing field reads as 0.
 */
export interface CbpfLinuxAux {
  protocol?: number;
  pktType?: number;
  ifindex?: number;
  mark?: number;
  queue?: number;
  hatype?: number;
  rxhash?: number;
  cpu?: number;
  vlanTci?: number;
  vlanPresent?: number;
  vlanTpid?: number;
  /** Value of SKF_AD_RANDOM (the kernel draws a fresh number per load; tests want it fixed). */
  random?: number;
  /** Value of SKF_AD_PAY_OFFSET (the kernel's flow dissector result: offset of the transport payload). */
  payOffset?: number;
}

/**
 * The value of ancillary load `ad` (offset minus SKF_AD_OFF) given metadata, or undefined when the kernel
 * would not load such a filter (unknown code, or netlink attribute searches we cannot perform on bytes alone).
 * SKF_AD_ALU_XOR_X is not a load and is handled by the caller.
 */
export function ancillaryValue(ad: number, aux: CbpfLinuxAux): number | undefined {
  switch (ad) {
    case SKF_AD_PROTOCOL:
      return (aux.protocol ?? 0) & 0xffff;
    case SKF_AD_PKTTYPE:
      return (aux.pktType ?? 0) & 0xff;
    case SKF_AD_IFINDEX:
      return (aux.ifindex ?? 0) >>> 0;
    case SKF_AD_MARK:
      return (aux.mark ?? 0) >>> 0;
    case SKF_AD_QUEUE:
      return (aux.queue ?? 0) & 0xffff;
    case SKF_AD_HATYPE:
      return (aux.hatype ?? 0) & 0xffff;
    case SKF_AD_RXHASH:
      return (aux.rxhash ?? 0) >>> 0;
    case SKF_AD_CPU:
      return (aux.cpu ?? 0) >>> 0;
    case SKF_AD_VLAN_TAG:
      return (aux.vlanTci ?? 0) & 0xffff;
    case SKF_AD_VLAN_TAG_PRESENT:
      return aux.vlanPresent ? 1 : 0;
    case SKF_AD_VLAN_TPID:
      return (aux.vlanTpid ?? 0) & 0xffff;
    case SKF_AD_RANDOM:
      return (aux.random ?? 0) >>> 0;
    case SKF_AD_PAY_OFFSET:
      return (aux.payOffset ?? 0) >>> 0;
    default:
      return undefined;
  }
}
