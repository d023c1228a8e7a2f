/**
 * bpf_get_current_task and bpf_get_current_task_btf: a task_struct image per simulated task, laid out as the
 * object's BTF says, that CO-RE reads (BPF_CORE_READ(task, real_parent, tgid)) and BTF pointer loads follow. The
 * kernel comparison of objects/task.bpf.o is in kernel-differential-runtime.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { describe, it } from 'node:test';
import { loadTargetBtf, VMLINUX_BTF_PATH } from '../../src/btf/core-node.js';
import { loadObjectSpec } from '../../src/object/load.js';
import type { ObjectSpec } from '../../src/object/types.js';
import type { VmCollection } from '../../src/vm/collection.js';
import { AddressSpace } from '../../src/vm/memory.js';
import { BUILTIN_TASK_LAYOUT, type ParentedTask, TaskImages, taskLayoutFromBtf } from '../../src/vm/task-image.js';
import { onEachBackend } from './backends.js';
import { object, program } from './spec-builder.js';

const fixture = (): ObjectSpec =>
  loadObjectSpec(new Uint8Array(readFileSync('test/fixtures/objects/task.bpf.o')), { name: 'task.bpf.o' });

/** struct task_seen of the fixture. */
function seenOf(c: VmCollection) {
  const b = c.map('seen').lookup(new Uint8Array(4))!;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const comm = b.subarray(24, 40);
  return {
    pid: v.getUint32(0, true),
    tgid: v.getUint32(4, true),
    ppid: v.getUint32(8, true),
    leaderPid: v.getUint32(12, true),
    btfPid: v.getUint32(16, true),
    commLen: v.getInt32(20, true),
    comm: Buffer.from(comm.subarray(0, comm.indexOf(0))).toString('latin1'),
  };
}

/** Sets the parent pid of the collection's task (TaskInfo has no ppid field yet: the images read it when set). */
function withParent(c: VmCollection, ppid: number): void {
  c.runtime.task = { ...c.runtime.task, ppid } as ParentedTask;
}

onEachBackend((loadCollection) => {
  describe('bpf_get_current_task', () => {
    it('CO-RE reads give the task pid, tgid, comm, its parent tgid and its group leader', () => {
      const c = loadCollection(fixture(), { task: { pid: 4242, tgid: 4240, comm: 'worker-thread-with-a-long-name' } });
      withParent(c, 77);
      assert.equal(c.program('record_task').run({ ctx: new Uint8Array(16) }).retval, 0n);
      assert.deepEqual(seenOf(c), {
        pid: 4242,
        tgid: 4240,
        ppid: 77,
        leaderPid: 4240,
        btfPid: 4242,
        commLen: 16,
        comm: 'worker-thread-w',
      });
    });
    it('without a parent pid the parent is init, and init is a child of swapper (pid 0)', () => {
      const c = loadCollection(fixture(), { task: { pid: 300, comm: 'sh' } });
      c.program('record_task').run({ ctx: new Uint8Array(16) });
      assert.equal(seenOf(c).ppid, 1);
      const init = loadCollection(fixture());
      init.program('record_task').run({ ctx: new Uint8Array(16) });
      assert.deepEqual(seenOf(init), { pid: 1, tgid: 1, ppid: 0, leaderPid: 1, btfPid: 1, commLen: 6, comm: 'tsbpf' });
    });
    it('events carry their own task, whose image is written when the program asks for it', () => {
      const c = loadCollection(fixture(), { task: { pid: 10 } });
      c.program('record_task').attach();
      c.events.fire('raw_tracepoint', 'sys_enter', [0, 0], { pid: 11, tgid: 11, comm: 'first' });
      assert.deepEqual([seenOf(c).pid, seenOf(c).comm], [11, 'first']);
      c.events.fire('raw_tracepoint', 'sys_enter', [0, 0], { pid: 12, tgid: 11, comm: 'second' });
      assert.deepEqual([seenOf(c).pid, seenOf(c).leaderPid, seenOf(c).comm], [12, 11, 'second']);
      // the same task again after an exec: its image follows the new comm
      c.events.fire('raw_tracepoint', 'sys_enter', [0, 0], { pid: 11, tgid: 11, comm: 'exec-ed' });
      assert.deepEqual([seenOf(c).pid, seenOf(c).comm], [11, 'exec-ed']);
      c.program('record_task').run({ ctx: new Uint8Array(16) });
      assert.equal(seenOf(c).pid, 10);
    });
    it('both helpers return the same pointer, which programs cannot write through', () => {
      const c = loadCollection(
        object([
          program('same', 'kprobe/f', 'KPROBE', 'call 35\nr6 = r0\ncall 158\nr0 -= r6\nexit'),
          program('write', 'kprobe/f', 'KPROBE', 'call 35\nr1 = 5\n*(u32 *)(r0 + 0) = r1\nr0 = 0\nexit'),
        ]),
      );
      assert.equal(c.program('same').run().r0, 0n);
      assert.throws(() => c.program('write').run(), /invalid write of 4 bytes .* read-only task_struct \(pid 1\)/);
    });
  });
});

