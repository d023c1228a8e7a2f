/* Baseline for bench/kernel-map.ts: BPF_MAP_LOOKUP_ELEM in a C loop through libc's syscall(), on a hash map
 * shaped like the JS benchmark's (4-byte key, 8-byte value). Prints lookups per second. */
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_HASH;
  attr.key_size = 4;
  attr.value_size = 8;
  attr.max_entries = 16;
  int fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
  if (fd < 0) { perror("BPF_MAP_CREATE"); return 1; }
  unsigned key = 7;
  unsigned long long value = 99;
  memset(&attr, 0, sizeof attr);
  attr.map_fd = fd;
  attr.key = (unsigned long)&key;
  attr.value = (unsigned long)&value;
  if (syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &attr, sizeof attr) < 0) { perror("BPF_MAP_UPDATE_ELEM"); return 1; }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < n; i++) syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &attr, 32);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%.0f\n", n / seconds);
  close(fd);
  return 0;
}
