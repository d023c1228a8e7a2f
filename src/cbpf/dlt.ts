import { DLT_TABLE } from './dlt-table.js';

/** DLT_* values the code generator treats specially. */
export const DLT = {
  NULL: 0,
  EN10MB: 1,
  EN3MB: 2,
  AX25: 3,
  PRONET: 4,
  CHAOS: 5,
  IEEE802: 6,
  ARCNET: 7,
  SLIP: 8,
  PPP: 9,
  FDDI: 10,
  ATM_RFC1483: 11,
  RAW: 12,
  SLIP_BSDOS: 15,
  PPP_BSDOS: 16,
  ATM_CLIP: 19,
  REDBACK_SMARTEDGE: 32,
  PPP_SERIAL: 50,
  PPP_ETHER: 51,
  SYMANTEC_FIREWALL: 99,
  C_HDLC: 104,
  IEEE802_11: 105,
  FRELAY: 107,
  LOOP: 108,
  ENC: 109,
  LINUX_SLL: 113,
  LTALK: 114,
  PFLOG: 117,
  PRISM_HEADER: 119,
  HHDLC: 121,
  IP_OVER_FC: 122,
  SUNATM: 123,
  IEEE802_11_RADIO: 127,
  ARCNET_LINUX: 129,
  JUNIPER_MLPPP: 130,
  JUNIPER_MLFR: 131,
  JUNIPER_ES: 132,
  JUNIPER_GGSN: 133,
  JUNIPER_MFR: 134,
  JUNIPER_ATM2: 135,
  JUNIPER_SERVICES: 136,
  JUNIPER_ATM1: 137,
  APPLE_IP_OVER_IEEE1394: 138,
  MTP2_WITH_PHDR: 139,
  MTP2: 140,
  IEEE802_11_RADIO_AVS: 163,
  JUNIPER_MONITOR: 164,
  BACNET_MS_TP: 165,
  PPP_PPPD: 166,
  JUNIPER_PPPOE: 167,
  JUNIPER_PPPOE_ATM: 168,
  JUNIPER_ETHER: 178,
  JUNIPER_PPP: 179,
  JUNIPER_FRELAY: 180,
  JUNIPER_CHDLC: 181,
  MFR: 182,
  JUNIPER_VP: 183,
  PPI: 192,
  JUNIPER_ISM: 194,
  ERF: 197,
  JUNIPER_ST: 200,
  AX25_KISS: 202,
  JUNIPER_VS: 217,
  JUNIPER_SRX_E2E: 233,
  JUNIPER_FIBRECHANNEL: 234,
  JUNIPER_ATM_CEMIC: 238,
  IPNET: 226,
  IPV4: 228,
  IPV6: 229,
  NETANALYZER: 240,
  NETANALYZER_TRANSPARENT: 241,
  PFSYNC: 246,
  LINUX_SLL2: 276,
  DSA_TAG_BRCM: 281,
  DSA_TAG_DSA: 284,
} as const;

/** The range of DLT values assigned by tcpdump.org that only support raw `link[N:M]` filtering by default. */
export const DLT_HIGH_MATCHING_MIN = 104;
export const DLT_HIGH_MATCHING_MAX = 301;

const byName = new Map<string, number>();
const byValue = new Map<number, { name: string; description: string }>();
for (const [value, name, description] of DLT_TABLE) {
  if (!byName.has(name)) byName.set(name, value);
  if (!byValue.has(value)) byValue.set(value, { name, description });
}

/** DLT value for a name such as "EN10MB" or "DLT_EN10MB" (case-insensitive), or undefined. */
export function dltFromName(name: string): number | undefined {
  const n = name.toUpperCase().replace(/^DLT_/, '');
  return byName.get(n);
}

/** libpcap's pcap_datalink_val_to_name(): the name without the DLT_ prefix. */
export function dltName(value: number): string | undefined {
  return byValue.get(value)?.name;
}

/** The most descriptive identification of a DLT, as libpcap's error messages print it. */
export function dltDescribe(value: number): string {
  const e = byValue.get(value);
  if (e) return `DLT_${e.name} (${e.description})`;
  return `DLT ${value}`;
}
