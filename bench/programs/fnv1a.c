#include "common.h"
/* 64-bit FNV-1a hash of the buffer. */
PROG {
  u64 h = 0xcbf29ce484222325ULL;
  for (u32 i = 0; i < MAX_LEN; i++) {
    if (mem + i + 1 > end) break;
    h ^= mem[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
