/**
 * Numeric constants of the filter compiler: qualifier codes (gencode.h), protocol numbers and header values
 * that libpcap's code generator compares against (ethertype.h, llc.h, ppp.h, ieee80211.h, sll.h, pflog.h).
 */

// Address qualifiers ("type" in pcap-filter(7)).
export const Q_DEFAULT = 0;
export const Q_HOST = 1;
export const Q_NET = 2;
export const Q_PORT = 3;
export const Q_GATEWAY = 4;
export const Q_PROTO = 5;
export const Q_PROTOCHAIN = 6;
export const Q_PORTRANGE = 7;
export const Q_UNDEF = 255;

// Protocol qualifiers.
export const Q_LINK = 1;
export const Q_IP = 2;
export const Q_ARP = 3;
export const Q_RARP = 4;
export const Q_SCTP = 5;
export const Q_TCP = 6;
export const Q_UDP = 7;
export const Q_ICMP = 8;
export const Q_IGMP = 9;
export const Q_IGRP = 10;
export const Q_ATALK = 11;
export const Q_DECNET = 12;
export const Q_LAT = 13;
export const Q_SCA = 14;
export const Q_MOPRC = 15;
export const Q_MOPDL = 16;
export const Q_IPV6 = 17;
export const Q_ICMPV6 = 18;
export const Q_AH = 19;
export const Q_ESP = 20;
export const Q_PIM = 21;
export const Q_VRRP = 22;
export const Q_AARP = 23;
export const Q_ISO = 24;
export const Q_ESIS = 25;
export const Q_ISIS = 26;
export const Q_CLNP = 27;
export const Q_STP = 28;
export const Q_IPX = 29;
export const Q_NETBEUI = 30;
export const Q_ISIS_L1 = 31;
export const Q_ISIS_L2 = 32;
export const Q_ISIS_IIH = 33;
export const Q_ISIS_SNP = 34;
export const Q_ISIS_CSNP = 35;
export const Q_ISIS_PSNP = 36;
export const Q_ISIS_LSP = 37;
export const Q_RADIO = 38;
export const Q_CARP = 39;

// Direction qualifiers.
export const Q_SRC = 1;
export const Q_DST = 2;
export const Q_OR = 3;
export const Q_AND = 4;
export const Q_ADDR1 = 5;
export const Q_ADDR2 = 6;
export const Q_ADDR3 = 7;
export const Q_ADDR4 = 8;
export const Q_RA = 9;
export const Q_TA = 10;

/** A qualifier triple (struct qual). */
export interface Qual {
  addr: number;
  proto: number;
  dir: number;
}
export const qualDefault = (): Qual => ({ addr: Q_DEFAULT, proto: Q_DEFAULT, dir: Q_DEFAULT });
export const qualErr = (): Qual => ({ addr: Q_UNDEF, proto: Q_UNDEF, dir: Q_UNDEF });

const PQ_NAMES: Record<number, string> = {
  [Q_LINK]: 'link',
  [Q_IP]: 'ip',
  [Q_ARP]: 'arp',
  [Q_RARP]: 'rarp',
  [Q_SCTP]: 'sctp',
  [Q_TCP]: 'tcp',
  [Q_UDP]: 'udp',
  [Q_ICMP]: 'icmp',
  [Q_IGMP]: 'igmp',
  [Q_IGRP]: 'igrp',
  [Q_ATALK]: 'atalk',
  [Q_DECNET]: 'decnet',
  [Q_LAT]: 'lat',
  [Q_SCA]: 'sca',
  [Q_MOPRC]: 'moprc',
  [Q_MOPDL]: 'mopdl',
  [Q_IPV6]: 'ip6',
  [Q_ICMPV6]: 'icmp6',
  [Q_AH]: 'ah',
  [Q_ESP]: 'esp',
  [Q_PIM]: 'pim',
  [Q_VRRP]: 'vrrp',
  [Q_AARP]: 'aarp',
  [Q_ISO]: 'iso',
  [Q_ESIS]: 'esis',
  [Q_ISIS]: 'isis',
  [Q_CLNP]: 'clnp',
  [Q_STP]: 'stp',
  [Q_IPX]: 'ipx',
  [Q_NETBEUI]: 'netbeui',
  [Q_ISIS_L1]: 'l1',
  [Q_ISIS_L2]: 'l2',
  [Q_ISIS_IIH]: 'iih',
  [Q_ISIS_SNP]: 'snp',
  [Q_ISIS_CSNP]: 'csnp',
  [Q_ISIS_PSNP]: 'psnp',
  [Q_ISIS_LSP]: 'lsp',
  [Q_RADIO]: 'radio',
  [Q_CARP]: 'carp',
};
const DQ_NAMES: Record<number, string> = {
  [Q_SRC]: 'src',
  [Q_DST]: 'dst',
  [Q_OR]: 'src or dst',
  [Q_AND]: 'src and dst',
  [Q_ADDR1]: 'addr1',
  [Q_ADDR2]: 'addr2',
  [Q_ADDR3]: 'addr3',
  [Q_ADDR4]: 'addr4',
  [Q_RA]: 'ra',
  [Q_TA]: 'ta',
};
const TQ_NAMES: Record<number, string> = {
  [Q_HOST]: 'host',
  [Q_NET]: 'net',
  [Q_PORT]: 'port',
  [Q_GATEWAY]: 'gateway',
  [Q_PROTO]: 'proto',
  [Q_PROTOCHAIN]: 'protochain',
  [Q_PORTRANGE]: 'portrange',
};
/** Keyword of a protocol qualifier (pqkw). */
export const pqkw = (id: number): string => PQ_NAMES[id] ?? `<invalid proto ${id}>`;
/** Keyword of a direction qualifier (dqkw). */
export const dqkw = (id: number): string => DQ_NAMES[id] ?? `<invalid dir ${id}>`;
/** Keyword of an address qualifier (tqkw). */
export const tqkw = (id: number): string => TQ_NAMES[id] ?? `<invalid type ${id}>`;

