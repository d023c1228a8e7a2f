/**
 * Networking attachments through the public path (loadCollection, then program.attach(target)), each checked
 * against traffic the test causes: XDP on a veth whose peer sits in a network namespace, cgroup_skb egress and
 * ingress, cgroup/sock_create and sockops on a cgroup v2 directory holding a child process.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XdpFlags } from '../../src/kernel/attach-net.js';
import { isKernelError } from '../../src/kernel/errors.js';
import { progInfo } from '../../src/kernel/info.js';
import { openLinkCount } from '../../src/kernel/link.js';
import { loadCollection } from '../../src/kernel/load-collection.js';
import { setVariable } from '../../src/object/variables.js';
import { fixtureSpec, waitFor } from './fixtures.js';
import {
  type CommandResult,
  createVethNamespace,
  linkShow,
  type VethNamespace,
  vethNamespaceUnavailable,
} from './netns.js';
import { bpfUnavailable, expectNothingLeftBehind, readU64, u32 } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping kernel networking attach tests: ${skip}`);
const netnsSkip = skip ? null : vethNamespaceUnavailable();
if (netnsSkip) console.log(`# skipping XDP tests: ${netnsSkip}`);

const cgroup2 = skip ? undefined : prepareCgroup2();
if (typeof cgroup2 === 'string') console.log(`# skipping cgroup tests: ${cgroup2}`);

/** Ethernet (14) + IPv4 (20) + ICMP or UDP header (8): what a frame adds to an ICMP or UDP payload. */
const FRAME_OVERHEAD = 42;
/** IPv4 (20) + UDP (8): what a cgroup_skb program sees beyond the payload (it starts at the network header). */
const IP_UDP_OVERHEAD = 28;
/** What `ip link show` prints for an interface running XDP (`mtu 1500 xdp ...`, `xdpgeneric`, `prog/xdp id N`). */
const XDP_SHOWN = /mtu \d+ xdp|prog\/xdp/;
/** A UDP port nothing listens on in a fresh namespace (discard). */
const CLOSED_PORT = 9;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

async function boundUdp(address: string): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** packets and bytes of a `struct counter { u64 packets, bytes; }`. */
function counter(bytes: Uint8Array | undefined): { packets: number; bytes: number } {
  assert.ok(bytes, 'the counter exists');
  return { packets: Number(readU64(bytes, 0)), bytes: Number(readU64(bytes, 8)) };
}

/**
 * Sends UDP datagrams one after the other (each after the previous send completed, so they leave in order):
 * argv HOST PORT:SIZE...; prints the error code of a failed send and exits 1.
 */
const UDP_SENDER = `
const dgram = require('node:dgram');
const [host, ...items] = process.argv.slice(1);
const socket = dgram.createSocket('udp4');
let i = 0;
const next = () => {
  if (i === items.length) return socket.close();
  const [port, size] = items[i++].split(':').map(Number);
  socket.send(Buffer.alloc(size, 0x61), port, host, (error) => {
    if (error) { console.log(error.code); process.exitCode = 1; }
    next();
  });
};
next();
`;

function datagrams(port: number, sizes: readonly number[]): string[] {
  return sizes.map((size) => `${port}:${size}`);
}

/** Collects the sizes of the datagrams a socket receives. */
function collect(socket: Socket): number[] {
  const sizes: number[] = [];
  socket.on('message', (message) => sizes.push(message.length));
  return sizes;
}

/** The cgroup v2 mount point in /proc/self/mountinfo (octal escapes decoded), if one is mounted. */
function mountedCgroup2(): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0 || line.slice(separator + 3).split(' ')[0] !== 'cgroup2') continue;
    const mountPoint = line.slice(0, separator).split(' ')[4];
    const unescape = (_: string, octal: string) => String.fromCharCode(parseInt(octal, 8));
    if (mountPoint) return mountPoint.replace(/\\([0-7]{3})/g, unescape);
  }
  return undefined;
}

/**
 * A cgroup v2 hierarchy to make test cgroups in: the mounted one, or one mounted under a temporary directory for
 * the tests (unmounted by `release`). A string is the reason there is none.
 */
