#include "common.h"
/* Counts primes below 2,000 by trial division: division-heavy. */
PROG {
  u32 count = 0;
  for (u32 n = 2; n < 2000; n++) {
    u32 prime = 1;
    for (u32 d = 2; d < 45 && d * d <= n; d++) {
      if (n % d == 0) { prime = 0; break; }
    }
    count += prime;
  }
  return count;
}