// ATM keywords.
export const A_METAC = 22;
export const A_BCC = 23;
export const A_OAMF4SC = 24;
export const A_OAMF4EC = 25;
export const A_SC = 26;
export const A_ILMIC = 27;
export const A_OAM = 28;
export const A_OAMF4 = 29;
export const A_LANE = 30;
export const A_VPI = 51;
export const A_VCI = 52;
export const A_CONNECTMSG = 70;
export const A_METACONNECT = 71;

// MTP2/MTP3 keywords.
export const M_FISU = 22;
export const M_LSSU = 23;
export const M_MSU = 24;
export const MH_FISU = 25;
export const MH_LSSU = 26;
export const MH_MSU = 27;
export const M_SIO = 1;
export const M_OPC = 2;
export const M_DPC = 3;
export const M_SLS = 4;
export const MH_SIO = 5;
export const MH_OPC = 6;
export const MH_DPC = 7;
export const MH_SLS = 8;

export const ATM_NAMES: Record<number, string> = {
  [A_METAC]: 'metac',
  [A_BCC]: 'bcc',
  [A_OAMF4SC]: 'oamf4sc',
  [A_OAMF4EC]: 'oamf4ec',
  [A_SC]: 'sc',
  [A_ILMIC]: 'ilmic',
  [A_OAM]: 'oam',
  [A_OAMF4]: 'oamf4',
  [A_LANE]: 'lane',
  [A_VPI]: 'vpi',
  [A_VCI]: 'vci',
  [A_CONNECTMSG]: 'connectmsg',
  [A_METACONNECT]: 'metaconnect',
};
export const SS7_NAMES: Record<number, string> = {
  [M_FISU]: 'fisu',
  [M_LSSU]: 'lssu',
  [M_MSU]: 'msu',
  [MH_FISU]: 'hfisu',
  [MH_LSSU]: 'hlssu',
  [MH_MSU]: 'hmsu',
  [M_SIO]: 'sio',
  [M_OPC]: 'opc',
  [M_DPC]: 'dpc',
  [M_SLS]: 'sls',
  [MH_SIO]: 'hsio',
  [MH_OPC]: 'hopc',
  [MH_DPC]: 'hdpc',
  [MH_SLS]: 'hsls',
};

/** "Not a port protocol" marker (PROTO_UNDEF). */
export const PROTO_UNDEF = -1;

// IP protocol numbers.
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_IGRP = 9;
export const IPPROTO_UDP = 17;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_PIM = 103;
export const IPPROTO_VRRP = 112;
export const IPPROTO_CARP = 112;
export const IPPROTO_SCTP = 132;

// EtherTypes.
export const ETHERMTU = 1500;
export const ETHERTYPE_PUP = 0x0200;
export const ETHERTYPE_NS = 0x0600;
export const ETHERTYPE_SPRITE = 0x0500;
export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_MOPDL = 0x6001;
export const ETHERTYPE_MOPRC = 0x6002;
export const ETHERTYPE_DN = 0x6003;
export const ETHERTYPE_LAT = 0x6004;
export const ETHERTYPE_SCA = 0x6007;
export const ETHERTYPE_TEB = 0x6558;
export const ETHERTYPE_REVARP = 0x8035;
export const ETHERTYPE_LANBRIDGE = 0x8038;
export const ETHERTYPE_DECDNS = 0x803c;
export const ETHERTYPE_DECDTS = 0x803e;
export const ETHERTYPE_VEXP = 0x805b;
export const ETHERTYPE_VPROD = 0x805c;
export const ETHERTYPE_ATALK = 0x809b;
export const ETHERTYPE_AARP = 0x80f3;
export const ETHERTYPE_8021Q = 0x8100;
export const ETHERTYPE_IPX = 0x8137;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_SLOW = 0x8809;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_PPPOED = 0x8863;
export const ETHERTYPE_PPPOES = 0x8864;
export const ETHERTYPE_8021AD = 0x88a8;
export const ETHERTYPE_LLDP = 0x88cc;
export const ETHERTYPE_LOOPBACK = 0x9000;
export const ETHERTYPE_8021QINQ = 0x9100;

