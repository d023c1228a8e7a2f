#include "common.h"
/* xorshift64 PRNG, 10,000 rounds seeded from the first 8 bytes. */
PROG {
  u64 x = mem + 8 <= end ? *(u64 *)mem : 88172645463325252ULL;
  if (x == 0) x = 88172645463325252ULL;
  u64 acc = 0;
  for (int i = 0; i < 10000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    acc += x;
  }
  return acc;
}
