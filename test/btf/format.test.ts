import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatBtfC, formatBtfRaw, loadBtf, parseBtf } from '../../src/btf/index.js';
import { fixture, fixtureText } from './helpers.js';

const OBJECTS = ['kinds.o', 'kinds.eb.o', 'maps.o'];
const VMLINUX = '/sys/kernel/btf/vmlinux';

function has(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** bpftool's dump of a file; written through a file because reading 12 MB from a pipe is slow in node. */
function bpftoolDump(file: string, format: 'raw' | 'c'): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-bpftool-'));
  try {
    const out = join(dir, 'dump.txt');
    const fd = openSync(out, 'w');
    const result = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', format], {
      stdio: ['ignore', fd, 'pipe'],
    });
    closeSync(fd);
    assert.equal(result.status, 0, String(result.stderr));
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function vmlinux(): Uint8Array {
  const b = readFileSync(VMLINUX);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

describe('formatBtfRaw', () => {
  for (const name of OBJECTS) {
    it(`equals bpftool's raw dump of ${name}`, () => {
      const expected = fixtureText(name.replace(/\.o$/, '.raw.txt'));
      assert.equal(formatBtfRaw(loadBtf(fixture(name), { name })), expected);
    });
  }

  it('prints (invalid) for names bpftool cannot resolve and UNKN encodings', () => {
    // A DATASEC entry pointing past the last type prints without the kind/name suffix, as in bpftool.
    const btf = loadBtf(fixture('maps.o'));
    const text = formatBtfRaw(btf);
    assert.match(text, /\[\d+\] DATASEC '\.maps' size=0 vlen=3\n\ttype_id=\d+ offset=0 size=32 \(VAR 'events'\)/);
  });

  it("equals bpftool's raw dump of the running kernel's vmlinux", (t) => {
    if (!existsSync(VMLINUX)) return t.skip(`${VMLINUX} is missing`);
    if (!has('bpftool')) return t.skip('bpftool is not installed');
    const expected = bpftoolDump(VMLINUX, 'raw');
    const actual = formatBtfRaw(parseBtf(vmlinux()));
    assert.ok(actual === expected, 'raw dump differs from bpftool');
  });
});

describe('formatBtfC', () => {
  for (const name of OBJECTS) {
    it(`equals bpftool's C dump of ${name}`, () => {
      const expected = fixtureText(name.replace(/\.o$/, '.h.txt'));
      assert.equal(formatBtfC(loadBtf(fixture(name), { name })), expected);
    });
  }

  it("equals bpftool's C dump of vmlinux, and clang compiles a program including it", (t) => {
    if (!existsSync(VMLINUX)) return t.skip(`${VMLINUX} is missing`);
    const header = formatBtfC(parseBtf(vmlinux()));
    if (has('bpftool')) {
      const expected = bpftoolDump(VMLINUX, 'c');
      assert.ok(header === expected, 'C dump differs from bpftool');
    } else {
      t.diagnostic('bpftool is not installed: comparison skipped');
    }
    if (!has('clang-16')) return t.skip('clang-16 is not installed: compile check skipped');
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-vmlinux-'));
    try {
      writeFileSync(join(dir, 'vmlinux.h'), header);
      writeFileSync(
        join(dir, 'prog.c'),
        '#include "vmlinux.h"\n' +
          '__attribute__((section("kprobe/x"), used)) int prog(struct pt_regs *ctx) {\n' +
          '  struct task_struct *t = (void *)ctx;\n' +
          '  return t->pid + sizeof(struct sk_buff) + __builtin_preserve_field_info(t->flags, 0);\n}\n',
      );
      const result = spawnSync('clang-16', ['-target', 'bpf', '-O2', '-g', '-c', 'prog.c', '-o', 'prog.o'], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
