#!/bin/sh
# Rebuilds test/fixtures/kernel: the small programs the kernel backend tests load and attach (execve tracer, socket
# byte counter, unlink tracer, getppid perf/ring buffer source), compiled with clang -O2 -g -target bpf against
# test/fixtures/objects/vmlinux.h (built by build-object-fixtures.sh). Objects are committed so tests need no clang.
# With FILE.bpf.c arguments only those are rebuilt.
set -eu
CLANG=${CLANG:-clang-16}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/test/fixtures/kernel"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
[ $# -gt 0 ] || set -- *.bpf.c
for src in "$@"; do
  src=$(basename "$src")
  "$CLANG" -O2 -g -D__TARGET_ARCH_x86 -I/usr/include/$multiarch -fdebug-prefix-map="$PWD=." -target bpf \
    -c "$src" -o "${src%.c}.o"
done
"$CLANG" --version | head -1 > clang-version.txt
