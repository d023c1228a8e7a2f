#!/bin/sh
# Rebuilds test/fixtures/verifier/objects: small C programs with one verifier mistake each (and a few accepted
# ones), compiled with clang -O2 -g -target bpf. The objects are committed so tests need no clang; their kernel
# verdicts are recorded by scripts/record-verifier-corpus.mjs.
set -eu
CLANG=${CLANG:-clang-16}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/test/fixtures/verifier/objects"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for src in *.bpf.c; do
  "$CLANG" -O2 -g -I/usr/include/$multiarch -fdebug-prefix-map="$PWD=." -target bpf -c "$src" -o "${src%.c}.o"
done
"$CLANG" --version | head -1 > clang-version.txt
