/**
 * The tracing attachments of the kernel backend, each driven by an event the test causes and checked on what the
 * kernel program computed from it: uprobes and uretprobes (by section name, by `BINARY:SYMBOL`, by `{ binary,
 * symbol, pid }`, by raw offset) on child processes; perf_event sampling on a software clock while we burn CPU;
 * sys_enter through a raw tracepoint and tp_btf; `.kconfig` and `.ksyms` externs against uname, /proc/config.gz
 * and /proc/kallsyms. Nothing is left behind: fds, links, child processes and the built target binary.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../src/errors.js';
import { symbolFileOffset } from '../../src/kernel/elf-symbol.js';
import type { KernelCollection } from '../../src/kernel/kernel-collection.js';
import { parseKallsyms } from '../../src/kernel/ksyms.js';
import { openLinkCount } from '../../src/kernel/link.js';
import { loadCollection } from '../../src/kernel/load-collection.js';
import { MissingFeatureError } from '../../src/kernel/load-errors.js';
import { AttachTargetError } from '../../src/kernel/tracefs.js';
import { fixtureSpec } from './fixtures.js';
import { bpfUnavailable, openFds, readU64, u32 } from './support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping kernel tracing attach tests: ${skip}`);

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

const u64Of = (c: KernelCollection, name: string) => readU64(c.variable(name).get());
const u32Of = (c: KernelCollection, name: string) => {
  const bytes = c.variable(name).get();
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
};
const setPid = (c: KernelCollection, pid: number) => c.variable('target_pid').set(u32(pid));

/** The traced program, started and waiting on stdin until the probes are in place. */
class Target {
  readonly child: ChildProcessWithoutNullStreams;
  private output = '';
  private readonly closed: Promise<void>;

  constructor(binary: string, calls: number, getpids: number) {
    this.child = spawn(binary, [String(calls), String(getpids)]);
    this.child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.closed = new Promise((resolve) => this.child.once('close', () => resolve()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Lets the target run and resolves with what it printed (the sum of the values its calls returned). */
  async run(): Promise<bigint> {
    this.child.stdin.end('go\n');
    await this.closed;
    assert.equal(this.child.exitCode, 0, `target ${this.pid} exited with ${this.child.exitCode}`);
    return BigInt(this.output.trim());
  }

  /** Ends the target if a test failed before running it. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.closed;
  }
}

/** Keeps one CPU busy for `ms` milliseconds in this process. */
function burnCpu(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 10_000; i++) x = (x * 31 + i) | 0;
  return x;
}

/** LINUX_VERSION_CODE of a release string, computed here independently of the backend. */
function versionOf(text: string): number {
  const [major, minor, patch] = text.split(/[.-]/).map(Number);
  return (major! << 16) | (minor! << 8) | Math.min(patch ?? 0, 255);
}

function kernelConfigText(): string | undefined {
  return existsSync('/proc/config.gz') ? gunzipSync(readFileSync('/proc/config.gz')).toString('utf8') : undefined;
}

/** The `T`/`t`/... entries of /proc/kallsyms named `name`. */
function kallsymsEntries(name: string): { address: bigint; type: string }[] {
  const out: { address: bigint; type: string }[] = [];
  for (const line of readFileSync('/proc/kallsyms', 'latin1').split('\n')) {
    const [address, type, symbol] = line.split(/\s+/);
    if (symbol === name) out.push({ address: BigInt(`0x${address}`), type: type! });
  }
  return out;
}

/** Asserts `fn` throws one of `kinds` with a one-line message matching `pattern`. */
function assertOneLineError(fn: () => unknown, kind: abstract new (...args: never[]) => Error, pattern: RegExp) {
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof kind, `${error.name}: ${error.message}`);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return true;
  });
}

test('/proc/kallsyms parsing keeps every distinct address of a name and sees hidden addresses', () => {
  const text =
    'ffffffff81000000 T _stext\nffffffff81000100 t helper\nffffffffc0001000 t helper\t[mod]\n' +
    'ffffffff81000100 t helper\n0000000000012340 D runqueues\n';
  const { symbols, hidden } = parseKallsyms(text);
  assert.equal(hidden, false);
  assert.deepEqual(symbols.get('helper'), [0xffffffff81000100n, 0xffffffffc0001000n]);
  assert.deepEqual(symbols.get('runqueues'), [0x12340n]);
  assert.equal(parseKallsyms('0000000000000000 T a\n0000000000000000 T b\n').hidden, true);
});

