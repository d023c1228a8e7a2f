import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCpuList } from '../../src/kernel/cpus.js';
import {
  ERRNO,
  errnoName,
  isKernelError,
  KernelError,
  VerifierError,
  verifierSummary,
} from '../../src/kernel/errors.js';

test('errno numbers map to their Linux names and back', () => {
  assert.equal(errnoName(1), 'EPERM');
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(7), 'E2BIG');
  assert.equal(errnoName(22), 'EINVAL');
  assert.equal(errnoName(28), 'ENOSPC');
  assert.equal(errnoName(524), 'ENOTSUPP');
  assert.equal(errnoName(4242), 'errno 4242');
  assert.equal(ERRNO.EACCES, 13);
});

test('KernelError names the command, the errno and what it means', () => {
  const error = new KernelError('BPF_MAP_CREATE', 1);
  assert.equal(error.code, 'EPERM');
  assert.equal(error.errno, 1);
  assert.match(error.message, /^BPF_MAP_CREATE failed: EPERM: .*needs root or CAP_BPF \+ CAP_PERFMON/);
  assert.ok(isKernelError(error, 'EPERM'));
  assert.ok(!isKernelError(error, 'ENOENT'));
  assert.ok(!isKernelError(new Error('x')));
});

test('VerifierError keeps the whole log and summarises its last reason', () => {
  const log =
    '0: R1=ctx() R10=fp0\n0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0\n';
  const error = new VerifierError('BPF_PROG_LOAD', 13, log);
  assert.equal(error.log, log);
  assert.ok(error instanceof KernelError);
  assert.match(error.message, /^BPF_PROG_LOAD failed: EACCES: R0 !read_ok \(/);
  assert.match(verifierSummary(22, ''), /invalid argument/);
});

test('CPU lists count ranges and singles', () => {
  assert.equal(parseCpuList('0-3\n'), 4);
  assert.equal(parseCpuList('0'), 1);
  assert.equal(parseCpuList('0-1,4,6-7'), 5);
  assert.throws(() => parseCpuList('zero'), /malformed CPU list/);
});
