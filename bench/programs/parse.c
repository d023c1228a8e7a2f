#include "common.h"
/* Packet parse: Ethernet, optional VLAN, IPv4/IPv6, TCP/UDP ports; returns a flow key fold (0 when not parsed). */
PROG {
  if (mem + 14 > end) return 0;
  u8 *p = mem + 12;
  u16 proto = (u16)(p[0] << 8 | p[1]);
  p += 2;
  if (proto == 0x8100 && p + 4 <= end) {
    proto = (u16)(p[2] << 8 | p[3]);
    p += 4;
  }
  u64 key = proto;
  u8 l4;
  if (proto == 0x0800) {
    if (p + 20 > end) return 0;
    u64 ihl = (u64)(p[0] & 0x0f) * 4;
    l4 = p[9];
    for (int i = 12; i < 20; i++) key = key * 31 + p[i];
    p += ihl;
  } else if (proto == 0x86dd) {
    if (p + 40 > end) return 0;
    l4 = p[6];
    for (int i = 8; i < 40; i++) key = key * 31 + p[i];
    p += 40;
  } else {
    return key;
  }
  if ((l4 == 6 || l4 == 17) && p + 4 <= end) {
    key = key * 31 + (p[0] << 8 | p[1]);
    key = key * 31 + (p[2] << 8 | p[3]);
  }
  return key * 31 + l4;
}
