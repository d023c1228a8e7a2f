#include "common.h"
/* Sum of all bytes: a loop over memory. */
PROG {
  u64 sum = 0;
  for (u32 i = 0; i < MAX_LEN; i++) {
    if (mem + i + 1 > end) break;
    sum += mem[i];
  }
  return sum;
}
