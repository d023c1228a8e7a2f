/* Benchmark programs, written once and built twice by scripts/build-bench-programs.sh:
 *  - NAME.o / NAME.bin: a raw program u64 prog(u8 *mem, u64 len), the calling convention of `tsbpf run` (r1 = memory,
 *    r2 = its length); the .bin is the .text section.
 *  - NAME.xdp.o (built with -DBENCH_XDP): SEC("xdp") bench(ctx) runs the same body on the packet and stores the 64-bit
 *    result in the global `result` (XDP's verdict is 32 bits), so the same object runs on the interpreter, the JIT and
 *    the kernel through BPF_PROG_TEST_RUN.
 * Every body reads memory only after checking the access against `end`, and every loop has a constant bound, so the
 * kernel's verifier accepts the XDP build; on inputs up to MAX_LEN bytes both builds compute the same as plain C. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* Longest input the loops walk (the bench uses 1500-byte packets). */
#define MAX_LEN 2048

#ifdef BENCH_XDP
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
volatile u64 result;
char _license[] SEC("license") = "GPL";
static __always_inline u64 body(u8 *mem, u8 *end);
SEC("xdp") int bench(struct xdp_md *ctx) {
  result = body((u8 *)(long)ctx->data, (u8 *)(long)ctx->data_end);
  return XDP_PASS;
}
#define PROG static __always_inline u64 body(u8 *mem, u8 *end)
#else
static inline __attribute__((always_inline)) u64 body(u8 *mem, u8 *end);
u64 prog(u8 *mem, u64 len) { return body(mem, mem + len); }
#define PROG static inline __attribute__((always_inline)) u64 body(u8 *mem, u8 *end)
#endif