describe('tracing attachments in the kernel', { skip: skip ?? false }, () => {
  let fdsBefore: string[];
  let dir: string | undefined;
  let target: string | undefined;
  let noTarget = 'no C compiler (cc) to build the uprobe target';

  before(() => {
    // Warm the one-time caches (feature probes, vmlinux BTF, kallsyms) outside the leak check.
    loadCollection(fixtureSpec('kernel/perf_sample.bpf.o')).close();
    dir = mkdtempSync(`/tmp/tsbpf-probes-${process.pid}-`);
    try {
      const binary = `${dir}/uprobe_target`;
      execFileSync('cc', ['-O0', '-o', binary, 'test/fixtures/kernel/uprobe_target.c'], { stdio: 'pipe' });
      target = binary;
    } catch (error) {
      const message = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
      noTarget = `cannot build the uprobe target with cc: ${message.split('\n')[0]}`;
    }
    fdsBefore = openFds();
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.equal(openLinkCount(), 0, 'every link is closed');
    assert.deepEqual(openFds(), fdsBefore, 'every fd opened by the tests is closed');
  });

  test('uprobe and uretprobe on libc getpid by section name count the calls and see the pid returned', async (t) => {
    if (!target) return t.skip(noTarget);
    if (!existsSync(LIBC)) return t.skip(`no ${LIBC} on this machine`);
    const collection = loadCollection(fixtureSpec('kernel/uprobe.bpf.o'), {
      programs: ['libc_getpid', 'libc_getpid_ret'],
    });
    const child = new Target(target, 0, 7);
    let again: Target | undefined;
    try {
      setPid(collection, child.pid);
      const entry = collection.program('libc_getpid').attach();
      const exit = collection.program('libc_getpid_ret').attach();
      assert.equal(entry.target, `uprobe/${LIBC}:getpid`);
      assert.equal(exit.target, `uretprobe/${LIBC}:getpid`);
      const printed = await child.run();
      assert.equal(printed, 7n * BigInt(child.pid), 'the child summed the 7 pids getpid returned');
      assert.equal(u64Of(collection, 'getpid_calls'), 7n);
      assert.equal(u64Of(collection, 'getpid_returns'), 7n);
      assert.equal(u32Of(collection, 'getpid_caller'), child.pid);
      assert.equal(u64Of(collection, 'getpid_last_ret'), BigInt(child.pid), 'the uretprobe read the return value');
      entry.close();
      exit.close();
      // Detached: a second run of the target is not counted.
      again = new Target(target, 0, 3);
      setPid(collection, again.pid);
      await again.run();
      assert.equal(u64Of(collection, 'getpid_calls'), 7n);
    } finally {
      await child.stop();
      await again?.stop();
      collection.close();
    }
  });

  test('uprobes by BINARY:SYMBOL, by { binary, symbol, pid } and raw offset see arguments and returns', async (t) => {
    if (!target) return t.skip(noTarget);
    const collection = loadCollection(fixtureSpec('kernel/uprobe.bpf.o'), {
      programs: ['add_entry', 'add_exit', 'at_offset'],
    });
    // Two processes of the same binary: tsbpf_add(i, 1000) for i < 10 in one, i < 3 in the other.
    const first = new Target(target, 10, 0);
    const second = new Target(target, 3, 0);
    try {
      setPid(collection, 0); // the programs count every process; the pid filters are the probes' own
      const offset = symbolFileOffset(target, 'tsbpf_add');
      const hex = `0x${offset.toString(16)}`;
      const links = [
        collection.program('add_entry').attach(`${target}:tsbpf_add`),
        collection.program('add_exit').attach({ binary: target, symbol: 'tsbpf_add', pid: first.pid }),
        collection.program('at_offset').attach(`${target}:${hex}`),
        collection.program('at_offset').attach({ binary: target, offset, pid: second.pid }),
      ];
      assert.deepEqual(
        links.map((l) => l.target),
        [
          `uprobe/${target}:tsbpf_add`,
          `uretprobe/${target}:tsbpf_add`,
          `uprobe/${target}:${hex}`,
          `uprobe/${target}:${hex}`,
        ],
      );
      const [firstSum, secondSum] = await Promise.all([first.run(), second.run()]);
      // a + b = i + 1000 and a * 3 + b = 3i + 1000 summed over the calls.
      assert.equal(firstSum, 3n * 45n + 10_000n);
      assert.equal(secondSum, 3n * 3n + 3000n);
      assert.equal(u64Of(collection, 'add_calls'), 13n, 'the entry probe saw both processes');
      assert.equal(u64Of(collection, 'add_arg_sum'), 45n + 10_000n + 3n + 3000n);
      assert.equal(u64Of(collection, 'add_returns'), 10n, 'the uretprobe saw only the pid it was given');
      assert.equal(u64Of(collection, 'add_ret_sum'), firstSum);
      assert.equal(u64Of(collection, 'offset_hits'), 13n + 3n, 'raw offset: every call, plus the second pid again');
      for (const link of links) link.close();
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      collection.close();
    }
  });

  test('a bad uprobe binary or symbol is a one-line AttachTargetError and attaches nothing', (t) => {
    if (!target) return t.skip(noTarget);
    const collection = loadCollection(fixtureSpec('kernel/uprobe.bpf.o'), { programs: ['add_entry'] });
    try {
      const program = collection.program('add_entry');
      const missing = `/tmp/tsbpf-no-such-binary-${process.pid}`;
      assertOneLineError(() => program.attach(`${missing}:main`), AttachTargetError, /no such file/);
      assertOneLineError(
        () => program.attach({ binary: missing, offset: 0x1000 }),
        AttachTargetError,
        /no such file/,
      );
      assertOneLineError(
        () => program.attach(`${target}:tsbpf_no_such_function`),
        AttachTargetError,
        /has no function symbol "tsbpf_no_such_function"/,
      );
      assertOneLineError(
        () => program.attach('test/fixtures/kernel/uprobe_target.c:main'),
        AttachTargetError,
        /cannot read test\/fixtures\/kernel\/uprobe_target\.c as ELF/,
      );
      assertOneLineError(() => program.attach('tsbpf_add'), AttachTargetError, /uprobe needs BINARY:SYMBOL/);
      assert.ok(new AttachTargetError('x') instanceof InputError);
      assert.equal(program.openLinks().length, 0);
      assert.equal(openLinkCount(), 0);
    } finally {
      collection.close();
    }
  });

  test('a perf_event program sampling cpu-clock counts samples while we burn CPU, and none once detached', () => {
    const collection = loadCollection(fixtureSpec('kernel/perf_sample.bpf.o'));
    try {
      setPid(collection, process.pid);
      const program = collection.program('on_sample');
      // Every 1 ms of CPU time (cpu-clock counts nanoseconds): the kernel reports that period with each sample.
      const byPeriod = program.attach({ period: 1_000_000 });
      assert.equal(byPeriod.target, 'perf_event/software/1000000');
      burnCpu(200);
      const periodSamples = u64Of(collection, 'target_samples');
      // At most one per ms per CPU our threads ran on; at least one (a loaded CI machine may run us far less).
      assert.ok(periodSamples > 0n && periodSamples <= 400n, `${periodSamples} samples of 1 ms in 200 ms`);
      assert.equal(u64Of(collection, 'target_period'), 1_000_000n);
      byPeriod.close();

      const byFrequency = program.attach({ frequency: 1000 });
      assert.equal(byFrequency.target, 'perf_event/software/1000');
      burnCpu(200);
      const total = u64Of(collection, 'samples');
      const ours = u64Of(collection, 'target_samples');
      assert.ok(ours > periodSamples, `sampling at 1000 Hz added samples (${ours - periodSamples})`);
      assert.ok(total >= ours);
      assert.ok(u64Of(collection, 'target_period') > 0n);
      byFrequency.close();

      // A sample being handled on the other CPU as the link closes may still land: let it, then expect silence.
      burnCpu(20);
      const settled = u64Of(collection, 'samples');
      assert.ok(settled - total <= 2n, `${settled - total} samples while closing`);
      burnCpu(100);
      assert.equal(u64Of(collection, 'samples'), settled, 'no sample after the link closed');
    } finally {
      collection.close();
    }
  });

  test('sys_enter through raw_tracepoint and tp_btf counts our getppid and kill calls, reads kill args', async (t) => {
    const spec = fixtureSpec('kernel/raw_tp.bpf.o');
    const raw = loadCollection(spec, { programs: ['raw_sys_enter'] });
    let btf: KernelCollection | undefined;
    let btfSkip: string | undefined;
    try {
      btf = loadCollection(spec, { programs: ['btf_sys_enter'] });
    } catch (error) {
      btfSkip = `the kernel refuses tp_btf/sys_enter: ${(error as Error).message}`;
    }
    const sleeper = spawn('sleep', ['30']);
    const closed = new Promise((resolve) => sleeper.once('close', resolve));
    try {
      const counts = (c: KernelCollection, name: string) => {
        const bytes = c.variable(name).get();
        const at = (offset: number) => readU64(bytes, offset);
        return { getppid: at(0), kill: at(8), pid: at(16), sig: at(24) };
      };
      setPid(raw, process.pid);
      const rawLink = raw.program('raw_sys_enter').attach();
      assert.equal(rawLink.target, 'raw_tracepoint/sys_enter');
      if (btf) {
        setPid(btf, process.pid);
        btf.program('btf_sys_enter').attach();
      }
      for (let i = 0; i < 20; i++) assert.ok(process.ppid > 0);
      for (let i = 0; i < 5; i++) process.kill(sleeper.pid!, 0);
      sleeper.kill('SIGTERM');
      await closed;
      const expected = { getppid: 20n, kill: 6n, pid: BigInt(sleeper.pid!), sig: 15n };
      assert.deepEqual(counts(raw, 'raw'), expected);
      rawLink.close();
      assert.ok(process.ppid > 0);
      assert.equal(counts(raw, 'raw').getppid, 20n, 'detached');
      if (!btf) return t.skip(btfSkip);
      assert.deepEqual(counts(btf, 'btf'), { ...expected, getppid: 21n });
    } finally {
      if (sleeper.exitCode === null && sleeper.signalCode === null) sleeper.kill('SIGKILL');
      await closed;
      raw.close();
      btf?.close();
    }
  });

  test('.kconfig externs and typeless ksyms resolve to the running kernel and reach user space', (t) => {
    const config = kernelConfigText();
    if (!config) return t.skip('the kernel publishes no /proc/config.gz to compare with');
    const option = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(config)?.[1];
    const collection = loadCollection(fixtureSpec('kernel/kconfig_ksym.bpf.o'), { programs: ['read_externs'] });
    try {
      setPid(collection, process.pid);
      collection.program('read_externs').attach();
      for (let i = 0; i < 3; i++) assert.ok(process.ppid > 0);
      assert.equal(u64Of(collection, 'hits'), 3n);
      assert.equal(u32Of(collection, 'version'), versionOf(release()));
      assert.equal(u32Of(collection, 'bpf_syscall'), option('CONFIG_BPF_SYSCALL') === 'y' ? 1 : 0);
      assert.equal(u32Of(collection, 'hz'), Number(option('CONFIG_HZ')));
      const localversion = collection.variable('localversion').get();
      const end = localversion.indexOf(0);
      assert.equal(
        `"${new TextDecoder().decode(localversion.subarray(0, end < 0 ? undefined : end))}"`,
        option('CONFIG_LOCALVERSION'),
      );
      assert.equal(u32Of(collection, 'missing_option'), 0, 'a weak option the kernel lacks reads 0');
      const schedule = kallsymsEntries('schedule');
      assert.equal(schedule.length, 1);
      assert.equal(u64Of(collection, 'schedule_addr'), schedule[0]!.address, '&schedule is its kallsyms address');
      assert.equal(u64Of(collection, 'missing_addr'), 0n, 'a weak ksym the kernel lacks is NULL');
    } finally {
      collection.close();
    }
  });

  test('typed per-CPU ksyms read through bpf_this_cpu_ptr and bpf_per_cpu_ptr, or a clear reason why not', (t) => {
    const listed = kallsymsEntries('bpf_prog_active').length > 0 && kallsymsEntries('runqueues').length > 0;
    let collection: KernelCollection;
    try {
      collection = loadCollection(fixtureSpec('kernel/kconfig_ksym.bpf.o'), { programs: ['read_percpu'] });
    } catch (error) {
      if (listed) throw error;
      assert.ok(error instanceof MissingFeatureError, String(error));
      assert.match(error.message, /failed to find the address for kernel symbol '(bpf_prog_active|runqueues)'/);
      // core.bpf.o's on_exec uses bpf_prog_active too: the same reason, before any bpf() call.
      assertOneLineError(
        () => loadCollection(fixtureSpec('objects/core.bpf.o'), { programs: ['on_exec'] }),
        MissingFeatureError,
        /'bpf_prog_active'.*CONFIG_KALLSYMS_ALL/,
      );
      return t.skip(`kallsyms lists no kernel variables here: ${error.message}`);
    }
    try {
      setPid(collection, process.pid);
      collection.program('read_percpu').attach();
      assert.ok(process.ppid > 0);
      assert.equal(u64Of(collection, 'percpu_hits'), 1n);
      assert.equal(u32Of(collection, 'rq_cpu'), 0, "CPU 0's runqueue says it is CPU 0");
      assert.equal(u32Of(collection, 'active_readable'), 1);
    } finally {
      collection.close();
    }
  });
});
