import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { register as registerRun } from '../../src/cli/commands/run.js';
import { readCaptureFile } from '../../src/pcap/node-file.js';
import { builtinTracepointFormat, parseTracepointFormat } from '../../src/vm/progtypes/tracepoint-format.js';
import { tracefsFormats } from '../../src/vm/tracefs-node.js';

/** Runs `tsbpf run ARGS` and returns stdout and the exit code it set. */
async function run(...args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('tsbpf').exitOverride();
  registerRun(program);
  let out = '';
  const write = process.stdout.write;
  const saved = process.exitCode;
  process.exitCode = 0;
  // the test runner reports through stdout in binary chunks: pass those through, keep the command's text
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

const SOCKEX = 'test/fixtures/objects/sockex.bpf.o';
const PCAP = '../shared/pcaps/vrrp.pcap';
const GLOBALS = 'test/fixtures/objects/globals.bpf.o';

describe('tsbpf run FILE.o', () => {
  it('--pcap --json: verdict counts and maps decoded with BTF', async () => {
    const { out, code } = await run(SOCKEX, '--pcap', PCAP, '--pkt-type', 'outgoing', '--json');
    assert.equal(code, 0);
    const json = JSON.parse(out);
    const { packets } = await readCaptureFile(PCAP);
    const ether = packets.filter((p) => p.linkType === 1);
    assert.deepEqual(json.verdicts, { '0': ether.length });
    assert.equal(json.backend, 'jit'); // a capture runs many times: the JIT by default
    assert.equal(json.retval, '0x0');
    const bytes = ether.filter((p) => p.data[23] === 112).reduce((n, p) => n + p.data.length, 0);
    const entry = json.maps.my_map.find((e: { key: number }) => e.key === 112);
    assert.equal(entry.value, bytes);
  });
  it('text output prints verdicts then the non-zero map entries', async () => {
    const { out } = await run(SOCKEX, '--pcap', PCAP, '--pkt-type', 'outgoing');
    const lines = out.split('\n');
    assert.match(lines[0]!, /^retval 0: \d+$/);
    assert.equal(lines[1], 'my_map:');
  });
  it('--set fills globals (.rodata too) before loading; retval is the low 32 bits of r0, as the kernel reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-run-'));
    try {
      const ctx = join(dir, 'ctx.bin');
      writeFileSync(ctx, Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0)); // struct input { a, b, c }
      for (const backend of ['vm', 'jit']) {
        const args = [GLOBALS, '--section', 'tweak', '--ctx', ctx, '--backend', backend, '--json'];
        const { out } = await run(...args, '--set', 'scale=10', 'counter=-7');
        const json = JSON.parse(out);
        // a * scale + counter + custom_value + b * b in 64-bit registers: 2^32 + 4393, returned as int
        assert.equal(json.retval, `0x${(1 * 10 - 7 + 0x1122 + 4).toString(16)}`, backend);
        assert.equal(json.maps['.data'][0].value.counter, -7);
        assert.equal(json.maps['.data'][0].value.hidden_state, 6);
      }
      await assert.rejects(() => run(GLOBALS, '--section', 'tweak', '--ctx', ctx, '--set', 'scale'), /NAME=VALUE/);
      await assert.rejects(() => run(GLOBALS, '--section', 'tweak', '--set', 'nope=1'), /'nope': no such global/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a bad --pkt-type is an input error', async () => {
    await assert.rejects(() => run(SOCKEX, '--pcap', PCAP, '--pkt-type', 'sideways'), /--pkt-type: expected host/);
  });
});

describe('tracepoint formats', () => {
  it('built-in layouts match the running kernel where tracefs is readable', () => {
    for (const name of [
      'syscalls/sys_enter_execve',
      'sched/sched_process_exit',
      'signal/signal_generate',
      'block/block_rq_issue',
    ]) {
      const live = tracefsFormats(name);
      if (!live) continue; // no tracefs here: the built-ins are all there is
      const builtin = builtinTracepointFormat(name)!;
      assert.deepEqual(
        builtin.fields.map((f) => [f.name, f.offset, f.size, f.signed]),
        live.fields.map((f) => [f.name, f.offset, f.size, f.signed]),
        name,
      );
    }
  });
  it('a malformed field line names the file and line', () => {
    assert.throws(
      () => parseTracepointFormat('x/y', 'name: y\nformat:\n\tfield:int a;\toffset:zz;\n', 'fmt'),
      /fmt:3: cannot parse field line/,
    );
  });
});
