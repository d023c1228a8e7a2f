#include "common.h"
/* RFC 1071 Internet checksum over the buffer. */
PROG {
  u32 sum = 0;
  u64 i = 0;
  for (; i + 1 < len; i += 2) sum += (u32)mem[i] << 8 | mem[i + 1];
  if (i < len) sum += (u32)mem[i] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (u16)~sum;
}
