/**
 * `tsbpf attach` end to end, as a user runs it: the real binary loads an object into the kernel, attaches its
 * programs where the options say, streams what they report, prints the maps when it stops (after --duration or on
 * Ctrl-C) and leaves nothing attached. Traffic and processes come from the test; the printed numbers are checked
 * against what the test caused.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { isOneLineInputError, tsbpf } from '../cli/spawn.js';
import { createVethNamespace, linkShow, type VethNamespace, vethNamespaceUnavailable } from './netns.js';
import { bpfUnavailable } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping tsbpf attach tests: ${skip}`);
const netnsSkip = skip ? null : vethNamespaceUnavailable();
if (netnsSkip) console.log(`# skipping tsbpf attach --interface tests: ${netnsSkip}`);

const XDP_OBJECT = 'test/fixtures/kernel/xdp_count.bpf.o';
const IPPROTO_UDP = 17;
/** Ethernet + IPv4 + UDP headers around each datagram's payload. */
const FRAME_OVERHEAD = 42;

/** A running `tsbpf attach`: its output so far, a promise of how it ended, and a wait for a line to appear. */
interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<void>;
}

function startAttach(args: readonly string[]): Running {
  const child = spawn(process.execPath, ['bin/tsbpf.js', 'attach', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const waitForLine = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(out)) {
      if (child.exitCode !== null) throw new Error(`tsbpf attach exited early: ${out}${err}`);
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} after ${timeoutMs} ms: ${out}${err}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, stdout: () => out, stderr: () => err, exited, waitForLine };
}

/** Sends UDP datagrams of the given payload sizes from inside the namespace, each after the previous one left. */
async function sendFromNamespace(ns: VethNamespace, port: number, sizes: readonly number[]): Promise<void> {
  const sender = `
const socket = require('node:dgram').createSocket('udp4');
const [host, port, ...sizes] = process.argv.slice(1);
const next = (i) => i === sizes.length ? socket.close()
  : socket.send(Buffer.alloc(Number(sizes[i]), 0x62), Number(port), host, () => next(i + 1));
next(0);`;
  const result = await ns.run(process.execPath, ['-e', sender, ns.hostAddress, String(port), ...sizes.map(String)]);
  assert.equal(result.code, 0, `sender failed: ${result.stderr}`);
}

/** The printed entry of proto_stats for `protocol`, as { packets, bytes }. */
function printedCounter(stdout: string, protocol: number): { packets: number; bytes: number } | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`  ${protocol}: `));
  if (!line) return undefined;
  const value = JSON.parse(line.slice(`  ${protocol}: `.length)) as { packets: string; bytes: string };
  return { packets: Number(value.packets), bytes: Number(value.bytes) };
}

