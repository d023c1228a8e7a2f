/* Benchmark programs for the userspace VM: each is a function prog(mem, len) -> u64, the calling convention of raw
 * programs (r1 = memory, r2 = its length). Compiled by scripts/build-bench-programs.sh; the .text section is
 * extracted to a .bin the benchmark runs. Built without the verifier in mind: loops are plain C loops. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
#define PROG u64 prog(u8 *mem, u64 len)
