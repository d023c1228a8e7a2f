import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { rmSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { stmt } from '../../src/cbpf/insn.js';
import { attachClassicFilter } from '../../src/kernel/attach-net.js';
import { probePmu } from '../../src/kernel/attach-probe.js';
import { type KernelLink, openLinkCount } from '../../src/kernel/link.js';
import { loadCollection } from '../../src/kernel/load-collection.js';
import { setVariable } from '../../src/object/variables.js';
import { cString, fixtureSpec, waitFor } from './fixtures.js';
import { bpfUnavailable, expectNothingLeftBehind, readU64 } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping kernel attach tests: ${skip}`);

/** The fd behind a bound node:dgram socket (libuv keeps it in the handle). */
function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no fd on this socket');
  return fd;
}

async function boundUdp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('attaching programs in the kernel', { skip: skip ?? false }, () => {
  expectNothingLeftBehind(() => loadCollection(fixtureSpec('kernel/sockcount.bpf.o')).close());

  test('an execve tracepoint reports the comm and file name of a process we start', async () => {
    const collection = loadCollection(fixtureSpec('kernel/execve.bpf.o'));
    try {
      const link = collection.program('trace_execve').attach();
      assert.equal(link.target, 'tracepoint/syscalls/sys_enter_execve');
      const ring = collection.ringBuffer('exec_events');
      const child = spawn('/bin/sh', ['-c', 'exec /bin/true tsbpf-execve-test']);
      const seen: { pid: number; comm: string; filename: string }[] = [];
      for await (const record of ring) {
        const view = new DataView(record.buffer, record.byteOffset);
        const event = {
          pid: view.getUint32(0, true),
          comm: cString(record, 8, 16),
          filename: cString(record, 24, 128),
        };
        if (event.pid === child.pid) seen.push(event);
        if (seen.some((e) => e.filename === '/bin/true')) break;
      }
      await exited(child);
      // sh -c execs /bin/true itself, so the second execve comes from "sh" in the same process.
      assert.deepEqual(
        seen.find((e) => e.filename === '/bin/true'),
        { pid: child.pid, comm: 'sh', filename: '/bin/true' },
      );
      const count = collection.map('exec_count').decodedEntries();
      assert.equal(count.length, 1);
      assert.equal(count[0]!.key, 0);
      assert.ok((count[0]!.value as number) >= 2, 'the counter saw both execs');
      link.close();
      assert.equal(openLinkCount(), 0);
    } finally {
      collection.close();
    }
  });

  test('a signal tracer reports SIGUSR1 sent from one child process to another', async () => {
    const collection = loadCollection(fixtureSpec('objects/signals.bpf.o'));
    try {
      collection.program('on_generate').attach();
      collection.program('on_deliver').attach();
      const ring = collection.ringBuffer('events');
      // The target handles SIGUSR1 (an unhandled fatal signal would be delivered as SIGKILL) and waits in the
      // shell's own `read` on a pipe nobody writes: no child processes, whose SIGCHLD would be generated for the
      // target too and overwrite the sender the fixture recorded for it.
      const target = spawn('/bin/sh', ['-c', 'trap "exit 0" USR1; read line'], { stdio: ['pipe', 'ignore', 'ignore'] });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const sender = spawn('/bin/sh', ['-c', `kill -USR1 ${target.pid}`]);
      let event: { sender: number; target: number; sig: number; senderComm: string; targetComm: string } | undefined;
      for await (const record of ring) {
        const view = new DataView(record.buffer, record.byteOffset);
        const candidate = {
          sender: view.getUint32(0, true),
          target: view.getUint32(4, true),
          sig: view.getInt32(8, true),
          senderComm: cString(record, 12, 16),
          targetComm: cString(record, 28, 16),
        };
        if (candidate.target === target.pid && candidate.sig === 10) {
          event = candidate;
          break;
        }
      }
      await Promise.all([exited(target), exited(sender)]);
      assert.deepEqual(event, {
        sender: sender.pid,
        target: target.pid,
        sig: 10,
        senderComm: 'sh',
        targetComm: 'sh',
      });
    } finally {
      collection.close();
    }
  });

  test('a socket filter on a loopback socket counts the bytes we send it', async () => {
    const collection = loadCollection(fixtureSpec('kernel/sockcount.bpf.o'));
    const receiver = await boundUdp();
    const sender = createSocket('udp4');
    try {
      const link = collection.program('count_bytes').attach({ socket: socketFd(receiver) });
      const port = receiver.address().port;
      let received = 0;
      receiver.on('message', () => received++);
      const sizes = [10, 100, 1000, 1];
      for (const size of sizes) sender.send(new Uint8Array(size), port, '127.0.0.1');
      await waitFor(() => received === sizes.length, 5000, 'datagrams to arrive');
      const stats = collection.map('sock_stats');
      assert.equal(readU64(stats.lookup(new Uint8Array([0, 0, 0, 0]))!), BigInt(sizes.length));
      // The filter sees each datagram from its UDP header on: 8 bytes plus the payload.
      const bytes = sizes.reduce((sum, size) => sum + size + 8, 0);
      assert.equal(readU64(stats.lookup(new Uint8Array([1, 0, 0, 0]))!), BigInt(bytes));
      link.close();
      sender.send(new Uint8Array(50), port, '127.0.0.1');
      await waitFor(() => received === sizes.length + 1, 5000, 'the datagram sent after detaching');
      assert.equal(readU64(stats.lookup(new Uint8Array([0, 0, 0, 0]))!), BigInt(sizes.length), 'detached: no count');
    } finally {
      receiver.close();
      sender.close();
      collection.close();
    }
  });

  test('a classic filter attached to a socket drops what it rejects until detached', async () => {
    const receiver = await boundUdp();
    const sender = createSocket('udp4');
    try {
      const port = receiver.address().port;
      let received = 0;
      receiver.on('message', () => received++);
      const BPF_RET_K = 0x06;
      const link = attachClassicFilter(socketFd(receiver), [stmt(BPF_RET_K, 0)], 'drop-all');
      sender.send(new Uint8Array(20), port, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(received, 0);
      link.close();
      sender.send(new Uint8Array(20), port, '127.0.0.1');
      await waitFor(() => received === 1, 5000, 'a datagram after detaching');
    } finally {
      receiver.close();
      sender.close();
    }
  });

  test('ring buffer and perf buffer readers deliver every record, in order, with the .rodata constant', async () => {
    const spec = fixtureSpec('kernel/getppid_events.bpf.o');
    setVariable(spec, 'target_pid', process.pid);
    setVariable(spec, 'magic', 0x7e57);
    const collection = loadCollection(spec);
    try {
      collection.program('on_getppid').attach();
      const perf = collection.perfBuffer('perf_events');
      const ring = collection.ringBuffer('ring_events');
      const calls = 50;
      for (let i = 0; i < calls; i++) assert.ok(process.ppid > 0);
      const decode = (data: Uint8Array) => {
        const view = new DataView(data.buffer, data.byteOffset);
        return {
          seq: Number(view.getBigUint64(0, true)),
          pid: view.getUint32(8, true),
          magic: view.getUint32(12, true),
        };
      };
      const fromRing: number[] = [];
      await waitFor(
        () => ring.poll((r) => fromRing.push(decode(r).seq)) >= 0 && fromRing.length >= calls,
        5000,
        'ring records',
      );
      assert.deepEqual(
        fromRing,
        Array.from({ length: calls }, (_, i) => i),
      );
      const fromPerf: { seq: number; pid: number; magic: number }[] = [];
      for await (const record of perf) {
        assert.equal(record.lost, undefined);
        fromPerf.push(decode(record.data));
        if (fromPerf.length === calls) break;
      }
      fromPerf.sort((a, b) => a.seq - b.seq);
      assert.deepEqual(
        fromPerf,
        Array.from({ length: calls }, (_, i) => ({ seq: i, pid: process.pid, magic: 0x7e57 })),
      );
      assert.equal(perf.lost, 0);
      // The counter lives in .bss, read through the mapping.
      assert.equal(readU64(collection.variable('seq').get()), BigInt(calls));
    } finally {
      collection.close();
    }
  });

  test('a kprobe on do_unlinkat sees an unlink we perform', async (t) => {
    const hasKprobes = probePmu('kprobe') !== undefined;
    const spec = fixtureSpec('kernel/unlink_fentry.bpf.o');
    setVariable(spec, 'target_pid', process.pid);
    const collection = loadCollection(spec, { programs: ['unlink_kprobe'] });
    try {
      let link: KernelLink;
      try {
        link = collection.program('unlink_kprobe').attach();
      } catch (error) {
        if (hasKprobes) throw error;
        t.skip(`this kernel has no kprobes: ${(error as Error).message}`);
        return;
      }
      const path = `/tmp/tsbpf-unlink-${process.pid}`;
      writeFileSync(path, 'x');
      rmSync(path);
      await waitFor(() => readU64(collection.variable('kprobe_hits').get()) >= 1n, 5000, 'the kprobe to fire');
      link.close();
    } finally {
      collection.close();
    }
  });

  test('fentry on do_unlinkat prints the file name to trace_pipe', async (t) => {
    const spec = fixtureSpec('kernel/unlink_fentry.bpf.o');
    setVariable(spec, 'target_pid', process.pid);
    let collection: ReturnType<typeof loadCollection>;
    try {
      collection = loadCollection(spec, { programs: ['unlink_entry'] });
    } catch (error) {
      if (!/EPERM|trampoline/.test((error as Error).message)) throw error;
      t.skip(`this kernel refuses fentry programs: ${(error as Error).message}`);
      return;
    }
    try {
      collection.program('unlink_entry').attach();
      const pipe = collection.tracePipe();
      const path = `/tmp/tsbpf-fentry-${process.pid}`;
      writeFileSync(path, 'x');
      rmSync(path);
      for await (const line of pipe) if (line.includes(`tsbpf-unlink ${path}`)) break;
    } finally {
      collection.close();
    }
  });
});
