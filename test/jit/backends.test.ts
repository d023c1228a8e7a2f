import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { register as registerRun } from '../../src/cli/commands/run.js';
import { defaultBackend } from '../../src/cli/raw-backends.js';
import { loadCollection } from '../../src/collection-node.js';
import { JitProgram } from '../../src/jit/compile.js';
import type { Collection } from '../../src/object/collection.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { readCaptureFile } from '../../src/pcap/node-file.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { runOverPackets } from '../../src/vm/packet-run.js';
import { VmProgram } from '../../src/vm/program.js';
import { bpfUnavailable } from '../kernel/support.js';

const SOCKEX = 'test/fixtures/objects/sockex.bpf.o';
const TAILCALL = 'test/fixtures/objects/tailcall.bpf.o';
const PCAP = '../shared/pcaps/vrrp.pcap';
const noKernel = bpfUnavailable();
const spec = (path: string) => loadObjectSpec(new Uint8Array(readFileSync(path)), { name: path });

/** Runs `tsbpf run ARGS` in-process and returns stdout and the exit code it set. */
async function run(...args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('tsbpf').exitOverride();
  registerRun(program);
  let out = '';
  const write = process.stdout.write;
  const saved = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write.call(process.stdout, chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['run', ...args], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = saved;
  return { out, code };
}

/** Every frame of the capture through sockex as outgoing packets: the verdicts, then the map's entries. */
async function verdictsAndMap(c: Collection, frames: Uint8Array[]): Promise<unknown> {
  const summary = await runOverPackets(c.program('bpf_prog1') as VmProgram, frames, { pktType: 4 });
  const verdicts = [...summary.verdicts];
  const entries = c
    .map('my_map')
    .decodedEntries()
    .filter((e) => e.value !== 0);
  return { verdicts, entries };
}

describe('loadCollection on every backend', () => {
  it('vm and jit: the same object runs on an interpreter or a compiled module', async () => {
    const vm = await loadCollection(spec(SOCKEX));
    const jit = await loadCollection(spec(SOCKEX), { backend: 'jit' });
    assert.equal(vm.backend, 'vm');
    assert.equal(jit.backend, 'jit');
    assert.ok((vm.program('bpf_prog1') as VmProgram).executor instanceof Interpreter);
    assert.ok((jit.program('bpf_prog1') as VmProgram).executor instanceof JitProgram);
    const frames = (await readCaptureFile(PCAP)).packets.map((p) => p.data).filter((d) => d.length >= 14);
    const expected = await verdictsAndMap(vm, frames);
    assert.ok((expected as { entries: unknown[] }).entries.length > 0);
    assert.deepEqual(await verdictsAndMap(jit, frames), expected);
  });

  it('kernel: test runs agree with the VM on tail calls', { skip: noKernel ?? false }, async () => {
    const frame = new Uint8Array(60);
    const results: bigint[] = [];
    for (const backend of ['vm', 'jit', 'kernel'] as const) {
      const c = await loadCollection(spec(TAILCALL), { backend });
      try {
        assert.equal(c.backend, backend);
        results.push((await c.program('entry').run({ data: frame })).retval);
      } finally {
        await c.close();
      }
    }
    assert.deepEqual(results, [3n, 3n, 3n]); // entry -> stage_one -> stage_two: XDP_TX
  });

  it('an unknown backend is bad input', async () => {
    await assert.rejects(() => loadCollection(spec(SOCKEX), { backend: 'gpu' as 'vm' }), /unknown backend 'gpu'/);
  });
});

describe('tsbpf run --backend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-backends-'));
  const prog = join(dir, 'sum.s');
  writeFileSync(prog, 'r0 = *(u8 *)(r1 + 0)\nr0 += r2\nexit\n');

  it('without --backend: the JIT for repeated and capture runs, the interpreter for one run', async () => {
    assert.equal(defaultBackend({ repeat: 1 }), 'vm');
    assert.equal(defaultBackend({ repeat: 2 }), 'jit');
    assert.equal(defaultBackend({ repeat: 1, pcap: 'x.pcap' }), 'jit');
    const once = JSON.parse((await run(prog, '--mem', '40 00', '--json')).out);
    const many = JSON.parse((await run(prog, '--mem', '40 00', '--json', '--repeat', '5')).out);
    assert.deepEqual([once.backend, once.retval, once.insns_executed], ['vm', '0x42', 3]);
    assert.deepEqual([many.backend, many.retval, many.insns_executed], ['jit', '0x42', 3]);
    const forced = JSON.parse((await run(prog, '--mem', '40 00', '--json', '--repeat', '5', '--backend', 'vm')).out);
    assert.equal(forced.backend, 'vm');
  });

  it('objects: --pcap on the JIT by default, maps and verdicts as on the interpreter', async () => {
    const jit = JSON.parse((await run(SOCKEX, '--pcap', PCAP, '--pkt-type', 'outgoing', '--json')).out);
    const vm = JSON.parse(
      (await run(SOCKEX, '--pcap', PCAP, '--pkt-type', 'outgoing', '--json', '--backend', 'vm')).out,
    );
    assert.equal(jit.backend, 'jit');
    assert.equal(vm.backend, 'vm');
    assert.deepEqual({ ...jit, backend: 'vm', duration_ns: 0 }, { ...vm, duration_ns: 0 });
  });

  it('objects on the kernel: a test run with --packet and --repeat', { skip: noKernel ?? false }, async () => {
    const packet = join(dir, 'frame.bin');
    writeFileSync(packet, new Uint8Array(60));
    const { out, code } = await run(TAILCALL, '--section', 'entry', '--packet', packet, '--repeat', '3', '--json');
    const kernelRun = await run(TAILCALL, '--section', 'entry', '--packet', packet, '--backend', 'kernel', '--json');
    const kernel = JSON.parse(kernelRun.out);
    assert.equal(code, 0);
    const jit = JSON.parse(out);
    assert.equal(jit.backend, 'jit');
    assert.equal(kernel.backend, 'kernel');
    assert.equal(kernel.insns_executed, null);
    assert.equal(kernel.retval, jit.retval);
  });

  it('--pcap on a raw program is bad input', async () => {
    await assert.rejects(() => run(prog, '--pcap', PCAP), /--pcap runs objects/);
  });
});
