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

const REJECTS = 'test/fixtures/verifier/objects/rejects.bpf.o';

test('verify FILE.o: every program, with map names, source lines and read-only .rodata', async () => {
  const r = await cli(['verify', REJECTS, '--json']);
  assert.equal(r.code, 1);
  const json = JSON.parse(r.out);
  assert.equal(json.verdict, 'rejected');
  const byName = new Map(json.programs.map((p: { name: string }) => [p.name, p]));
  assert.deepEqual(
    json.programs.map((p: { name: string; verdict: string }) => `${p.name}:${p.verdict}`),
    [
      'no_null_check:rejected',
      'null_checked:accepted',
      'unchecked_packet:rejected',
      'write_rodata:rejected',
      'bounded_loop:accepted',
      'unbounded_index:rejected',
    ],
  );
  const nullCheck = byName.get('no_null_check') as Record<string, unknown>;
  assert.equal(nullCheck.section, 'socket');
  assert.equal(nullCheck.line, './rejects.bpf.c:25: *value += 1;');
  assert.deepEqual(nullCheck.registers, ['R0=map_value_or_null(id=1,map=counts)']);
  const rodata = byName.get('write_rodata') as Record<string, unknown>;
  assert.equal(rodata.kernel_message, 'write into map forbidden, value_size=4 off=0 size=4');
  assert.match(String(rodata.message), /source: .*rejects\.bpf\.c:54:/);
  for (const p of json.programs) {
    for (const key of ['section', 'name', 'verdict', 'insn', 'line', 'message', 'processed_insns', 'duration_ns'])
      assert.ok(key in p, key);
  }
});

test('verify FILE.o --section picks programs by section or name; an unknown one is bad input', async () => {
  const ok = await cli(['verify', REJECTS, '--section', 'null_checked']);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /socket \(null_checked\): accepted \(\d+ instructions processed\)/);
  const xdp = await cli(['verify', REJECTS, '--section', 'xdp']);
  assert.equal(xdp.code, 1);
  assert.equal(xdp.out.match(/^\S+ xdp \(/gm)?.length, 4);
  await assert.rejects(cli(['verify', REJECTS, '--section', 'nope']), /no program in section 'nope'/);
});

test('verify FILE.o: map-in-map lookups, queue helpers and global data maps', async () => {
  const r = await cli(['verify', 'test/fixtures/objects/maps.bpf.o', '--json']);
  assert.equal(r.code, 0, r.out);
  const g = JSON.parse((await cli(['verify', 'test/fixtures/objects/globals.bpf.o', '--json'])).out);
  assert.deepEqual(
    g.programs.map((p: { verdict: string }) => p.verdict),
    ['accepted', 'accepted'],
  );
});