// LLC SAPs and fields.
export const LLCSAP_NULL = 0x00;
export const LLCSAP_IP = 0x06;
export const LLCSAP_8021D = 0x42;
export const LLCSAP_SNAP = 0xaa;
export const LLCSAP_IPX = 0xe0;
export const LLCSAP_NETBEUI = 0xf0;
export const LLCSAP_ISONS = 0xfe;
export const LLC_S_FMT = 1;
export const LLC_U_FMT = 3;
export const LLC_S_CMD_MASK = 0x0f;
export const LLC_U_CMD_MASK = 0xef;
export const LLC_RNR = 0x05;
export const LLC_S_SUBTYPES: Record<string, number> = { rr: 0x01, rnr: 0x05, rej: 0x09 };
export const LLC_U_SUBTYPES: Record<string, number> = {
  ui: 0x03,
  ua: 0x63,
  disc: 0x43,
  dm: 0x0f,
  sabme: 0x6f,
  test: 0xe3,
  xid: 0xaf,
  frmr: 0x87,
};

// ISO NLPIDs and IS-IS PDU types.
export const ISO8473_CLNP = 0x81;
export const ISO9542_ESIS = 0x82;
export const ISO10589_ISIS = 0x83;
export const ISIS_L1_LAN_IIH = 15;
export const ISIS_L2_LAN_IIH = 16;
export const ISIS_PTP_IIH = 17;
export const ISIS_L1_LSP = 18;
export const ISIS_L2_LSP = 20;
export const ISIS_L1_CSNP = 24;
export const ISIS_L2_CSNP = 25;
export const ISIS_L1_PSNP = 26;
export const ISIS_L2_PSNP = 27;
export const ISIS_PDU_TYPE_MAX = 0x1f;

// PPP protocol numbers.
export const PPP_IP = 0x0021;
export const PPP_OSI = 0x0023;
export const PPP_NS = 0x0025;
export const PPP_DECNET = 0x0027;
export const PPP_APPLE = 0x0029;
export const PPP_IPX = 0x002b;
export const PPP_VJC = 0x002d;
export const PPP_VJNC = 0x002f;
export const PPP_BRPDU = 0x0031;
export const PPP_IPV6 = 0x0057;
export const PPP_MPLS_UCAST = 0x0281;
export const PPP_PPPD_IN = 0x00;
export const PPP_PPPD_OUT = 0x01;

// 802.11 frame control.
export const IEEE80211_FC0_TYPE_MASK = 0x0c;
export const IEEE80211_FC0_TYPE_MGT = 0x00;
export const IEEE80211_FC0_TYPE_CTL = 0x04;
export const IEEE80211_FC0_TYPE_DATA = 0x08;
export const IEEE80211_FC0_SUBTYPE_MASK = 0xf0;
export const IEEE80211_FC0_SUBTYPE_QOS = 0x80;
export const IEEE80211_FC0_SUBTYPE_CTS = 0xc0;
export const IEEE80211_FC0_SUBTYPE_ACK = 0xd0;
export const IEEE80211_FC1_DIR_MASK = 0x03;
export const IEEE80211_FC1_DIR_NODS = 0x00;
export const IEEE80211_FC1_DIR_TODS = 0x01;
export const IEEE80211_FC1_DIR_FROMDS = 0x02;
export const IEEE80211_FC1_DIR_DSTODS = 0x03;

// Linux cooked capture, IPNET, pflog, Linux BPF extensions.
export const LINUX_SLL_P_802_3 = 0x0001;
export const LINUX_SLL_P_802_2 = 0x0004;
export const LINUX_SLL_OUTGOING = 4;
export const IPH_AF_INET = 2;
export const IPH_AF_INET6 = 26;
export const IPNET_OUTBOUND = 1;
export const IPNET_INBOUND = 2;
export const PF_IN = 1;
export const PF_OUT = 2;
export const PFLOG_AF = 1;
export const PFLOG_ACTION = 2;
export const PFLOG_REASON = 3;
export const PFLOG_IFNAME = 4;
export const PFLOG_IFNAME_LEN = 16;
export const PFLOG_RULESET = 20;
export const PFLOG_RULESET_LEN = 16;
export const PFLOG_RULENR = 36;
export const PFLOG_SUBRULENR = 40;
export const PFLOG_DIR = 60;
export const SKF_AD_OFF = 0xfffff000;
export const SKF_AD_PKTTYPE = 4;
export const SKF_AD_IFINDEX = 8;
export const SKF_AD_VLAN_TAG = 44;
export const SKF_AD_VLAN_TAG_PRESENT = 48;
export const PACKET_OUTGOING = 4;
export const AF_INET = 2;
export const AF_INET6_LINUX = 10;
export const PCAP_NETMASK_UNKNOWN = 0xffffffff;
