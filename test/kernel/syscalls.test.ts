/**
 * The bpf() syscall layer against the running kernel, each command checked on objects whose contents a program
 * computed from something the test did: lookup-and-delete on queue, stack, hash, per-CPU hash and spin-locked maps
 * (and in batches), BPF_LINK_DETACH on an XDP link, the legacy cgroup path (PROG_ATTACH, PROG_QUERY, PROG_DETACH),
 * OBJ_GET_INFO_BY_FD for programs, maps and links compared with bpftool, the id walks, and the log paths of
 * BTF_LOAD and PROG_LOAD (the kernel's reason in the error, the log buffer growing on ENOSPC).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdirSync, openSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cgroupRoot } from '../../src/kernel/attach-net.js';
import {
  btfLoad,
  getFdById,
  getNextId,
  listIds,
  type ObjectKind,
  progAttach,
  progDetach,
  progLoad,
  progQuery,
  progTestRun,
  QUERY_EFFECTIVE,
} from '../../src/kernel/bpf.js';
import { AttachType, LinkType, MapFlags, MapType, ProgType, UpdateFlags } from '../../src/kernel/constants.js';
import { isKernelError, VerifierError } from '../../src/kernel/errors.js';
import { Fd } from '../../src/kernel/fd.js';
import { linkInfo, mapInfo, progInfo } from '../../src/kernel/info.js';
import { openLinkCount } from '../../src/kernel/link.js';
import { loadCollection } from '../../src/kernel/load-collection.js';
import type { KernelMap } from '../../src/kernel/map.js';
import { setVariable } from '../../src/object/variables.js';
import { fixtureSpec, waitFor } from './fixtures.js';
import { createVethNamespace, linkShow, vethNamespaceUnavailable } from './netns.js';
import { bpfUnavailable, expectNothingLeftBehind, readU64, u32 } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping bpf() syscall tests: ${skip}`);
const netnsSkip = skip ? null : vethNamespaceUnavailable();
if (netnsSkip) console.log(`# skipping the XDP link tests: ${netnsSkip}`);
const cgroupSkip = skip ? null : cgroupUnavailable();
if (cgroupSkip) console.log(`# skipping the cgroup tests: ${cgroupSkip}`);
const bpftoolSkip = skip ? null : bpftoolUnavailable();
if (bpftoolSkip) console.log(`# skipping the bpftool comparisons: ${bpftoolSkip}`);

/** Why test cgroups cannot be made under the cgroup2 mount, or null when they can. */
function cgroupUnavailable(): string | null {
  try {
    const probe = join(cgroupRoot(), `tsbpf-syscalls-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return null;
  } catch (error) {
    return `cannot create a cgroup v2 directory: ${(error as Error).message}`;
  }
}

function bpftoolUnavailable(): string | null {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `bpftool cannot run: ${(error as Error).message}`;
  }
}

/** `bpftool KIND show id ID --json`, parsed. */
function bpftool(kind: 'prog' | 'map' | 'link', id: number): Record<string, unknown> {
  return JSON.parse(execFileSync('bpftool', [kind, 'show', 'id', String(id), '--json'], { encoding: 'utf8' }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The u32 values of a list of 4-byte values. */
const u32s = (values: (Uint8Array | undefined)[]) =>
  values.map((v) => (v ? new DataView(v.buffer, v.byteOffset).getUint32(0, true) : undefined));

/**
 * Sends UDP datagrams one after the other (each after the previous send completed): argv HOST PORT SIZE...;
 * prints {"cgroup": the 0:: line of /proc/self/cgroup, "errors": [codes of failed sends]} as JSON.
 */
const UDP_SENDER = `
const dgram = require('node:dgram');
const fs = require('node:fs');
const [host, port, ...sizes] = process.argv.slice(1);
const socket = dgram.createSocket('udp4');
const errors = [];
const cgroup = (fs.readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m) || [])[1];
let i = 0;
const next = () => {
  if (i === sizes.length) {
    socket.close();
    console.log(JSON.stringify({ cgroup, errors }));
    return;
  }
  socket.send(Buffer.alloc(Number(sizes[i++]), 0x61), Number(port), host, (error) => {
    if (error) errors.push(error.code);
    next();
  });
};
next();
`;

/** Runs `argv` to completion (killed after 10 s), resolving with its stdout; rejects on a non-zero exit. */
function run(command: string, argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${argv.slice(0, 3).join(' ')} ended with ${code ?? signal}: ${stderr}`));
    });
  });
}

