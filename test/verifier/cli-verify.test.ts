import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/verify.js';

/** Runs `tsbpf verify ...` in-process, capturing stdout and the exit code it sets. */
async function cli(args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('tsbpf').exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return { out, code };
}

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-verify-'));
const file = (name: string, text: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test('verify: accepted program exits 0, rejected exits 1 with the explanation and source line', async () => {
  const ok = file('ok.s', 'r0 = 2\nexit\n');
  assert.deepEqual(await cli(['verify', ok, '--type', 'xdp']), {
    out: `${ok}: accepted (2 instructions processed)\n`,
    code: 0,
  });
  const bad = file('bad.s', 'r0 = 0\nr0 = *(u8 *)(r1 + 0)\nr0 = *(u32 *)(r0 + 0)\nexit\n');
  const r = await cli(['verify', bad, '--type', 'socket']);
  assert.equal(r.code, 1);
  assert.match(r.out, /insn 2: r0 = \*\(u32 \*\)\(r0 \+ 0x0\)/);
  assert.match(r.out, /source: .*bad\.s:3: r0 = \*\(u32 \*\)\(r0 \+ 0\)/);
  assert.match(r.out, /kernel: R0 invalid mem access 'scalar'/);
});

test('verify --json has the documented shape', async () => {
  const bad = file('leak.s', 'r0 = 5\nexit\n');
  const r = await cli(['verify', bad, '--type', 'cgroup_skb', '--json']);
  const json = JSON.parse(r.out);
  assert.equal(json.verdict, 'rejected');
  const [p] = json.programs;
  for (const key of ['section', 'name', 'verdict', 'insn', 'line', 'message', 'processed_insns', 'duration_ns'])
    assert.ok(key in p, key);
  assert.equal(p.insn, 1);
  assert.equal(p.kernel_message, 'At program exit the register R0 has smin=5 smax=5 should have been in [0, 1]');
});

test('verify: raw bytes with an unknown opcode are a rejection; a missing --type is bad input', async () => {
  const raw = file('bad.bin', new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
  const r = await cli(['verify', raw, '--type', 'socket']);
  assert.equal(r.code, 1);
  assert.match(r.out, /unknown opcode ff/);
  await assert.rejects(cli(['verify', raw]), /--type/);
});

test('verify --map supplies the maps ld_pseudo refers to', async () => {
  const prog = file(
    'map.s',
    'r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nld_pseudo r1, 1, 0\ncall 1\nr0 = 0\nexit\n',
  );
  assert.equal((await cli(['verify', prog, '--type', 'socket', '--map', 'hash:4:8:16'])).code, 0);
  assert.equal((await cli(['verify', prog, '--type', 'socket'])).code, 1);
});
