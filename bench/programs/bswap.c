#include "common.h"
/* Byte-swaps every 32-bit word of the buffer in place and folds the results. */
PROG {
  u64 acc = 0;
  for (u32 i = 0; i < MAX_LEN; i += 4) {
    if (mem + i + 4 > end) break;
    u32 w = *(u32 *)(mem + i);
    w = __builtin_bswap32(w);
    *(u32 *)(mem + i) = w;
    acc = (acc << 1 | acc >> 63) ^ __builtin_bswap64((u64)w << 16);
  }
  return acc;
}
