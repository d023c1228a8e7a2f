/**
 * What the readers report when the kernel runs out of room. A getppid tracepoint writes one numbered record per
 * call to a perf event array (one page of ring per CPU) and to a one-page BPF ring buffer, and counts the calls it
 * saw and the outputs the kernel refused. Nothing is read while thousands of calls are made; afterwards the perf
 * reader must account for every call (delivered samples + PERF_RECORD_LOST counts == calls), and the ring buffer
 * reader must deliver exactly the records that fitted (delivered + refused == calls).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { cpuListNumbers, onlineCpus } from '../../src/kernel/cpus.js';
import { loadCollection } from '../../src/kernel/load-collection.js';
import type { PerfRecord } from '../../src/kernel/perfbuf-reader.js';
import { sysPageSize } from '../../src/kernel/syscall.js';
import { fixtureSpec } from './fixtures.js';
import { bpfUnavailable, expectNothingLeftBehind, readU64, u32 } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping perf/ring buffer overflow tests: ${skip}`);
const tasksetSkip = skip ? null : tasksetUnavailable();
if (tasksetSkip) console.log(`# skipping the perf buffer loss test: ${tasksetSkip}`);

function tasksetUnavailable(): string | null {
  try {
    execFileSync('taskset', ['-c', String(floodCpu()), 'true'], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `cannot pin a child to one CPU with taskset: ${(error as Error).message}`;
  }
}

/** The first CPU that is online and that this process may run on (the children are pinned to it). */
function floodCpu(): number {
  const allowed = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const online = onlineCpus();
  const usable = allowed ? cpuListNumbers(allowed).filter((cpu) => online.includes(cpu)) : online;
  const cpu = usable[0];
  if (cpu === undefined) throw new Error('no online CPU in this process affinity');
  return cpu;
}

/** The record the program writes: struct flood_event { u64 seq; u32 pid; u32 cpu; u64 magic; }. */
interface FloodEvent {
  seq: number;
  pid: number;
  cpu: number;
  magic: bigint;
}
const EVENT_SIZE = 24;
const MAGIC = 0x70657266666c6f6fn;

