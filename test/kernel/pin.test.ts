import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { enableStats, getFdById, getNextId, listIds, objGet } from '../../src/kernel/bpf.js';
import { isKernelError } from '../../src/kernel/errors.js';
import { KernelMap } from '../../src/kernel/map.js';
import { KernelProgram } from '../../src/kernel/prog.js';
import { bpfUnavailable, openFds, u32 } from './support.js';

const BPFFS = '/sys/fs/bpf';
const BPF_FS_MAGIC = 0xcafe4a11;

/** Mounts bpffs at /sys/fs/bpf when absent; returns whether we mounted it (so we unmount it again), or a reason. */
function ensureBpffs(): { mounted: boolean } | string {
  try {
    if (existsSync(BPFFS) && statfsSync(BPFFS).type === BPF_FS_MAGIC) return { mounted: false };
    execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS], { stdio: 'pipe' });
    return { mounted: true };
  } catch (error) {
    return `no bpf filesystem at ${BPFFS} and cannot mount one: ${(error as Error).message.split('\n')[0]}`;
  }
}

const unavailable = bpfUnavailable();
const fs = unavailable ? unavailable : ensureBpffs();
const skip = typeof fs === 'string' ? fs : null;
if (skip) console.log(`# skipping pin tests: ${skip}`);

describe('pinning and ids', { skip: skip ?? false }, () => {
  const dir = `${BPFFS}/tsbpf-test-${process.pid}`;
  let fdsBefore: string[];
  before(() => {
    mkdirSync(dir);
    fdsBefore = openFds();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    if (typeof fs !== 'string' && fs.mounted) execFileSync('umount', [BPFFS]);
    assert.deepEqual(openFds(), fdsBefore);
  });

  test('a pinned map outlives its fd and reopens by path', () => {
    const map = KernelMap.create({ type: 'HASH', keySize: 4, valueSize: 4, maxEntries: 4, name: 'pinned' });
    const path = `${dir}/map`;
    map.pin(path);
    map.update(u32(1), u32(11));
    const id = map.info().id;
    map.close();
    const again = KernelMap.fromPin(path);
    try {
      assert.equal(again.info().id, id);
      assert.deepEqual(again.lookup(u32(1)), u32(11));
      assert.equal(again.name, 'pinned');
    } finally {
      again.close();
      rmSync(path);
    }
    assert.throws(
      () => objGet(path),
      (e) => isKernelError(e, 'ENOENT'),
    );
  });

  test('a pinned program reopens by path and by id', () => {
    const prog = KernelProgram.load({
      type: 'SOCKET_FILTER',
      insns: new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
      name: 'pinprog',
    });
    const path = `${dir}/prog`;
    try {
      prog.pin(path);
      const id = prog.info().id;
      assert.ok(listIds('prog').includes(id));
      assert.ok((getNextId('prog', id - 1) ?? 0) <= id);
      const byPath = KernelProgram.fromPin(path);
      const byId = KernelProgram.fromId(id);
      assert.equal(byPath.info().id, id);
      assert.equal(byId.testRun({ data: new Uint8Array(14) }).retval, 7);
      byPath.close();
      byId.close();
      if (existsSync('/usr/sbin/bpftool') || existsSync('/usr/bin/bpftool')) {
        const shown = JSON.parse(
          execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(id)], { encoding: 'utf8' }),
        );
        assert.equal(shown.tag, prog.info().tag, 'our tag matches bpftool');
      }
    } finally {
      prog.close();
      rmSync(path, { force: true });
    }
    assert.throws(
      () => getFdById('prog', 0x7fff_fff0),
      (e) => isKernelError(e, 'ENOENT'),
    );
  });

  test('ENABLE_STATS counts runs while its fd is open', () => {
    const stats = enableStats();
    const prog = KernelProgram.load({
      type: 'SOCKET_FILTER',
      insns: new Uint8Array([0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
    });
    try {
      prog.testRun({ data: new Uint8Array(14), repeat: 5 });
      // Test runs are counted only on some kernels; the stats fd must at least be a real, closable fd.
      assert.ok(readFileSync(`/proc/self/fdinfo/${stats.fd}`, 'utf8').length > 0);
    } finally {
      prog.close();
      stats.close();
    }
  });
});
