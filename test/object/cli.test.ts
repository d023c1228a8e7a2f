import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/inspect.js';
import { loadObjectProgram, loadProgramFile } from '../../src/cli/program-file.js';
import { InputError } from '../../src/errors.js';
import { FIXTURE_DIR } from './fixtures.js';

/** Runs `tsbpf inspect ARGS` through its commander registration and returns what it printed. */
async function inspect(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'tsbpf', 'inspect', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

describe('tsbpf inspect and ELF program files', () => {
  it('inspect --json has the documented shape', async () => {
    const json = JSON.parse(await inspect(`${FIXTURE_DIR}/signals.bpf.o`, '--json'));
    assert.deepEqual(Object.keys(json).slice(0, 4), ['programs', 'maps', 'variables', 'externs']);
    assert.equal(json.license, 'GPL');
    const p = json.programs[0];
    assert.deepEqual(
      [p.name, p.section, p.type, p.attach, p.insns],
      ['on_generate', 'tracepoint/signal/signal_generate', 'tracepoint', 'signal/signal_generate', 25],
    );
    assert.deepEqual(json.maps[1], {
      name: 'events',
      type: 'ringbuf',
      key_size: 0,
      value_size: 0,
      max_entries: 262144,
      flags: 0,
      pinning: 'none',
      section: '.maps',
    });
  });

  it('inspect prints tables', async () => {
    const text = await inspect(`${FIXTURE_DIR}/xdp_parse.bpf.o`);
    assert.match(text, /^Programs:\n {2}name {7}section {2}type {2}attach {2}insns {2}source\n {2}xdp_count {2}xdp/);
    assert.match(text, /counters {2}percpu_array {2}4 {4}8 {6}6 /);
  });

  it('run/verify/disasm take an object: the first program, or the one --section names', () => {
    const first = loadProgramFile(`${FIXTURE_DIR}/unlink.bpf.o`);
    assert.equal(first.length, loadObjectProgram(`${FIXTURE_DIR}/unlink.bpf.o`).instructions.length);
    const ret = loadProgramFile(`${FIXTURE_DIR}/unlink.bpf.o`, { section: 'kretprobe/do_unlinkat' });
    assert.equal(ret.length, 6);
    assert.equal(loadObjectProgram(`${FIXTURE_DIR}/globals.bpf.o`, 'tweak').name, 'tweak');
    assert.throws(
      () => loadProgramFile(`${FIXTURE_DIR}/unlink.bpf.o`, { section: 'xdp' }),
      (err: Error) => err instanceof InputError && /no program in section 'xdp'/.test(err.message),
    );
  });
});
