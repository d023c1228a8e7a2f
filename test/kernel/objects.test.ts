/**
 * The tutorial objects of test/fixtures/objects in the real kernel: every one loads unless the kernel here cannot
 * support it (each exception names why), the sockex1-like socket filter counts the bytes of loopback traffic, and
 * the execve tracer reports a process we start. Nothing is left behind: fds, links and pins are compared before
 * and after, and the pin directory holds only the maps the objects pin by name. (The signal tracer's test is in
 * attach.test.ts, over the same objects/ fixture.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ensurePinRoot } from '../../src/kernel/bpffs.js';
import { openLinkCount } from '../../src/kernel/link.js';
import { loadCollection } from '../../src/kernel/load-collection.js';
import { fixtureSpec, waitFor } from './fixtures.js';
import { openPacketSocket } from './packet-socket.js';
import { bpfUnavailable, openFds, readU64, u32 } from './support.js';

const LIBBPF_PIN_BY_NAME = 1;

const skip = bpfUnavailable();
if (skip) console.log(`# skipping kernel object tests: ${skip}`);

/**
 * Programs this kernel cannot load, by object: the program names and the error that says why. A kernel that can
 * load them passes too; one that refuses them for another reason fails.
 */
const CANNOT_LOAD: Record<string, { programs: string[]; error: RegExp; why: string }[]> = {
  'core.bpf.o': [
    {
      programs: ['on_exec'],
      error: /failed to find the address for kernel symbol 'bpf_prog_active'|ENOENT/,
      why:
        'the typed __ksym bpf_prog_active is a per-CPU data symbol; without CONFIG_KALLSYMS_ALL the verifier ' +
        'cannot find its address',
    },
    {
      programs: ['fentry_unlink'],
      error: /EPERM|trampoline|ENOTSUPP|EOPNOTSUPP/,
      why: 'this kernel refuses fentry programs (no BPF trampoline here: EPERM)',
    },
  ],
};

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('the objects/ fixtures in the kernel', { skip: skip ?? false }, () => {
  let fdsBefore: string[];
  const pinRoot = `/sys/fs/bpf/tsbpf-objects-${process.pid}`;

  before(() => {
    // Warm the one-time caches (feature probes, vmlinux BTF, attr buffers) outside the leak check.
    loadCollection(fixtureSpec('objects/xdp_parse.bpf.o')).close();
    fdsBefore = openFds();
  });

  after(() => {
    assert.deepEqual(openFds(), fdsBefore, 'every fd the tests opened is closed');
    assert.equal(openLinkCount(), 0, 'every link is closed');
  });

  test('every object loads, but for the programs this kernel cannot support', () => {
    ensurePinRoot(pinRoot);
    const objects = readdirSync('test/fixtures/objects').filter((f) => f.endsWith('.bpf.o'));
    const pinned: string[] = [];
    assert.ok(objects.length >= 12, `${objects.length} objects`);
    for (const file of objects) {
      const spec = fixtureSpec(`objects/${file}`);
      const exceptions = CANNOT_LOAD[file] ?? [];
      const excluded = new Set(exceptions.flatMap((e) => e.programs));
      const loadable = spec.programs.filter((p) => !excluded.has(p.name)).map((p) => p.name);
      if (loadable.length > 0) {
        const collection = loadCollection(spec, { pinRoot, programs: loadable });
        try {
          assert.deepEqual([...collection.programs.keys()].sort(), [...loadable].sort(), file);
          assert.equal(collection.maps.size, spec.maps.length, `${file}: every map created`);
        } finally {
          collection.close();
        }
      }
      for (const exception of exceptions) {
        try {
          loadCollection(fixtureSpec(`objects/${file}`), { pinRoot, programs: exception.programs }).close();
        } catch (error) {
          assert.match((error as Error).message, exception.error, `${file} ${exception.programs}: ${exception.why}`);
        }
      }
      pinned.push(...spec.maps.filter((m) => m.pinning === LIBBPF_PIN_BY_NAME).map((m) => m.name));
    }
    // Pins outlive a collection by design: exactly the maps the objects pin by name are there, nothing else.
    assert.deepEqual(readdirSync(pinRoot).sort(), [...new Set(pinned)].sort());
    rmSync(pinRoot, { recursive: true });
    assert.equal(existsSync(pinRoot), false);
  });

  test('sockex on a loopback packet socket counts the bytes of the UDP traffic we send, by IP protocol', async () => {
    const collection = loadCollection(fixtureSpec('objects/sockex.bpf.o'));
    const packets = openPacketSocket('lo');
    const receiver = createSocket('udp4');
    const sender = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
      const port = receiver.address().port;
      let received = 0;
      receiver.on('message', () => received++);
      const IPPROTO_UDP = 17;
      const slot = collection.map('my_map');
      const counted = () => readU64(slot.lookup(u32(IPPROTO_UDP))!);
      const link = collection.program('bpf_prog1').attach({ socket: packets.fd });
      const before = counted();
      const sizes = [10, 100, 1000, 1];
      for (const size of sizes) sender.send(new Uint8Array(size), port, '127.0.0.1');
      await waitFor(() => received === sizes.length, 5000, 'the datagrams to arrive');
      // Each datagram leaves lo as one outgoing frame: Ethernet 14 + IPv4 20 + UDP 8 + payload.
      const expected = BigInt(sizes.reduce((sum, size) => sum + 14 + 20 + 8 + size, 0));
      await waitFor(() => counted() - before >= expected, 5000, 'the filter to count the frames');
      assert.equal(counted() - before, expected);
      link.close();
      sender.send(new Uint8Array(50), port, '127.0.0.1');
      await waitFor(() => received === sizes.length + 1, 5000, 'the datagram sent after detaching');
      assert.equal(counted() - before, expected, 'detached: not counted');
    } finally {
      receiver.close();
      sender.close();
      packets.close();
      collection.close();
    }
  });

  test('the sys_enter_execve tracer prints the command name of a process we start', async () => {
    const collection = loadCollection(fixtureSpec('objects/execve.bpf.o'));
    try {
      const link = collection.program('trace_execve').attach();
      assert.equal(link.target, 'tracepoint/syscalls/sys_enter_execve');
      const pipe = collection.tracePipe();
      // sh -c execs the command itself: that second execve comes from "sh" in the child's own process.
      const child = spawn('/bin/sh', ['-c', 'exec /bin/true tsbpf-execve']);
      let seen: string | undefined;
      for await (const line of pipe) {
        if (line.includes(`-${child.pid} `) && line.includes('execve by sh')) {
          seen = line;
          break;
        }
      }
      await exited(child);
      assert.match(seen ?? '', /\bexecve by sh$/);
    } finally {
      collection.close();
    }
  });
});
