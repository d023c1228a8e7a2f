#include "common.h"
/* Packet parse: Ethernet, optional VLAN, IPv4/IPv6, TCP/UDP ports; returns a flow key fold (0 when not parsed). */
PROG {
  if (len < 14) return 0;
  u64 off = 12;
  u16 proto = (u16)(mem[off] << 8 | mem[off + 1]);
  off += 2;
  if (proto == 0x8100 && len >= off + 4) {
    proto = (u16)(mem[off + 2] << 8 | mem[off + 3]);
    off += 4;
  }
  u64 key = proto;
  u8 l4;
  if (proto == 0x0800) {
    if (len < off + 20) return 0;
    u64 ihl = (u64)(mem[off] & 0x0f) * 4;
    l4 = mem[off + 9];
    for (int i = 12; i < 20; i++) key = key * 31 + mem[off + i];
    off += ihl;
  } else if (proto == 0x86dd) {
    if (len < off + 40) return 0;
    l4 = mem[off + 6];
    for (int i = 8; i < 40; i++) key = key * 31 + mem[off + i];
    off += 40;
  } else {
    return key;
  }
  if ((l4 == 6 || l4 == 17) && len >= off + 4) {
    key = key * 31 + (mem[off] << 8 | mem[off + 1]);
    key = key * 31 + (mem[off + 2] << 8 | mem[off + 3]);
  }
  return key * 31 + l4;
}
