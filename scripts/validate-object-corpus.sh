#!/bin/sh
# Validation corpus for the object loader: compiles the kernel's BPF selftests (tools/testing/selftests/bpf/progs) and
# samples/bpf from Debian's linux-source tarball with clang, into /tmp (never into the repository), then loads every
# object with loadObjectSpec and reports how many load and why the rest do not, grouped by reason.
# Needs: apt-get install -y linux-source clang-16 libbpf-dev bpftool; the project built (npx tsc -p .).
# Usage: scripts/validate-object-corpus.sh [WORKDIR]   (default /tmp/object-corpus)
set -eu
CLANG=${CLANG:-clang-16}
BPFTOOL=${BPFTOOL:-bpftool}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/object-corpus}
tarball=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | head -1)
[ -n "$tarball" ] || { echo "no /usr/src/linux-source-*.tar.*: apt-get install -y linux-source" >&2; exit 2; }
mkdir -p "$work/src" "$work/obj" "$work/log"
src=$(find "$work/src" -maxdepth 1 -name 'linux-source-*' | head -1)
if [ -z "$src" ]; then
  tar -C "$work/src" -xf "$tarball" --wildcards '*/tools/testing/selftests/bpf/*' '*/samples/bpf/*' \
    '*/tools/lib/bpf/*' '*/tools/include/*'
  src=$(find "$work/src" -maxdepth 1 -name 'linux-source-*' | head -1)
fi
[ -f "$work/vmlinux.h" ] || "$BPFTOOL" btf dump file /sys/kernel/btf/vmlinux format c > "$work/vmlinux.h"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
sel="$src/tools/testing/selftests/bpf"
export CLANG work sel src multiarch
# One compile per source; failures leave their clang messages in $work/log and no object.
compile='f=$1; tag=$2; base=$tag-$(basename "${f%.c}"); out="$work/obj/$base.o"
[ -f "$out" ] && exit 0
"$CLANG" -O2 -g -target bpf -D__TARGET_ARCH_x86 -D__x86_64__ -Wno-everything \
  -I"$work" -I"$sel" -I"$sel/progs" -I"$src/tools/lib" -I"$src/samples/bpf" -I/usr/include -I/usr/include/bpf \
  -idirafter "/usr/include/$multiarch" -c "$f" -o "$out" 2> "$work/log/$base.log" || rm -f "$out"
exit 0'
ls "$sel"/progs/*.c | xargs -P "$(nproc)" -I{} sh -c "$compile" _ {} selftests
ls "$src"/samples/bpf/*_kern.c "$src"/samples/bpf/*.bpf.c 2>/dev/null | xargs -P "$(nproc)" -I{} sh -c "$compile" _ {} samples
echo "compiled: $(ls "$work/obj" | wc -l) objects from $(ls "$sel"/progs/*.c "$src"/samples/bpf/*_kern.c "$src"/samples/bpf/*.bpf.c 2>/dev/null | wc -l) sources"
node "$root/scripts/validate-object-corpus.mjs" "$work/obj"
