#!/usr/bin/env bash
# Rebuilds bench/programs from their C sources with Debian's clang-16 (apt-get install clang-16 llvm-16), twice:
# NAME.o and NAME.bin (.text only), raw programs prog(mem, len) for `tsbpf run`; NAME.xdp.o, the same body as an XDP
# program the kernel's verifier accepts, which the bench runs on the interpreter, the JIT and the kernel.
set -euo pipefail
cd "$(dirname "$0")/../bench/programs"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for src in *.c; do
  name="${src%.c}"
  clang-16 -O2 -target bpf -mcpu=v3 -c "$src" -o "$name.o"
  llvm-objcopy-16 -O binary --only-section=.text "$name.o" "$name.bin"
  clang-16 -O2 -g -target bpf -mcpu=v3 -DBENCH_XDP -I"/usr/include/$multiarch" -fdebug-prefix-map="$PWD=." \
    -c "$src" -o "$name.xdp.o"
done
