#!/usr/bin/env bash
# Rebuilds bench/programs/*.o and *.bin from their C sources with Debian's clang-16 (apt-get install clang-16 llvm-16).
set -euo pipefail
cd "$(dirname "$0")/../bench/programs"
for src in *.c; do
  name="${src%.c}"
  clang-16 -O2 -target bpf -mcpu=v3 -c "$src" -o "$name.o"
  llvm-objcopy-16 -O binary --only-section=.text "$name.o" "$name.bin"
done
