#include "common.h"
/* RFC 1071 Internet checksum over the buffer. */
PROG {
  u32 sum = 0;
  u32 i = 0;
  for (; i < MAX_LEN; i += 2) {
    if (mem + i + 2 > end) break;
    sum += (u32)mem[i] << 8 | mem[i + 1];
  }
  if (i < MAX_LEN && mem + i + 1 <= end) sum += (u32)mem[i] << 8;
  for (int k = 0; k < 4 && (sum >> 16); k++) sum = (sum & 0xffff) + (sum >> 16);
  return (u16)~sum;
}
