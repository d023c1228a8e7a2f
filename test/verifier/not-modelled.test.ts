/**
 * What tsbpf's verifier does not model (a helper without a prototype here, a __ksym load) stops verification as a
 * rejection marked `unsupported`: the program is never passed silently, nor reported as one the kernel refuses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadObjectSpec } from '../../src/object/load.js';
import { verifyObjectProgram } from '../../src/verifier/object.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { assemble } from '../../src/isa/index.js';
import { tsbpf } from '../cli/spawn.js';

function verdictOf(file: string, name: string) {
  const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { name: file });
  return verifyObjectProgram(spec, spec.programs.find((p) => p.name === name)!);
}

test('a helper without a prototype in tsbpf is an unsupported rejection naming it', () => {
  const insns = assemble('call 158\nr0 = 0\nexit', { syntax: 'llvm' }).insns; // bpf_get_current_task_btf
  const r = verifyProgram(insns, { progType: 'raw_tracepoint' });
  assert.equal(r.verdict, 'rejected');
  assert.equal(r.unsupported, true);
  assert.match(r.kernelMessage, /helper bpf_get_current_task_btf#158 is not modelled by tsbpf/);
  // a helper id that does not exist at all is an ordinary rejection, with the kernel's message
  const bad = verifyProgram(assemble('call 100000\nr0 = 0\nexit', { syntax: 'llvm' }).insns, { progType: 'xdp' });
  assert.equal(bad.unsupported, undefined);
  assert.match(bad.kernelMessage, /invalid func unknown#100000/);
});

test('__ksym loads (BPF_PSEUDO_BTF_ID) are not modelled; the XDP multi-buffer helpers are', () => {
  const ksym = verdictOf('test/fixtures/kernel/kconfig_ksym.bpf.o', 'read_externs');
  assert.equal(ksym.verdict, 'rejected');
  assert.equal(ksym.unsupported, true);
  assert.match(ksym.kernelMessage, /kernel symbol loads .* are not modelled/);
  assert.equal(verdictOf('test/fixtures/objects/xdp_frags.bpf.o', 'xdp_bytes').verdict, 'accepted');
});

test('tsbpf verify says "not modelled" and marks the JSON; the exit code stays 1', () => {
  const text = tsbpf('verify', 'test/fixtures/objects/task.bpf.o');
  assert.equal(text.code, 1);
  assert.match(text.stdout, /record_task\): rejected \(not modelled by tsbpf; the kernel may accept it\)/);
  const json = tsbpf('verify', 'test/fixtures/objects/task.bpf.o', '--json');
  assert.equal(json.code, 1);
  const out = JSON.parse(json.stdout) as { programs: { name: string; unsupported?: boolean }[] };
  assert.equal(out.programs.find((p) => p.name === 'record_task')?.unsupported, true);
});
