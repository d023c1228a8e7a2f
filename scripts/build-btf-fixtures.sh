#!/bin/sh
# Rebuilds test/fixtures/btf: compiles every *.c with clang (little endian, plus a big-endian copy of kinds.c) and
# records bpftool's raw and C dumps of each object beside it (FILE.raw.txt, FILE.h.txt). Tests compare against the
# recorded dumps, so they need neither clang nor bpftool. Run from the project root.
set -eu
CLANG=${CLANG:-clang-16}
BPFTOOL=${BPFTOOL:-bpftool}
cd "$(dirname "$0")/../test/fixtures/btf"
for src in *.c; do
  obj=${src%.c}.o
  "$CLANG" -O2 -g -target bpf -fdebug-prefix-map="$PWD"=. -c "$src" -o "$obj"
done
"$CLANG" -O2 -g -target bpfeb -fdebug-prefix-map="$PWD"=. -c kinds.c -o kinds.eb.o
for obj in *.o; do
  "$BPFTOOL" btf dump file "$obj" format raw > "${obj%.o}.raw.txt"
  "$BPFTOOL" btf dump file "$obj" format c > "${obj%.o}.h.txt"
done
"$BPFTOOL" version > bpftool-version.txt
# Split BTF: clang cannot produce it, so split-base.btf and split-module.btf were written once with
# test/btf/builder.ts (see test/btf/split.test.ts); only bpftool's dumps of them are regenerated here.
"$BPFTOOL" btf dump file split-module.btf -B split-base.btf format raw > split-module.raw.txt
"$BPFTOOL" btf dump file split-module.btf -B split-base.btf format c > split-module.h.txt
