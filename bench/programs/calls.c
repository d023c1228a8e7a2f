#include "common.h"
/* BPF-to-BPF calls: a non-inlined function per byte, itself calling another. */
static __attribute__((noinline)) u64 rotl(u64 v, u64 n) { return (v << (n & 63)) | (v >> ((64 - n) & 63)); }
static __attribute__((noinline)) u64 mix(u64 h, u64 b) { return rotl(h ^ b, 5) * 0x9e3779b97f4a7c15ULL; }
PROG {
  u64 h = end - mem;
  for (u32 i = 0; i < MAX_LEN; i++) {
    if (mem + i + 1 > end) break;
    h = mix(h, mem[i]);
  }
  return h;
}