function decode(data: Uint8Array): FloodEvent {
  assert.ok(data.length >= EVENT_SIZE, `a record of ${data.length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    seq: Number(view.getBigUint64(0, true)),
    pid: view.getUint32(8, true),
    cpu: view.getUint32(12, true),
    magic: view.getBigUint64(16, true),
  };
}

/**
 * Starts node pinned to `cpu` (taskset execs it, so the child's pid is node's); once told to go (after the test
 * has told the program its pid) it calls getppid() `calls` times and exits.
 */
function pinnedFlood(cpu: number, calls: number): { pid: number; go(): Promise<void> } {
  const script = `process.stdin.once('data', () => {
    let sum = 0;
    for (let i = 0; i < ${calls}; i++) sum += process.ppid;
    process.stdout.write(sum > 0 ? 'done' : 'no parent', () => process.exit(0));
  });`;
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, '-e', script], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && stdout === 'done') resolve();
      else reject(new Error(`flood child ended with ${code ?? signal}: ${stdout}${stderr}`));
    });
  });
  assert.ok(child.pid, 'the child started');
  return {
    pid: child.pid,
    go() {
      child.stdin.end('go\n');
      return exited;
    },
  };
}

describe('readers of full perf and ring buffers', { skip: skip ?? false }, () => {
  expectNothingLeftBehind(() => loadCollection(fixtureSpec('kernel/perf_lost.bpf.o')).close());

  test('a one-page perf ring left unread reports lost records; delivered + lost == calls', async (t) => {
    if (tasksetSkip) return t.skip(tasksetSkip);
    const collection = loadCollection(fixtureSpec('kernel/perf_lost.bpf.o'));
    try {
      collection.program('on_getppid').attach();
      const perf = collection.perfBuffer('flood_perf', { pages: 1 });
      const cpu = floodCpu();
      const targetPid = collection.variable('target_pid');
      const counter = (name: string) => readU64(collection.variable(name).get());
      const records: PerfRecord[] = [];

      // Burst 1: far more samples than one page holds, with nobody reading.
      const calls = 5000;
      const first = pinnedFlood(cpu, calls);
      targetPid.set(u32(first.pid));
      await first.go();
      const firedFirst = Number(counter('fired'));
      assert.ok(firedFirst >= calls, `the program saw ${firedFirst} calls`);
      perf.poll((record) => records.push(record));
      const firstBurst = records.map((record) => {
        assert.equal(record.lost, undefined, 'the kernel reports a loss only once it has room again');
        assert.equal(record.cpu, cpu, 'the pinned child wrote to its CPU ring only');
        return decode(record.data);
      });
      const page = sysPageSize();
      // Each sample: perf_event_header (8) + u32 size + the 24-byte event padded to keep records 8-byte aligned.
      const recordSize = 8 + Math.ceil((4 + EVENT_SIZE) / 8) * 8;
      assert.equal(firstBurst.length, Math.floor(page / recordSize), 'one page of samples came through');
      assert.deepEqual(
        firstBurst,
        firstBurst.map((_, seq) => ({ seq, pid: first.pid, cpu, magic: MAGIC })),
        'the first samples, in order, then nothing: the ring stayed full',
      );
      const refused = Number(counter('perf_failures'));
      assert.equal(refused, firedFirst - firstBurst.length, 'the program saw every other output refused');
      assert.equal(BigInt.asIntN(64, counter('perf_error')), -28n, 'bpf_perf_event_output returned -ENOSPC');

      // Burst 2, on the same CPU, into the drained ring: the kernel first writes the loss record it owes.
      const more = 20;
      const second = pinnedFlood(cpu, more);
      targetPid.set(u32(second.pid));
      await second.go();
      const fired = Number(counter('fired'));
      records.length = 0;
      perf.poll((record) => records.push(record));
      const lostRecords = records.filter((record) => record.lost !== undefined);
      const samples = records.filter((record) => record.lost === undefined).map((record) => decode(record.data));
      assert.equal(lostRecords.length, 1, 'one loss record for the whole overflow');
      assert.equal(records[0]!.lost, refused, 'it comes first and counts every refused sample');
      assert.equal(lostRecords[0]!.cpu, cpu);
      assert.equal(perf.lost, refused, 'the reader totals the losses');
      assert.deepEqual(
        samples.map((event) => event.seq),
        Array.from({ length: fired - firedFirst }, (_, i) => firedFirst + i),
        'every call of the second burst was delivered',
      );
      assert.ok(samples.every((event) => event.pid === second.pid && event.cpu === cpu));
      assert.equal(firstBurst.length + samples.length + perf.lost, fired, 'delivered + lost == calls');
      assert.equal(Number(counter('perf_failures')), refused, 'nothing was refused once the ring had room');
      t.diagnostic(`perf: ${fired} calls on CPU ${cpu}: ${firstBurst.length} + ${samples.length} delivered, ${refused} lost`);
    } finally {
      collection.close();
    }
  });

  test('a one-page BPF ring buffer left unread delivers what fitted; delivered + refused == calls', async (t) => {
    const collection = loadCollection(fixtureSpec('kernel/perf_lost.bpf.o'));
    try {
      collection.program('on_getppid').attach();
      const ring = collection.ringBuffer('flood_ring');
      const counter = (name: string) => readU64(collection.variable(name).get());
      collection.variable('target_pid').set(u32(process.pid));
      const calls = 3000;
      for (let i = 0; i < calls; i++) assert.ok(process.ppid > 0);
      const fired = Number(counter('fired'));
      assert.ok(fired >= calls, `the program saw ${fired} calls`);
      const delivered: FloodEvent[] = [];
      ring.poll((record) => delivered.push(decode(record)));
      // Each record: an 8-byte header and the 24-byte event, 8-byte aligned. The data area is one page, and the
      // kernel refuses a record that would fill it completely (producer - consumer must stay below its size).
      assert.equal(delivered.length, Math.floor((4096 - 1) / (8 + EVENT_SIZE)), 'a page of records came through');
      assert.deepEqual(
        delivered.map((event) => [event.seq, event.pid, event.magic]),
        delivered.map((_, seq) => [seq, process.pid, MAGIC]),
        'the first records, in order',
      );
      const refused = Number(counter('ring_failures'));
      assert.equal(delivered.length + refused, fired, 'delivered + refused == calls');
      assert.equal(BigInt.asIntN(64, counter('ring_error')), -11n, 'bpf_ringbuf_output returned -EAGAIN');
      assert.equal(ring.pending(), 0, 'the reader consumed everything');

      // Read: the space is back.
      for (let i = 0; i < 10; i++) assert.ok(process.ppid > 0);
      const after = Number(counter('fired'));
      const next: number[] = [];
      ring.poll((record) => next.push(decode(record).seq));
      assert.deepEqual(
        next,
        Array.from({ length: after - fired }, (_, i) => fired + i),
      );
      assert.equal(Number(counter('ring_failures')), refused, 'no more refusals');
      t.diagnostic(`ring: ${after} calls: ${delivered.length} + ${next.length} delivered, ${refused} refused`);
    } finally {
      collection.close();
    }
  });
});