/** A fresh cgroup directory; send() runs the UDP sender inside it; remove() deletes it once its process is gone. */
class TestCgroup {
  private static serial = 0;
  readonly path: string;

  constructor(tag: string) {
    this.path = join(cgroupRoot(), `tsbpf-${tag}-${process.pid}-${TestCgroup.serial++}`);
    mkdirSync(this.path);
  }

  /** The cgroup's id: the inode number of its directory (what BPF and bpftool call cgroup_id). */
  id(): bigint {
    return statSync(this.path, { bigint: true }).ino;
  }

  async send(host: string, port: number, sizes: readonly number[]): Promise<{ cgroup: string; errors: string[] }> {
    // The shell moves itself into the cgroup and then becomes node, so every datagram leaves from inside it.
    const shell = 'echo $$ > "$0/cgroup.procs" && exec "$@"';
    const argv = ['-c', shell, this.path, process.execPath, '-e', UDP_SENDER, host, String(port), ...sizes.map(String)];
    const out = await run('/bin/sh', argv);
    return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
  }

  /** Removes the directory; the kernel refuses (EBUSY) until the exited child has left the cgroup. */
  async remove(): Promise<void> {
    for (let attempt = 0; existsSync(this.path); attempt++) {
      try {
        rmdirSync(this.path);
      } catch (error) {
        if (attempt >= 100) throw error;
        await sleep(20);
      }
    }
  }
}

async function boundUdp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** Every loaded object of `kind` found by walking GET_NEXT_ID from 0. */
function walk(kind: ObjectKind): number[] {
  const ids = listIds(kind);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `${kind} ids ascend`);
  return ids;
}

