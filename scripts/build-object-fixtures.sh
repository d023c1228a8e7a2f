#!/bin/sh
# Rebuilds test/fixtures/objects: vmlinux.h from this machine's kernel BTF, every *.bpf.c compiled with clang
# (-O2 -g -target bpf; legacy.bpf.c without -g, so it has no BTF; bpfeb.bpf.c big-endian), and beside each object
# what the reference tools say about it: llvm-objdump's section and symbol tables and its -S listing, and bpftool's
# skeleton. scripts/object-expectations.mjs condenses those into FILE.expect.json, which the tests read, so tests
# need neither clang nor bpftool. Run from anywhere; with FILE.bpf.c arguments only those are rebuilt (vmlinux.h is
# kept then).
set -eu
CLANG=${CLANG:-clang-16}
OBJDUMP=${OBJDUMP:-llvm-objdump-16}
BPFTOOL=${BPFTOOL:-bpftool}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/test/fixtures/objects"
[ $# -gt 0 ] && [ -f vmlinux.h ] || "$BPFTOOL" btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
CFLAGS="-O2 -D__TARGET_ARCH_x86 -I. -I/usr/include/$multiarch -fdebug-prefix-map=$PWD=."
[ $# -gt 0 ] || set -- *.bpf.c
for src in "$@"; do
  src=$(basename "$src")
  obj=${src%.c}.o
  case "$src" in
    legacy.bpf.c) "$CLANG" $CFLAGS -target bpf -c "$src" -o "$obj" ;;
    bpfeb.bpf.c) "$CLANG" $CFLAGS -g -target bpfeb -c "$src" -o "$obj" ;;
    *) "$CLANG" $CFLAGS -g -target bpf -c "$src" -o "$obj" ;;
  esac
  base=${obj%.o}
  "$OBJDUMP" -h -t "$obj" > "$base.objdump.txt"
  "$OBJDUMP" -S --no-show-raw-insn "$obj" > "$base.source.txt" 2>/dev/null || true
  if ! "$BPFTOOL" gen skeleton "$obj" name "$(echo "$base" | tr . _)" > "$base.skel.h" 2> "$base.skel.err"; then
    rm -f "$base.skel.h"
  else
    rm -f "$base.skel.err"
  fi
done
"$BPFTOOL" version > bpftool-version.txt
"$CLANG" --version | head -1 > clang-version.txt
node "$root/scripts/object-expectations.mjs" . "$@"
