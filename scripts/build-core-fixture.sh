#!/bin/sh
# Rebuilds test/fixtures/core: vmlinux.h from this machine's kernel BTF (bpftool), core.bpf.o from core.bpf.c
# (clang-16, libbpf-dev's bpf_core_read.h), and core.expected.json: what libbpf itself does with every CO-RE
# relocation of core.bpf.o against /sys/kernel/btf/vmlinux (its debug log while bpftool loads the object; needs
# root) plus task_struct's member offsets as bpftool dumps them (pahole's offsets). Tests compare against the
# recorded file, so they need neither clang, bpftool nor root. Run from the project root.
set -eu
CLANG=${CLANG:-clang-16}
BPFTOOL=${BPFTOOL:-bpftool}
VMLINUX=/sys/kernel/btf/vmlinux
cd "$(dirname "$0")/../test/fixtures/core"
"$BPFTOOL" btf dump file "$VMLINUX" format c > vmlinux.h
"$CLANG" -O2 -g -target bpf -fdebug-prefix-map="$PWD"=. -c core.bpf.c -o core.bpf.o
# DWARF is not needed (BTF and .BTF.ext carry types and line info) and would make the object 16 times larger.
"${STRIP:-llvm-strip-16}" -g core.bpf.o

log=$(mktemp)
raw=$(mktemp)
pin=/sys/fs/bpf/tsbpf-core-fixture-$$
trap 'rm -f "$log" "$raw"; rm -rf "$pin"' EXIT
# Loading (not attaching) runs libbpf's CO-RE pass with debug output; the pinned programs are removed at once.
"$BPFTOOL" -d prog loadall core.bpf.o "$pin" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
rm -rf "$pin"
"$BPFTOOL" btf dump file "$VMLINUX" format raw > "$raw"

KERNEL=$(uname -r) LIBBPF=$("$BPFTOOL" version | tr '\n' ' ') SHA=$(sha256sum "$VMLINUX" | cut -d' ' -f1) \
node - "$log" "$raw" > core.expected.json <<'JS'
const { readFileSync } = require('node:fs');
const [logFile, rawFile] = process.argv.slice(2);
const relocations = new Map();
const entry = (program, relo) => {
  const key = `${program}#${relo}`;
  if (!relocations.has(key)) relocations.set(key, { program, relo: Number(relo), poisoned: false });
  return relocations.get(key);
};
for (const line of readFileSync(logFile, 'utf8').split('\n')) {
  const m = /^libbpf: prog '([^']+)': relo #(\d+): (.*)$/.exec(line);
  if (!m) continue;
  const [, program, relo, rest] = m;
  const e = entry(program, relo);
  let p;
  if (rest.startsWith('<')) e.local = rest;
  else if ((p = /^matching candidate #\d+ (.*)$/.exec(rest)) && e.target === undefined) e.target = p[1];
  else if ((p = /^patched insn #(\d+) \(([^)]+)\) (?:imm|off|imm64) (\d+) -> (\d+)$/.exec(rest))) {
    Object.assign(e, { pc: Number(p[1]), form: p[2], insnValue: p[3], targetValue: p[4] });
  } else if ((p = /^substituting insn #(\d+) w\/ invalid insn$/.exec(rest)) && e.pc === undefined) {
    Object.assign(e, { pc: Number(p[1]), poisoned: true });
  }
}
// task_struct's members as bpftool prints them: bits_offset (and bitfield_size) per name.
const members = {};
let inTask = false;
for (const line of readFileSync(rawFile, 'utf8').split('\n')) {
  if (/^\[\d+\] /.test(line)) inTask = /^\[\d+\] STRUCT 'task_struct' /.test(line);
  else if (inTask) {
    const m = /^\s+'([^']*)' type_id=\d+ bits_offset=(\d+)(?: bitfield_size=(\d+))?/.exec(line);
    if (m && m[1] !== '(anon)') members[m[1]] = { bitsOffset: Number(m[2]), bitfieldSize: Number(m[3] ?? 0) };
  }
}
const wanted = ['__state', 'mm', 'pid', 'tgid', 'real_parent', 'pid_links', 'comm', 'in_execve',
  'init_private_fork_class', 'sched_reset_on_fork'];
const out = {
  kernel: process.env.KERNEL,
  vmlinuxSha256: process.env.SHA,
  bpftool: process.env.LIBBPF.trim(),
  taskStructMembers: Object.fromEntries(wanted.map((n) => [n, members[n]])),
  relocations: [...relocations.values()],
};
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
JS
echo "wrote $(pwd)/core.expected.json"