function prepareCgroup2(): { root: string; release(): void } | string {
  let root = mountedCgroup2();
  let release = () => {};
  if (!root) {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cgroup2-'));
    try {
      execFileSync('mount', ['-t', 'cgroup2', 'cgroup2', dir], { stdio: 'pipe' });
    } catch (error) {
      rmdirSync(dir);
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      return `no cgroup2 filesystem is mounted and mounting one failed: ${stderr || (error as Error).message}`;
    }
    root = dir;
    release = () => {
      execFileSync('umount', [dir]);
      rmdirSync(dir);
    };
  }
  const probe = join(root, `tsbpf-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (error) {
    release();
    return `cannot create a cgroup under ${root}: ${(error as Error).message}`;
  }
  return { root, release };
}

/** What a child script printed as JSON on its last line, with the cgroup it ran in (`0::` of /proc/self/cgroup). */
function childReport<T>(result: CommandResult): T & { cgroup: string } {
  assert.equal(result.code, 0, `child failed (${result.code ?? result.signal}): ${result.stdout}${result.stderr}`);
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T & { cgroup: string };
}

/**
 * A fresh cgroup for one test. run() starts a node script in it: a shell writes its own pid to cgroup.procs and
 * then execs node, so everything the script does happens inside the cgroup. remove() kills what is still running
 * and removes the directory (which the kernel allows once no process is left in it).
 */
class TestCgroup {
  private static serial = 0;
  readonly path: string;
  private readonly children = new Set<ChildProcess>();

  constructor(root: string, tag: string) {
    this.path = join(root, `tsbpf-${tag}-${process.pid}-${TestCgroup.serial++}`);
    mkdirSync(this.path);
  }

  run(script: string, args: readonly (string | number)[], timeoutMs = 10_000): Promise<CommandResult> {
    const shell = 'echo $$ > "$0/cgroup.procs" && exec "$@"';
    const argv = ['-c', shell, this.path, process.execPath, '-e', CHILD_PRELUDE + script, ...args.map(String)];
    const child = spawn('/bin/sh', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    return new Promise((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        this.children.delete(child);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  async remove(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    const deadline = Date.now() + 3000;
    for (;;) {
      try {
        rmdirSync(this.path);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        // EBUSY while an exiting child is still being released from the cgroup.
        if (code !== 'EBUSY' || Date.now() > deadline) throw error;
        await sleep(20);
      }
    }
  }
}

/** Put before every child script: `report(result)` prints the result with the child's cgroup v2 path. */
const CHILD_PRELUDE = `
const cgroupLine = require('node:fs').readFileSync('/proc/self/cgroup', 'utf8')
  .split('\\n').find((line) => line.startsWith('0::'));
const report = (result) => console.log(JSON.stringify({ cgroup: cgroupLine.slice(3), ...result }));
`;

/**
 * Sends UDP datagrams of the given sizes, one after the other, from one socket to HOST:PORT, which echoes them;
 * argv HOST PORT SIZE...; reports the error codes of failed sends and the sizes of the echoes that came back.
 */
const UDP_EXCHANGE = `
const dgram = require('node:dgram');
const [host, port, ...sizes] = process.argv.slice(1).map((a, i) => (i === 0 ? a : Number(a)));
const socket = dgram.createSocket('udp4');
const errors = [];
const echoed = [];
let expected = 0;
const finish = () => { socket.close(); report({ errors, echoed }); };
socket.on('message', (message) => { echoed.push(message.length); if (echoed.length === expected) finish(); });
socket.bind(0, '127.0.0.1', () => {
  let i = 0;
  const next = () => {
    if (i === sizes.length) {
      if (echoed.length === expected) finish(); else setTimeout(finish, 3000).unref();
      return;
    }
    socket.send(Buffer.alloc(sizes[i++], 0x62), port, host, (error) => {
      if (error) errors.push(error.code); else expected++;
      next();
    });
  };
  next();
});
`;

/** Creates UDP sockets (bound) and TCP sockets (listening) on loopback: argv UDP TCP; reports 'ok' or error codes. */
const SOCKET_MAKER = `
const dgram = require('node:dgram');
const net = require('node:net');
const [udpCount, tcpCount] = process.argv.slice(1).map(Number);
const udp = [];
const tcp = [];
const open = [];
const attempt = (list, start) => new Promise((resolve) => start((error) => {
  list.push(error ? error.code : 'ok');
  resolve();
}));
(async () => {
  for (let i = 0; i < udpCount; i++) {
    const socket = dgram.createSocket('udp4');
    await attempt(udp, (done) => {
      socket.once('error', done);
      socket.bind(0, '127.0.0.1', () => { open.push(socket); done(); });
    });
  }
  for (let i = 0; i < tcpCount; i++) {
    const server = net.createServer();
    await attempt(tcp, (done) => {
      server.once('error', done);
      server.listen(0, '127.0.0.1', () => { open.push(server); done(); });
    });
  }
  for (const handle of open) handle.close();
  report({ udp, tcp });
})();
`;

/**
 * TCP connections: a server of its own with INTERNAL clients, and EXTERNAL clients of the server at PORT (outside
 * the cgroup); argv PORT INTERNAL EXTERNAL; reports the server's port and the clients' local ports.
 */
const TCP_CONNECTOR = `
const net = require('node:net');
const [externalPort, internalCount, externalCount] = process.argv.slice(1).map(Number);
const sockets = [];
const connect = (port) => new Promise((resolve, reject) => {
  const socket = net.connect(port, '127.0.0.1', () => resolve(socket.localPort));
  socket.once('error', reject);
  sockets.push(socket);
});
let accepted = 0;
let allAccepted;
const acceptedAll = new Promise((resolve) => (allAccepted = resolve));
const server = net.createServer((socket) => {
  sockets.push(socket);
  if (++accepted === internalCount) allAccepted();
});
server.listen(0, '127.0.0.1', async () => {
  const serverPort = server.address().port;
  const internal = [];
  const external = [];
  for (let i = 0; i < internalCount; i++) internal.push(await connect(serverPort));
  for (let i = 0; i < externalCount; i++) external.push(await connect(externalPort));
  if (internalCount > 0) await acceptedAll;
  for (const socket of sockets) socket.destroy();
  server.close();
  report({ serverPort, internal, external });
});
`;

describe('networking attachments in the kernel', { skip: skip ?? false }, () => {
  expectNothingLeftBehind(() => loadCollection(fixtureSpec('kernel/xdp_count.bpf.o')).close());

  describe('XDP on a veth', { skip: netnsSkip ?? false }, () => {
    let ns: VethNamespace;
    before(() => {
      ns = createVethNamespace('xdp');
      // Every ICMP error the namespace sends back must leave it: no per-destination rate limit.
      ns.sysctl('net/ipv4/icmp_ratelimit', '0');
    });
    after(() => ns?.destroy());

    test('counts per protocol the UDP and ICMP frames that arrive from the namespace', async () => {
      const receiver = await boundUdp(ns.hostAddress);
      const received = collect(receiver);
      const collection = loadCollection(fixtureSpec('kernel/xdp_count.bpf.o'));
      try {
        const program = collection.program('xdp_count');
        assert.throws(() => program.attach(`tsbpf-none${process.pid}`.slice(0, 15)), /no network interface/);
        const link = program.attach(ns.hostInterface);
        assert.equal(link.target, `xdp/${ns.hostInterface}`);
        assert.ok(link.id()! > 0, 'XDP attaches through a BPF link');
        // No mode flag: the kernel picks native mode, which veth has.
        const shown = linkShow(ns.hostInterface);
        assert.match(shown, new RegExp(`mtu \\d+ xdp [^]*prog/xdp id ${progInfo(program.fd).id}\\b`), shown);

        // Datagrams from here to a port nobody listens on in the namespace: each comes back as an ICMP port
        // unreachable quoting the datagram (IP + UDP headers + payload), which the program sees arrive.
        const probes = [8, 100, 300];
        for (const size of probes) receiver.send(new Uint8Array(size), CLOSED_PORT, ns.peerAddress);
        const stats = collection.map('proto_stats');
        await waitFor(
          () => counter(stats.lookup(u32(IPPROTO_ICMP))).packets >= probes.length,
          5000,
          'the ICMP port unreachable replies',
        );

        const sizes = [1, 64, 200, 1000, 1400, 0, 512];
        const port = receiver.address().port;
        const send = await ns.run(process.execPath, ['-e', UDP_SENDER, ns.hostAddress, ...datagrams(port, sizes)]);
        assert.equal(send.code, 0, send.stdout + send.stderr);
        await waitFor(() => received.length === sizes.length, 5000, 'the datagrams to arrive');
        assert.deepEqual(received, sizes);

        assert.deepEqual(counter(stats.lookup(u32(IPPROTO_ICMP))), {
          packets: probes.length,
          bytes: probes.reduce((sum, size) => sum + FRAME_OVERHEAD + IP_UDP_OVERHEAD + size, 0),
        });
        assert.deepEqual(counter(stats.lookup(u32(IPPROTO_UDP))), {
          packets: sizes.length,
          bytes: sizes.reduce((sum, size) => sum + size + FRAME_OVERHEAD, 0),
        });
        assert.deepEqual(counter(stats.lookup(u32(IPPROTO_TCP))), { packets: 0, bytes: 0 });
        link.close();
        assert.doesNotMatch(linkShow(ns.hostInterface), XDP_SHOWN);
      } finally {
        collection.close();
        await closeUdp(receiver);
      }
    });

    test('drops datagrams to one port in generic mode, refuses a second program, and detaches on close', async () => {
      const blocked = await boundUdp(ns.hostAddress);
      const open = await boundUdp(ns.hostAddress);
      const blockedSizes = collect(blocked);
      const openSizes = collect(open);
      const spec = fixtureSpec('kernel/xdp_count.bpf.o');
      setVariable(spec, 'drop_port', blocked.address().port);
      const collection = loadCollection(spec);
      try {
        const program = collection.program('xdp_count');
        const link = program.attach({ interface: ns.hostInterface, flags: XdpFlags.SKB_MODE });
        assert.match(linkShow(ns.hostInterface), /mtu \d+ xdpgeneric .*\n.*\n\s+prog\/xdp id \d+/);

        // One program per interface and mode: a second attachment is refused, with or without UPDATE_IF_NOEXIST.
        for (const flags of [XdpFlags.SKB_MODE, XdpFlags.SKB_MODE | XdpFlags.UPDATE_IF_NOEXIST]) {
          assert.throws(
            () => program.attach({ interface: ns.hostInterface, flags }),
            (error: unknown) => isKernelError(error, 'EBUSY'),
            `flags ${flags}`,
          );
        }
        assert.throws(() => program.attach({ interface: ns.hostInterface, flags: 0x100 }), /unknown XDP flags 0x100/);
        assert.equal(openLinkCount(), 1);

        const blockedPort = blocked.address().port;
        const openPort = open.address().port;
        const toBlocked = [10, 20, 30, 40];
        const toOpen = [11, 22, 33];
        // Interleaved, and ending with one to the open port: once it arrives, the earlier ones were all processed.
        const items = [
          ...datagrams(blockedPort, toBlocked.slice(0, 2)),
          ...datagrams(openPort, toOpen.slice(0, 2)),
          ...datagrams(blockedPort, toBlocked.slice(2)),
          ...datagrams(openPort, toOpen.slice(2)),
        ];
        const send = await ns.run(process.execPath, ['-e', UDP_SENDER, ns.hostAddress, ...items]);
        assert.equal(send.code, 0, send.stdout + send.stderr);
        await waitFor(() => openSizes.length === toOpen.length, 5000, 'the datagrams to the open port');
        assert.deepEqual(openSizes, toOpen);
        assert.equal(readU64(collection.variable('dropped').get()), BigInt(toBlocked.length));
        await sleep(50);
        assert.deepEqual(blockedSizes, [], 'nothing reaches the blocked port');
        const udp = counter(collection.map('proto_stats').lookup(u32(IPPROTO_UDP)));
        assert.deepEqual(udp, {
          packets: toBlocked.length + toOpen.length,
          bytes: [...toBlocked, ...toOpen].reduce((sum, size) => sum + size + FRAME_OVERHEAD, 0),
        });

        link.close();
        assert.doesNotMatch(linkShow(ns.hostInterface), XDP_SHOWN);
        const again = await ns.run(process.execPath, [
          '-e',
          UDP_SENDER,
          ns.hostAddress,
          ...datagrams(blockedPort, [5, 6]),
        ]);
        assert.equal(again.code, 0, again.stdout + again.stderr);
        await waitFor(() => blockedSizes.length === 2, 5000, 'datagrams to the formerly blocked port');
        assert.deepEqual(blockedSizes, [5, 6]);
        assert.equal(readU64(collection.variable('dropped').get()), BigInt(toBlocked.length), 'detached: no drops');
        assert.deepEqual(counter(collection.map('proto_stats').lookup(u32(IPPROTO_UDP))), udp, 'detached: no counts');

        // The interface is free again: a new link (native mode this time) takes it.
        const relinked = program.attach({ interface: ns.hostInterface, flags: XdpFlags.UPDATE_IF_NOEXIST });
        assert.match(linkShow(ns.hostInterface), /mtu \d+ xdp .*\n.*\n\s+prog\/xdp id \d+/);
        relinked.close();
        assert.doesNotMatch(linkShow(ns.hostInterface), XDP_SHOWN);
      } finally {
        collection.close();
        await Promise.all([closeUdp(blocked), closeUdp(open)]);
      }
    });
  });
  describe('cgroup programs', { skip: typeof cgroup2 === 'string' ? cgroup2 : false }, () => {
    const hierarchy = cgroup2 as { root: string; release(): void };
    after(() => hierarchy?.release());

    /** The cgroup path a child reports for `group` (relative to the hierarchy's root). */
    const reported = (group: TestCgroup) => group.path.slice(hierarchy.root.length);

    test('cgroup_skb egress and ingress count the datagrams a process in the cgroup exchanges', async () => {
      const echo = await boundUdp('127.0.0.1');
      const atServer = collect(echo);
      echo.on('message', (message, from) => echo.send(message, from.port, from.address));
      const spec = fixtureSpec('kernel/cgroup_skb.bpf.o');
      setVariable(spec, 'port', echo.address().port);
      const collection = loadCollection(spec);
      const group = new TestCgroup(hierarchy.root, 'skb');
      try {
        const egress = collection.program('count_egress').attach(group.path);
        const ingress = collection.program('count_ingress').attach({ cgroup: group.path });
        assert.equal(egress.target, `cgroup/${group.path}`);
        assert.ok(egress.id()! > 0 && ingress.id()! > 0, 'cgroup programs attach through BPF links');

        const sizes = [1, 100, 1000, 1472, 4000, 0];
        const report = childReport<{ errors: string[]; echoed: number[] }>(
          await group.run(UDP_EXCHANGE, ['127.0.0.1', echo.address().port, ...sizes]),
        );
        assert.equal(report.cgroup, reported(group), 'the child ran in the test cgroup');
        assert.deepEqual(report.errors, []);
        assert.deepEqual([...report.echoed].sort((a, b) => a - b), [...sizes].sort((a, b) => a - b));
        assert.equal(atServer.length, sizes.length);
        const expected = {
          packets: sizes.length,
          bytes: sizes.reduce((sum, size) => sum + IP_UDP_OVERHEAD + size, 0),
        };
        assert.deepEqual(counter(collection.variable('egress_stats').get()), expected, 'egress');
        assert.deepEqual(counter(collection.variable('ingress_stats').get()), expected, 'ingress (the echoes)');

        // Our own traffic (outside the cgroup) is not counted.
        const outsider = await boundUdp('127.0.0.1');
        outsider.send(new Uint8Array(10), echo.address().port, '127.0.0.1');
        await waitFor(() => atServer.length === sizes.length + 1, 5000, 'the datagram from outside the cgroup');
        await closeUdp(outsider);
        egress.close();
        ingress.close();
        const again = childReport<{ errors: string[]; echoed: number[] }>(
          await group.run(UDP_EXCHANGE, ['127.0.0.1', echo.address().port, 7, 8]),
        );
        assert.deepEqual(again.echoed.length, 2);
        assert.deepEqual(counter(collection.variable('egress_stats').get()), expected, 'egress after detaching');
        assert.deepEqual(counter(collection.variable('ingress_stats').get()), expected, 'ingress after detaching');
      } finally {
        collection.close();
        await group.remove();
        await closeUdp(echo);
      }
    });

    test('a cgroup_skb egress program that returns 0 makes the sender in the cgroup fail with EPERM', async () => {
      const receiver = await boundUdp('127.0.0.1');
      const received = collect(receiver);
      receiver.on('message', (message, from) => receiver.send(message, from.port, from.address));
      const spec = fixtureSpec('kernel/cgroup_skb.bpf.o');
      setVariable(spec, 'port', receiver.address().port);
      setVariable(spec, 'deny', 1);
      const collection = loadCollection(spec, { programs: ['count_egress'] });
      const group = new TestCgroup(hierarchy.root, 'deny');
      try {
        const link = collection.program('count_egress').attach({ cgroup: group.path });
        const sizes = [3, 30, 300];
        const denied = childReport<{ errors: string[]; echoed: number[] }>(
          await group.run(UDP_EXCHANGE, ['127.0.0.1', receiver.address().port, ...sizes]),
        );
        assert.deepEqual(denied.errors, ['EPERM', 'EPERM', 'EPERM']);
        assert.deepEqual(counter(collection.variable('egress_stats').get()), {
          packets: sizes.length,
          bytes: sizes.reduce((sum, size) => sum + IP_UDP_OVERHEAD + size, 0),
        });
        await sleep(50);
        assert.deepEqual(received, [], 'nothing was delivered');
        link.close();
        const allowed = childReport<{ errors: string[]; echoed: number[] }>(
          await group.run(UDP_EXCHANGE, ['127.0.0.1', receiver.address().port, 33]),
        );
        assert.deepEqual(allowed, { cgroup: reported(group), errors: [], echoed: [33] }, 'detached: sends go through');
        assert.deepEqual(received, [33]);
        assert.equal(counter(collection.variable('egress_stats').get()).packets, sizes.length, 'detached: no count');
      } finally {
        collection.close();
        await group.remove();
        await closeUdp(receiver);
      }
    });

    test('cgroup/sock_create counts the sockets a process in the cgroup creates, and can refuse them', async () => {
      const group = new TestCgroup(hierarchy.root, 'sock');
      const counted = (collection: ReturnType<typeof loadCollection>, protocol: number) =>
        Number(readU64(collection.map('created').lookup(u32(protocol))!));
      try {
        const counting = loadCollection(fixtureSpec('kernel/cgroup_sock.bpf.o'));
        try {
          const link = counting.program('sock_create').attach(group.path);
          const report = childReport<{ udp: string[]; tcp: string[] }>(await group.run(SOCKET_MAKER, [3, 2]));
          assert.equal(report.cgroup, reported(group));
          assert.deepEqual(report, { cgroup: reported(group), udp: ['ok', 'ok', 'ok'], tcp: ['ok', 'ok'] });
          assert.equal(counted(counting, IPPROTO_UDP), 3);
          assert.equal(counted(counting, IPPROTO_TCP), 2);
          link.close();
        } finally {
          counting.close();
        }

        const spec = fixtureSpec('kernel/cgroup_sock.bpf.o');
        setVariable(spec, 'deny_protocol', IPPROTO_UDP);
        const denying = loadCollection(spec);
        try {
          denying.program('sock_create').attach({ cgroup: group.path });
          const report = childReport<{ udp: string[]; tcp: string[] }>(await group.run(SOCKET_MAKER, [2, 1]));
          assert.deepEqual(report.udp, ['EPERM', 'EPERM'], 'UDP sockets are refused');
          assert.deepEqual(report.tcp, ['ok'], 'TCP sockets are not');
          assert.equal(counted(denying, IPPROTO_UDP), 2);
          assert.equal(counted(denying, IPPROTO_TCP), 1);
          // The test process is outside the cgroup: its sockets are neither refused nor counted.
          const mine = await boundUdp('127.0.0.1');
          await closeUdp(mine);
          assert.equal(counted(denying, IPPROTO_UDP), 2);
        } finally {
          denying.close();
        }
      } finally {
        await group.remove();
      }
    });

    test('sockops counts the TCP connections established actively and passively in the cgroup', async () => {
      const outside: Server = createServer((socket) => accepted.push(socket));
      const accepted: TcpSocket[] = [];
      await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
      const collection = loadCollection(fixtureSpec('kernel/sockops.bpf.o'));
      const group = new TestCgroup(hierarchy.root, 'sockops');
      try {
        const program = collection.program('count_established');
        assert.throws(() => program.attach(tmpdir()), /is not a cgroup v2 directory/);
        assert.throws(() => program.attach(join(group.path, 'missing')), /cannot open/);
        const link = program.attach(group.path);
        assert.ok(link.id()! > 0);
        const outsidePort = (outside.address() as { port: number }).port;
        const internal = 3;
        const external = 2;
        const report = childReport<{ serverPort: number; internal: number[]; external: number[] }>(
          await group.run(TCP_CONNECTOR, [outsidePort, internal, external]),
        );
        assert.equal(report.cgroup, reported(group));
        assert.equal(report.internal.length, internal);
        assert.equal(report.external.length, external);
        const established = collection.map('established');
        // Every connect() in the cgroup is active; only the cgroup's own server accepts passively (ours is outside).
        assert.equal(readU64(established.lookup(u32(0))!), BigInt(internal + external), 'active');
        assert.equal(readU64(established.lookup(u32(1))!), BigInt(internal), 'passive');
        const ports = [...collection.map('local_ports').entries()]
          .map(([key, value]) => [new DataView(key.buffer, key.byteOffset).getUint32(0, true), Number(readU64(value))])
          .sort((a, b) => a[0]! - b[0]!);
        const expected = [
          ...[...report.internal, ...report.external].map((port) => [port, 1]),
          [report.serverPort, 2],
        ].sort((a, b) => a[0]! - b[0]!);
        assert.deepEqual(ports, expected, 'the local ports of the clients (active) and of the server (passive)');
        link.close();
      } finally {
        collection.close();
        await group.remove();
        for (const socket of accepted) socket.destroy();
        await new Promise((resolve) => outside.close(resolve));
      }
    });
  });
});