describe('the bpf() syscall layer', { skip: skip ?? false }, () => {
  expectNothingLeftBehind(() => loadCollection(fixtureSpec('kernel/map_ops.bpf.o')).close());

  describe('lookup-and-delete', () => {
    /** Runs the map_ops program once per packet length (BPF_PROG_TEST_RUN); the program records each length. */
    function feed(collection: ReturnType<typeof loadCollection>, lengths: readonly number[]): void {
      for (const length of lengths) {
        const result = progTestRun({ progFd: collection.program('record_len').fd, data: new Uint8Array(length) });
        assert.equal(result.retval, 0);
      }
    }

    test('QUEUE pops in FIFO order and STACK in LIFO order what the program pushed; empty gives undefined', () => {
      const collection = loadCollection(fixtureSpec('kernel/map_ops.bpf.o'));
      try {
        const lengths = [60, 14, 1500, 99];
        feed(collection, lengths);
        const queue = collection.map('len_queue').map;
        const stack = collection.map('len_stack').map;
        assert.deepEqual(u32s([queue.lookup()]), [60], 'lookup peeks at the head');
        const drain = (map: KernelMap) => u32s(lengths.map(() => map.lookupAndDelete()));
        assert.deepEqual(drain(queue), lengths);
        assert.deepEqual(drain(stack), [...lengths].reverse());
        assert.equal(queue.lookupAndDelete(), undefined, 'an empty queue pops nothing');
        assert.equal(stack.lookupAndDelete(), undefined, 'an empty stack pops nothing');
        // The kernel takes no flags on a pop.
        feed(collection, [70]);
        assert.throws(
          () => queue.lookupAndDelete(undefined, UpdateFlags.F_LOCK),
          (e) => isKernelError(e, 'EINVAL'),
        );
        assert.deepEqual(u32s([queue.lookupAndDelete()]), [70], 'the refused pop left the element');
      } finally {
        collection.close();
      }
    });

    test('HASH and PERCPU_HASH hand back the counted value once, then the key is gone', (t) => {
      const collection = loadCollection(fixtureSpec('kernel/map_ops.bpf.o'));
      try {
        feed(collection, [20, 30, 20, 20, 40]);
        const runs = collection.map('runs_by_len').map;
        let taken: Uint8Array | undefined;
        try {
          taken = runs.lookupAndDelete(u32(20));
        } catch (error) {
          if (!isKernelError(error, 'EINVAL') && !isKernelError(error, 'ENOTSUPP')) throw error;
          t.skip(`this kernel has no lookup-and-delete on hash maps (5.14+): ${(error as Error).message}`);
          return;
        }
        assert.equal(readU64(taken!), 3n, 'three runs of 20 bytes');
        assert.equal(runs.lookupAndDelete(u32(20)), undefined, 'the key went with the lookup');
        assert.equal(runs.lookup(u32(20)), undefined);
        assert.equal(readU64(runs.lookup(u32(30))!), 1n, 'other keys stay');
        assert.equal(runs.lookupAndDelete(u32(12345)), undefined, 'a missing key is undefined');

        const perCpu = collection.map('percpu_runs').map;
        const slots = perCpu.perCpuValues(perCpu.lookupAndDelete(u32(0))!);
        assert.equal(slots.length * 8, perCpu.valueStride, 'one slot per possible CPU');
        assert.equal(
          slots.reduce((sum, slot) => sum + readU64(slot), 0n),
          5n,
          'the per-CPU counts add up to the runs',
        );
        assert.equal(perCpu.lookupAndDelete(u32(0)), undefined);
      } finally {
        collection.close();
      }
    });

    test('BPF_F_LOCK reads and removes a spin-locked value consistently; maps without a lock refuse the flag', () => {
      const collection = loadCollection(fixtureSpec('kernel/map_ops.bpf.o'));
      try {
        const lengths = [64, 128, 256, 512, 1024];
        feed(collection, lengths);
        const locked = collection.map('locked').map;
        // struct locked_total { struct bpf_spin_lock lock; u32 runs; u64 bytes; }
        const peeked = locked.lookup(u32(0), UpdateFlags.F_LOCK)!;
        const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset);
        assert.equal(view(peeked).getUint32(0, true), 0, 'the lock word is never copied out');
        assert.equal(view(peeked).getUint32(4, true), lengths.length);
        const taken = locked.lookupAndDelete(u32(0), UpdateFlags.F_LOCK)!;
        assert.equal(view(taken).getUint32(4, true), lengths.length, 'runs');
        assert.equal(
          view(taken).getBigUint64(8, true),
          BigInt(lengths.reduce((a, b) => a + b, 0)),
          'bytes',
        );
        assert.equal(locked.lookupAndDelete(u32(0), UpdateFlags.F_LOCK), undefined, 'removed');
        const runs = collection.map('runs_by_len').map;
        assert.throws(
          () => runs.lookupAndDelete(u32(64), UpdateFlags.F_LOCK),
          (e) => isKernelError(e, 'EINVAL'),
        );
        assert.equal(readU64(runs.lookup(u32(64))!), 1n, 'the refused call removed nothing');
      } finally {
        collection.close();
      }
    });

    test('batch lookup-and-delete empties a hash map and returns every entry exactly once', () => {
      const collection = loadCollection(fixtureSpec('kernel/map_ops.bpf.o'));
      try {
        // Lengths 14..133, the first 30 of them twice: 120 keys, counts of 2 or 1.
        const lengths = Array.from({ length: 120 }, (_, i) => 14 + i);
        feed(collection, [...lengths, ...lengths.slice(0, 30)]);
        const runs = collection.map('runs_by_len').map;
        const taken = new Map<number, bigint>();
        let position: Uint8Array | undefined;
        let calls = 0;
        do {
          const batch = runs.lookupBatch(16, position, true);
          calls++;
          assert.ok(batch.count <= 16);
          for (let i = 0; i < batch.count; i++) {
            const key = new DataView(batch.keys.buffer).getUint32(i * 4, true);
            assert.equal(taken.has(key), false, `key ${key} came back twice`);
            taken.set(key, readU64(batch.values, i * 8));
          }
          position = batch.next;
        } while (position && calls < 100);
        assert.ok(calls > 1, 'the map took several batches');
        assert.deepEqual(
          [...taken.entries()].sort((a, b) => a[0] - b[0]),
          lengths.map((length, i) => [length, i < 30 ? 2n : 1n]),
        );
        assert.deepEqual([...runs.keys()], [], 'the map is empty');
      } finally {
        collection.close();
      }
    });
  });

  test('BPF_LINK_DETACH stops an XDP program while its link stays open and defunct', async (t) => {
    if (netnsSkip) return t.skip(netnsSkip);
    const ns = createVethNamespace('detach');
    const collection = loadCollection(fixtureSpec('kernel/xdp_count.bpf.o'));
    try {
      const link = collection.program('xdp_count').attach({ interface: ns.hostInterface });
      const ifindex = Number(readFileSync(`/sys/class/net/${ns.hostInterface}/ifindex`, 'utf8'));
      const attached = link.info()!;
      assert.equal(attached.type, LinkType.XDP);
      assert.equal(attached.ifindex, ifindex);
      assert.equal(attached.progId, progInfo(collection.program('xdp_count').fd).id);
      assert.match(linkShow(ns.hostInterface), new RegExp(`prog/xdp id ${attached.progId}\\b`), 'ip link agrees');
      if (!bpftoolSkip) {
        const shown = bpftool('link', attached.id);
        assert.deepEqual(
          { id: shown.id, type: shown.type, prog: shown.prog_id },
          { id: attached.id, type: 'xdp', prog: attached.progId },
        );
        // bpftool prints an XDP link's ifindex since v7.3.
        if ('ifindex' in shown) assert.equal(shown.ifindex, ifindex);
      }

      const udp = () => {
        const value = collection.map('proto_stats').lookup(u32(17))!;
        return { packets: Number(readU64(value, 0)), bytes: Number(readU64(value, 8)) };
      };
      const send = (sizes: number[]) =>
        ns.run(process.execPath, ['-e', UDP_SENDER, ns.hostAddress, '9', ...sizes.map(String)]);
      const sizes = [10, 200, 1000];
      assert.equal((await send(sizes)).code, 0);
      // Ethernet (14) + IPv4 (20) + UDP (8) around each payload.
      const expected = { packets: sizes.length, bytes: sizes.reduce((sum, size) => sum + 42 + size, 0) };
      await waitFor(() => udp().packets === sizes.length, 5000, 'the XDP program to count the datagrams');
      assert.deepEqual(udp(), expected);

      link.detach();
      assert.equal(link.closed, false, 'the link is still open');
      assert.equal(openLinkCount(), 1);
      const defunct = link.info()!;
      assert.equal(defunct.id, attached.id, 'the same link, still known to the kernel');
      assert.equal(defunct.ifindex, 0, 'a defunct XDP link has no interface');
      assert.ok(listIds('link').includes(attached.id), 'the link object lives on until closed');
      assert.doesNotMatch(linkShow(ns.hostInterface), /prog\/xdp|xdpgeneric|mtu \d+ xdp/, 'no XDP on the interface');
      assert.equal((await send([5, 6])).code, 0);
      await sleep(100);
      assert.deepEqual(udp(), expected, 'the detached program counts nothing');

      link.close();
      link.close();
      assert.equal(link.closed, true);
      assert.equal(openLinkCount(), 0);
      assert.equal(listIds('link').includes(attached.id), false, 'closing released the link');
      assert.throws(() => link.detach(), /closed/);
    } finally {
      collection.close();
      ns.destroy();
    }
  });

  test('detach() refuses an attachment that is not a BPF link and leaves it running', async () => {
    const collection = loadCollection(fixtureSpec('kernel/sockcount.bpf.o'));
    const receiver = await boundUdp();
    const sender = createSocket('udp4');
    let received = 0;
    receiver.on('message', () => received++);
    try {
      const fd = (receiver as unknown as { _handle: { fd: number } })._handle.fd;
      const link = collection.program('count_bytes').attach({ socket: fd });
      assert.equal(link.info(), undefined, 'a socket filter is not a BPF link');
      assert.throws(() => link.detach(), /not a BPF link/);
      assert.equal(link.closed, false);
      sender.send(new Uint8Array(33), receiver.address().port, '127.0.0.1');
      await waitFor(() => received === 1, 5000, 'the datagram');
      const stats = collection.map('sock_stats');
      assert.equal(readU64(stats.lookup(u32(0))!), 1n, 'the filter still counts');
      assert.equal(readU64(stats.lookup(u32(1))!), 8n + 33n, 'UDP header and payload');
      link.close();
    } finally {
      sender.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      collection.close();
    }
  });

  test('PROG_ATTACH, PROG_QUERY and PROG_DETACH run a cgroup_skb program on a cgroup and stop it', async (t) => {
    if (cgroupSkip) return t.skip(cgroupSkip);
    const receiver = await boundUdp();
    const received: number[] = [];
    receiver.on('message', (message) => received.push(message.length));
    const port = receiver.address().port;
    const spec = fixtureSpec('kernel/cgroup_skb.bpf.o');
    setVariable(spec, 'port', port);
    const collection = loadCollection(spec, { programs: ['count_egress'] });
    const group = new TestCgroup('legacy');
    const cgroup = new Fd(openSync(group.path, 'r'));
    const progFd = collection.program('count_egress').fd;
    const progId = progInfo(progFd).id;
    const egress = AttachType.CGROUP_INET_EGRESS;
    const ALLOW_MULTI = 2;
    let attached = false;
    try {
      const empty = progQuery({ targetFd: cgroup.fd, attachType: egress });
      assert.deepEqual(empty.progIds, []);

      progAttach({ targetFd: cgroup.fd, progFd, attachType: egress, flags: ALLOW_MULTI });
      attached = true;
      const query = progQuery({ targetFd: cgroup.fd, attachType: egress });
      assert.equal(query.attachFlags, ALLOW_MULTI);
      assert.deepEqual(query.progIds, [progId]);
      assert.deepEqual(query.progAttachFlags, [ALLOW_MULTI], 'the flags it was attached with');
      assert.ok(query.revision > empty.revision, `the revision moved on (${empty.revision} -> ${query.revision})`);
      assert.deepEqual(progQuery({ targetFd: cgroup.fd, attachType: egress, queryFlags: QUERY_EFFECTIVE }).progIds, [
        progId,
      ]);
      assert.deepEqual(progQuery({ targetFd: cgroup.fd, attachType: AttachType.CGROUP_INET_INGRESS }).progIds, []);

      const counted = () => {
        const value = collection.variable('egress_stats').get();
        return { packets: Number(readU64(value, 0)), bytes: Number(readU64(value, 8)) };
      };
      const sizes = [1, 64, 1400];
      const report = await group.send('127.0.0.1', port, sizes);
      assert.equal(report.cgroup, group.path.slice(cgroupRoot().length), 'the sender ran in the test cgroup');
      assert.deepEqual(report.errors, []);
      await waitFor(() => received.length === sizes.length, 5000, 'the datagrams');
      // The program sees each datagram from the IP header on: 20 + 8 bytes of headers.
      const expected = { packets: sizes.length, bytes: sizes.reduce((sum, size) => sum + 28 + size, 0) };
      assert.deepEqual(counted(), expected);

      progDetach({ targetFd: cgroup.fd, progFd, attachType: egress });
      attached = false;
      const detached = progQuery({ targetFd: cgroup.fd, attachType: egress });
      assert.deepEqual(detached.progIds, []);
      assert.ok(detached.revision > query.revision, 'detaching moved the revision on');
      assert.deepEqual((await group.send('127.0.0.1', port, [7, 8])).errors, []);
      await waitFor(() => received.length === sizes.length + 2, 5000, 'the datagrams sent after detaching');
      assert.deepEqual(counted(), expected, 'the detached program counts nothing');
      assert.throws(
        () => progDetach({ targetFd: cgroup.fd, progFd, attachType: egress }),
        (e) => isKernelError(e, 'ENOENT'),
        'a second detach finds nothing',
      );
    } finally {
      if (attached) progDetach({ targetFd: cgroup.fd, progFd, attachType: egress });
      cgroup.close();
      collection.close();
      await group.remove();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  test('OBJ_GET_INFO_BY_FD of a program, its maps and a cgroup link agrees with bpftool and id walks', async (t) => {
    const spec = fixtureSpec('kernel/xdp_count.bpf.o');
    setVariable(spec, 'drop_port', 4242);
    const collection = loadCollection(spec);
    const skb = loadCollection(fixtureSpec('kernel/cgroup_skb.bpf.o'), { programs: ['count_ingress'] });
    const group = cgroupSkip ? undefined : new TestCgroup('info');
    const opened: Fd[] = [];
    try {
      const program = collection.program('xdp_count');
      const prog = progInfo(program.fd);
      assert.equal(prog.type, ProgType.XDP);
      assert.equal(prog.name, 'xdp_count');
      assert.match(prog.tag, /^[0-9a-f]{16}$/);
      assert.ok(prog.xlatedSize > 0 && prog.xlatedSize % 8 === 0);
      const mapIds = new Map([...collection.maps.values()].map((m) => [m.name, mapInfo(m.fd).id]));
      assert.deepEqual([...mapIds.keys()].sort(), ['.bss', '.rodata', 'proto_stats']);
      assert.deepEqual([...prog.mapIds].sort(), [...mapIds.values()].sort(), 'the program uses all three maps');

      const stats = mapInfo(collection.map('proto_stats').fd);
      assert.deepEqual(
        { type: stats.type, key: stats.keySize, value: stats.valueSize, max: stats.maxEntries, name: stats.name },
        { type: MapType.ARRAY, key: 4, value: 16, max: 256, name: 'proto_stats' },
      );
      const rodata = mapInfo(collection.map('.rodata').fd);
      assert.equal(rodata.flags & MapFlags.RDONLY_PROG, MapFlags.RDONLY_PROG, '.rodata is read-only to programs');

      if (!group) t.diagnostic(`no cgroup link: ${cgroupSkip}`);
      const link = group && skb.program('count_ingress').attach({ cgroup: group.path });
      const shown = link?.info();
      if (group) {
        assert.ok(shown);
        assert.equal(shown.type, LinkType.CGROUP);
        assert.equal(shown.cgroupId, group.id(), 'the cgroup id is the directory inode');
        assert.equal(shown.attachType, AttachType.CGROUP_INET_INGRESS);
        assert.equal(shown.progId, progInfo(skb.program('count_ingress').fd).id);
      }

      // The id walks find every object, and the ids open them again.
      assert.ok(walk('prog').includes(prog.id));
      const maps = walk('map');
      for (const id of mapIds.values()) assert.ok(maps.includes(id), `map ${id} is listed`);
      if (shown) assert.ok(walk('link').includes(shown.id));
      assert.ok((getNextId('prog', prog.id - 1) ?? 0) <= prog.id);
      const progById = getFdById('prog', prog.id);
      opened.push(progById);
      assert.deepEqual(progInfo(progById.fd), { ...prog, runTimeNs: 0n, runCount: 0n, recursionMisses: 0n });
      const mapById = getFdById('map', stats.id);
      opened.push(mapById);
      assert.deepEqual(mapInfo(mapById.fd), stats);
      if (shown) {
        const linkById = getFdById('link', shown.id);
        opened.push(linkById);
        assert.deepEqual(linkInfo(linkById.fd), shown);
      }

      if (bpftoolSkip) {
        t.diagnostic(`bpftool comparisons skipped: ${bpftoolSkip}`);
      } else {
        const p = bpftool('prog', prog.id);
        assert.deepEqual(
          {
            id: p.id,
            type: p.type,
            name: p.name,
            tag: p.tag,
            xlated: p.bytes_xlated,
            jited: p.bytes_jited,
            maps: [...(p.map_ids as number[])].sort(),
          },
          {
            id: prog.id,
            type: 'xdp',
            name: prog.name,
            tag: prog.tag,
            xlated: prog.xlatedSize,
            jited: prog.jitedSize,
            maps: [...prog.mapIds].sort(),
          },
        );
        for (const info of [stats, rodata]) {
          const m = bpftool('map', info.id);
          assert.deepEqual(
            {
              id: m.id,
              type: m.type,
              name: m.name,
              flags: m.flags,
              key: m.bytes_key,
              value: m.bytes_value,
              max: m.max_entries,
            },
            {
              id: info.id,
              type: 'array',
              name: info.name,
              flags: info.flags,
              key: info.keySize,
              value: info.valueSize,
              max: info.maxEntries,
            },
          );
        }
        if (shown) {
          const l = bpftool('link', shown.id);
          assert.deepEqual(
            { id: l.id, type: l.type, prog: l.prog_id, cgroup: BigInt(l.cgroup_id as number), attach: l.attach_type },
            { id: shown.id, type: 'cgroup', prog: shown.progId, cgroup: shown.cgroupId, attach: 'cgroup_inet_ingress' },
          );
        }
      }
      link?.close();
    } finally {
      for (const fd of opened) fd.close();
      skb.close();
      collection.close();
      await group?.remove();
    }
  });

  describe('logs', () => {
    /** A BTF blob: header, the given type records, then the string section. */
    function btfBlob(types: Uint8Array, strings: string): Uint8Array {
      const stringBytes = new TextEncoder().encode(strings);
      const out = new Uint8Array(24 + types.length + stringBytes.length);
      const view = new DataView(out.buffer);
      view.setUint16(0, 0xeb9f, true); // magic
      view.setUint8(2, 1); // version
      view.setUint32(4, 24, true); // hdr_len
      view.setUint32(8, 0, true); // type_off
      view.setUint32(12, types.length, true); // type_len
      view.setUint32(16, types.length, true); // str_off
      view.setUint32(20, stringBytes.length, true); // str_len
      out.set(types, 24);
      out.set(stringBytes, 24 + types.length);
      return out;
    }

    /** BTF_KIND_INT records (name offset, byte size, bit count) back to back. */
    function intTypes(ints: readonly [number, number, number][]): Uint8Array {
      const out = new Uint8Array(ints.length * 16);
      const view = new DataView(out.buffer);
      ints.forEach(([name, size, bits], i) => {
        view.setUint32(i * 16, name, true);
        view.setUint32(i * 16 + 4, 1 << 24, true); // kind INT, no members
        view.setUint32(i * 16 + 8, size, true);
        view.setUint32(i * 16 + 12, bits, true); // encoding 0, offset 0, nr_bits
      });
      return out;
    }

    test('a malformed BTF blob fails with EINVAL and the kernel BTF verifier reason in the message', () => {
      const cases: [string, Uint8Array, string][] = [
        ['bits beyond the size', btfBlob(intTypes([[1, 4, 64]]), '\0int\0'), 'nr_bits exceeds type_size'],
        ['a name past the strings', btfBlob(intTypes([[99, 4, 32]]), '\0int\0'), 'Invalid name_offset:99'],
      ];
      for (const [what, data, reason] of cases) {
        assert.throws(
          () => btfLoad({ data }),
          (error: unknown) => {
            assert.ok(error instanceof VerifierError, `${what}: a VerifierError`);
            assert.equal(error.code, 'EINVAL');
            assert.ok(error.message.includes(reason), `${what}: "${error.message}" names the reason`);
            assert.match(error.log, /^magic: 0xeb9f\n/, `${what}: the whole log, from the header dump on`);
            assert.ok(error.log.includes(reason));
            return true;
          },
        );
      }
      // The same types with sane values load.
      const good = btfLoad({ data: btfBlob(intTypes([[1, 4, 32]]), '\0int\0') });
      good.fd.close();
    });

    test('a BTF log larger than the first buffer comes back whole', () => {
      // 300 ints named t0..t299: the log at level 1 prints one line per type.
      const names = Array.from({ length: 300 }, (_, i) => `t${i}`);
      let strings = '\0';
      const ints: [number, number, number][] = names.map((name) => {
        const offset = new TextEncoder().encode(strings).length;
        strings += `${name}\0`;
        return [offset, 4, 32];
      });
      const data = btfBlob(intTypes(ints), strings);
      const small = btfLoad({ data, logLevel: 1, logSize: 128 });
      const large = btfLoad({ data, logLevel: 1, logSize: 1 << 20 });
      try {
        assert.ok(small.log.length > 128 * 20, `the log (${small.log.length} bytes) outgrew the first buffer`);
        assert.equal(small.log, large.log);
        assert.match(small.log, /\[300\] INT t299 size=4 bits_offset=0 nr_bits=32 encoding=\(none\)\n$/);
      } finally {
        small.fd.close();
        large.fd.close();
      }
    });

    test('a level 2 verifier log larger than the first buffer comes back whole', () => {
      // r0 = 0; then 200 times r0 += i; exit: level 2 logs the register state at every instruction.
      const count = 200;
      const insns = new Uint8Array((count + 2) * 8);
      const view = new DataView(insns.buffer);
      insns.set([0xb7, 0, 0, 0, 0, 0, 0, 0], 0); // mov r0, 0
      for (let i = 1; i <= count; i++) {
        insns[i * 8] = 0x07; // add r0, imm
        view.setInt32(i * 8 + 4, i, true);
      }
      insns.set([0x95, 0, 0, 0, 0, 0, 0, 0], (count + 1) * 8); // exit
      const load = (logSize: number) =>
        progLoad({ type: ProgType.SOCKET_FILTER, insns, license: 'GPL', logLevel: 2, logSize });
      const small = load(128);
      const large = load(16 << 20);
      try {
        assert.ok(small.log.length > 4096, `the log (${small.log.length} bytes) outgrew the first buffer`);
        assert.equal(small.log, large.log);
        // The program computed 0 + 1 + ... + 200 into r0; the verifier tracked it as a constant.
        const sum = (count * (count + 1)) / 2;
        assert.match(small.log, new RegExp(`${count}: \\(07\\) r0 \\+= ${count} +; R0(_w)?=${sum}\n`), 'the sum');
        assert.match(small.log, /processed \d+ insns/);
        const test = progTestRun({ progFd: small.fd.fd, data: new Uint8Array(14) });
        assert.equal(test.retval, sum, 'the program computes what the verifier tracked');
      } finally {
        small.fd.close();
        large.fd.close();
      }
    });
  });
});
