#include "common.h"
/* Sum of all bytes: a loop over memory. */
PROG {
  u64 sum = 0;
  for (u64 i = 0; i < len; i++) sum += mem[i];
  return sum;
}