describe('task_struct layouts', () => {
  it('come from the BTF the object was compiled against', () => {
    const layout = taskLayoutFromBtf(fixture().btf);
    assert.ok(layout);
    // test/fixtures/objects/vmlinux.h was dumped from the Linux 6.18 x86-64 BTF the built-in layout records
    assert.deepEqual(layout, BUILTIN_TASK_LAYOUT);
  });
  it('objects without a task_struct get the built-in layout', () => {
    assert.equal(taskLayoutFromBtf(undefined), undefined);
    const spec = loadObjectSpec(new Uint8Array(readFileSync('test/fixtures/objects/xdp_parse.bpf.o')), { name: 'x' });
    assert.equal(taskLayoutFromBtf(spec.btf), undefined);
  });
  it('the built-in layout is the running kernel\'s on Linux 6.18 x86-64', { skip: !isLinux618x86() }, () => {
    assert.deepEqual(taskLayoutFromBtf(loadTargetBtf()), BUILTIN_TASK_LAYOUT);
  });
  it('images chain parents up to pid 0, which is its own parent', () => {
    const space = new AddressSpace({ maxBytes: 16 << 20 });
    const images = new TaskImages(space, BUILTIN_TASK_LAYOUT);
    const l = BUILTIN_TASK_LAYOUT;
    const at = images.addressOf({ pid: 9, tgid: 9, uid: 0, gid: 0, comm: 'a', ppid: 5 });
    const ptr = (a: number, off: number) => Number(space.view.getBigUint64(a + off, true));
    const pid = (a: number) => space.view.getInt32(a + l.pid, true);
    const chain: number[] = [];
    for (let a = at, i = 0; i < 5; i++, a = ptr(a, l.realParent)) chain.push(pid(a));
    assert.deepEqual(chain, [9, 5, 1, 0, 0]);
    assert.equal(ptr(at, l.parent), ptr(at, l.realParent));
    images.release();
  });
  it('keeps the 4096 most recently used images: an older one is freed and reads as unmapped', () => {
    const space = new AddressSpace({ maxBytes: 64 << 20 });
    const images = new TaskImages(space, BUILTIN_TASK_LAYOUT);
    const task = (pid: number): ParentedTask => ({ pid, tgid: pid, uid: 0, gid: 0, comm: 'x', ppid: 1 });
    const first = images.addressOf(task(100));
    const second = images.addressOf(task(101));
    // 4094 tasks and their parents init (1) and swapper (0): 4096 images, none freed yet
    for (let pid = 102; pid < 100 + 4094; pid++) images.addressOf(task(pid));
    assert.equal(space.check(second, 8, false), true);
    images.addressOf(task(100)); // used again: now the most recent
    images.addressOf(task(5000)); // one more: the least recently used (101) goes
    assert.equal(space.check(first, 8, false), true);
    assert.equal(space.check(second, 8, false), false);
    images.release();
  });
});

function isLinux618x86(): boolean {
  if (arch() !== 'x64' || !existsSync(VMLINUX_BTF_PATH)) return false;
  return /^6\.18\./.test(readFileSync('/proc/sys/kernel/osrelease', 'latin1'));
}