describe('tsbpf attach', { skip: skip ?? false }, () => {
  test('bad options are one-line errors with exit code 2', () => {
    const cases: string[][] = [
      [XDP_OBJECT, '--pid', 'twelve', '--interface', 'lo'],
      [XDP_OBJECT, '--frequency', '0', '--interface', 'lo'],
      [XDP_OBJECT, '--duration', '-1', '--interface', 'lo'],
      [XDP_OBJECT, '--duration', '9999999', '--interface', 'lo'],
      [XDP_OBJECT, '--section', 'nope'],
      // an XDP program without an interface: the section name has none, so nothing says where it goes
      [XDP_OBJECT, '--duration', '1'],
      [XDP_OBJECT, '--interface', `nosuchif${process.pid}`.slice(0, 15), '--duration', '1'],
      // cgroup programs need a cgroup: never a default (a deny program on the root cgroup cuts off the machine)
      ['test/fixtures/kernel/cgroup_sock.bpf.o', '--duration', '1'],
      ['test/fixtures/kernel/cgroup_sock.bpf.o', '--cgroup', '/proc', '--duration', '1'],
    ];
    for (const args of cases) {
      const r = tsbpf('attach', ...args);
      assert.ok(isOneLineInputError(r), `${args.join(' ')}: exit ${r.code}: ${r.stderr}${r.stdout}`);
    }
  });

  test('a program the kernel refuses: exit 1, one line naming the kernel and its reason; --verifier-log adds the log', () => {
    const rejected = 'test/fixtures/kernel/rejected.bpf.o';
    const r = tsbpf('attach', rejected, '--duration', '1');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^tsbpf: test\/fixtures\/kernel\/rejected\.bpf\.o: kernel: program "unchecked" .*EACCES/);
    assert.match(lines[0]!, /R0 invalid mem access 'map_value_or_null'.*--verifier-log/);
    // tsbpf's own verifier gives the same reason without the kernel
    const verify = tsbpf('verify', rejected);
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /kernel: R0 invalid mem access 'map_value_or_null'/);
    const withLog = tsbpf('attach', rejected, '--verifier-log', '--duration', '1');
    assert.equal(withLog.code, 1);
    assert.match(withLog.stderr, /call bpf_map_lookup_elem#1/);
    assert.match(withLog.stderr, /\ntsbpf: .*kernel: .*map_value_or_null'[^\n]*\n$/);
  });

  test('--set fills .rodata before loading and --record-type decodes ring and perf buffer records', async () => {
    // A child that makes `calls` getppid() syscalls once told to (node's process.ppid is not cached).
    const child = spawn(
      process.execPath,
      ['-e', "process.stdin.once('data', () => { for (let i = 0; i < 5; i++) process.ppid; process.exit(0); })"],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const pid = child.pid!;
    const run = startAttach([
      'test/fixtures/kernel/getppid_events.bpf.o',
      '--set',
      `target_pid=${pid}`,
      'magic=0x7e57',
      '--record-type',
      'ppid_event',
      '--duration',
      '3',
    ]);
    try {
      await run.waitForLine(/^attached on_getppid to tracepoint\/syscalls\/sys_enter_getppid$/m, 20_000);
      child.stdin!.end('go');
      const { code } = await run.exited;
      assert.equal(code, 0, run.stderr());
      const records = (prefix: RegExp) =>
        run
          .stdout()
          .split('\n')
          .filter((line) => prefix.test(line))
          .map((line) => JSON.parse(line.replace(prefix, '')) as { seq: number; pid: number; magic: number })
          .sort((a, b) => a.seq - b.seq);
      const expected = [0, 1, 2, 3, 4].map((seq) => ({ seq, pid, magic: 0x7e57 }));
      assert.deepEqual(records(/^ring_events: /), expected);
      assert.deepEqual(records(/^perf_events: cpu \d+: /), expected);
      assert.match(run.stdout(), /^ {2}seq = 5$/m);
    } finally {
      run.child.kill('SIGKILL');
      child.kill('SIGKILL');
    }
    const noType = tsbpf('attach', 'test/fixtures/kernel/getppid_events.bpf.o', '--record-type', 'nosuch');
    assert.ok(isOneLineInputError(noType), noType.stderr);
    assert.match(noType.stderr, /--record-type nosuch: .* has no struct, union or typedef of that name/);
    const badSet = tsbpf('attach', 'test/fixtures/kernel/getppid_events.bpf.o', '--set', 'magic=abcdefgh');
    assert.ok(isOneLineInputError(badSet), badSet.stderr);
  });

  describe('--interface', { skip: netnsSkip ?? false }, () => {
    let ns: VethNamespace;
    before(() => {
      ns = createVethNamespace('cli');
    });
    after(() => ns?.destroy());

    test('counts the traffic sent through the interface and prints the map after --duration', async () => {
      const run = startAttach([XDP_OBJECT, '--interface', ns.hostInterface, '--duration', '3']);
      try {
        await run.waitForLine(/^attached xdp_count to /m, 20_000);
        const sizes = [10, 100, 1000, 33];
        await sendFromNamespace(ns, 9999, sizes);
        const { code } = await run.exited;
        assert.equal(code, 0, run.stderr());
        const udp = printedCounter(run.stdout(), IPPROTO_UDP);
        assert.ok(udp, `no UDP entry in:\n${run.stdout()}`);
        assert.equal(udp.packets, sizes.length);
        assert.equal(udp.bytes, sizes.reduce((sum, size) => sum + size + FRAME_OVERHEAD, 0));
        assert.match(run.stdout(), /^proto_stats:$/m);
        assert.match(run.stdout(), /\(\d+ of 256 entries are zero\)/);
        assert.doesNotMatch(linkShow(ns.hostInterface), /xdp/, 'the program is detached when tsbpf exits');
      } finally {
        run.child.kill('SIGKILL');
      }
    });

    test('Ctrl-C detaches cleanly: exit 0, the maps printed, no XDP program left on the interface', async () => {
      const run = startAttach([XDP_OBJECT, '--interface', ns.hostInterface]);
      try {
        await run.waitForLine(/^attached xdp_count to /m, 20_000);
        assert.match(linkShow(ns.hostInterface), /xdp/, 'attached while tsbpf runs');
        await sendFromNamespace(ns, 7777, [5, 6, 7]);
        run.child.kill('SIGINT');
        const { code } = await run.exited;
        assert.equal(code, 0, run.stderr());
        assert.deepEqual(printedCounter(run.stdout(), IPPROTO_UDP), { packets: 3, bytes: 18 + 3 * FRAME_OVERHEAD });
        assert.doesNotMatch(linkShow(ns.hostInterface), /xdp/);
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  });
});
