import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isOneLineInputError, tsbpf } from './spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-run-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('tsbpf conformance', () => {
  it('passes the whole shared suite on the VM', () => {
    const r = tsbpf('conformance', '../shared/conformance');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim().split('\n').pop(), '313 passed, 0 failed');
  });
  it('reports a failing test with expected and actual values, exit 1, and --json', () => {
    const bad = file('wrong.data', '-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n');
    const r = tsbpf('conformance', bad);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL .*wrong\.data: expected 0x2, got 0x1/);
    assert.equal(r.stdout.trim().split('\n').pop(), '0 passed, 1 failed');
    const j = JSON.parse(tsbpf('conformance', bad, '--json').stdout);
    assert.deepEqual(j, {
      passed: 0,
      failed: 1,
      results: [{ file: bad, status: 'failed', expected: '0x2', got: '0x1', error: null }],
    });
  });
  it('malformed .data files and missing paths are bad input (exit 2, one line)', () => {
    assert.ok(isOneLineInputError(tsbpf('conformance', file('m.data', '-- mem\nzz\n-- asm\nexit\n'))));
    assert.ok(isOneLineInputError(tsbpf('conformance', file('empty.data', '# nothing\n'))));
    assert.ok(isOneLineInputError(tsbpf('conformance', join(dir, 'missing'))));
    assert.ok(isOneLineInputError(tsbpf('conformance', '../shared/conformance', '--backend', 'gpu')));
  });
});

describe('tsbpf run', () => {
  const prog = file('add.s', 'r0 = *(u8 *)(r1 + 0)\nr0 += r2\nexit\n');
  it('prints r0 in hex; --json adds duration, executed instructions and backend', () => {
    const r = tsbpf('run', prog, '--mem', '40 00');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0x42\n');
    const j = JSON.parse(tsbpf('run', prog, '--mem', '40 00', '--json', '--repeat', '10').stdout);
    assert.equal(j.retval, '0x42');
    assert.equal(j.insns_executed, 3);
    assert.equal(j.backend, 'jit'); // --repeat > 1: the JIT by default
    assert.equal(typeof j.duration_ns, 'number');
  });
  it('runs raw binaries, hex text and --mem-file', () => {
    const bin = file('p.bin', Uint8Array.from([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    assert.equal(tsbpf('run', bin).stdout, '0x7\n');
    const hex = file('p.hex', 'b7 00 00 00 07 00 00 00\n95 00 00 00 00 00 00 00\n');
    assert.equal(tsbpf('run', hex).stdout, '0x7\n');
    assert.equal(tsbpf('run', prog, '--mem-file', bin).stdout, '0xc7\n');
  });
  it('a faulting program prints the fault and exits 1', () => {
    const r = tsbpf('run', prog);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /program fault: invalid read of 1 bytes at 0x0 .* at pc 0/);
  });
  it('bad programs and options are bad input (exit 2, one line)', () => {
    assert.ok(isOneLineInputError(tsbpf('run', file('trunc.bin', Uint8Array.from([0xb7, 0, 0])))));
    assert.ok(isOneLineInputError(tsbpf('run', file('op.bin', Uint8Array.from([0xff, 0, 0, 0, 0, 0, 0, 0])))));
    assert.ok(isOneLineInputError(tsbpf('run', file('jmp.s', 'goto +5\nexit\n'))));
    assert.ok(isOneLineInputError(tsbpf('run', file('imm.s', 'r0 = 0x1ffffffff\nexit\n'))));
    assert.ok(isOneLineInputError(tsbpf('run', prog, '--mem', 'xyz')));
    assert.ok(isOneLineInputError(tsbpf('run', prog, '--repeat', '0')));
    assert.ok(isOneLineInputError(tsbpf('run', join(dir, 'nope.s'))));
  });
});
