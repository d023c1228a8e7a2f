import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assemble } from '../../src/isa/asm.js';
import { MapType } from '../../src/maps/types.js';
import { type VerifyOptions, VerifyOptionsError, verifyProgram } from '../../src/verifier/index.js';

const verify = (text: string, options: Partial<VerifyOptions> = {}) =>
  verifyProgram(assemble(text, { syntax: 'llvm' }).insns, { progType: 'socket', ...options });

const PACKET_CHECK = `
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 14
  if r4 > r3 goto out
  r0 = *(u32 *)(r2 + 10)
out:
  r0 = 2
  exit`;

test('a packet read beyond the proven range is explained: insn, registers, path, suggestion, kernel text', () => {
  const r = verify(PACKET_CHECK.replace('r2 + 10', 'r2 + 11'), { progType: 'xdp' });
  assert.equal(r.verdict, 'rejected');
  assert.equal(r.insn, 5);
  assert.equal(r.insnText, 'r0 = *(u32 *)(r2 + 0xb)');
  assert.equal(
    r.kernelMessage,
    'invalid access to packet, off=11 size=4, R2(id=0,off=11,r=14)\nR2 offset is outside of the packet',
  );
  assert.deepEqual(r.regs, [{ reg: 2, state: 'R2=pkt(r=14)' }]);
  assert.deepEqual(r.path, [{ pc: 4, taken: false }]);
  assert.match(r.suggestion ?? '', /data \+ 15 <= data_end/);
  assert.match(r.message, /^insn 5: r0 = \*\(u32 \*\)\(r2 \+ 0xb\)\n/);
  assert.match(r.message, /path: insn 4 not taken/);
});

test('the same read inside the proven range is accepted', () => {
  const r = verify(PACKET_CHECK, { progType: 'xdp' });
  assert.equal(r.verdict, 'accepted', r.message);
  assert.equal(r.processedInsns, 10); // as the kernel counts it
});

test('log level 1 has the kernel shape: initial state, one line per instruction, processed count', () => {
  const r = verify('r0 = 0\nexit', { logLevel: 1 });
  const lines = r.log.trimEnd().split('\n');
  assert.equal(lines[0], '0: R1=ctx() R10=fp0');
  assert.match(lines[1]!, /^0: \(b7\) r0 = 0x0 +; R0=0$/);
  assert.equal(lines[2], '1: (95) exit');
  assert.equal(lines[3], 'processed 2 insns (limit 1000000)');
  assert.equal(verify('r0 = 0\nexit').log, '');
});

test('bounded loops are explored to their end; loops without progress are refused', () => {
  const bounded = verify('r0 = 0\nr1 = 0\nl:\nr0 += r1\nr1 += 1\nif r1 < 50 goto l\nexit');
  assert.equal(bounded.verdict, 'accepted');
  assert.ok(bounded.processedInsns > 150, `${bounded.processedInsns}`);
  const stuck = verify('r0 = *(u32 *)(r1 + 0)\nl:\nif r0 > 10 goto out\ngoto l\nout:\nexit');
  assert.equal(stuck.verdict, 'rejected');
  assert.equal(stuck.kernelMessage, 'infinite loop detected at insn 1');
});

test('pruning: a long chain of independent diamonds stays linear', () => {
  const diamonds = Array.from({ length: 40 }, (_, i) => `r2 = *(u32 *)(r6 + 0)\nif r2 > 5 goto +1\nr7 = ${i}`).join(
    '\n',
  );
  const r = verify(`r6 = r1\n${diamonds}\nr0 = 0\nexit`);
  assert.equal(r.verdict, 'accepted');
  assert.ok(r.processedInsns < 2000, `${r.processedInsns} insns processed`);
});

test('map lookups must be null-checked; the checked value is bounded by value_size', () => {
  const maps = [{ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 4 }];
  const lookup = 'r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nld_pseudo r1, 1, 0\ncall 1\n';
  const unchecked = verify(`${lookup}r0 = *(u64 *)(r0 + 0)\nexit`, { maps });
  assert.equal(unchecked.kernelMessage, "R0 invalid mem access 'map_value_or_null'");
  assert.match(unchecked.suggestion ?? '', /NULL/);
  assert.equal(verify(`${lookup}if r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 0)\nexit`, { maps }).verdict, 'accepted');
  const oob = verify(`${lookup}if r0 == 0 goto +2\nr0 = *(u64 *)(r0 + 4)\nexit\nr0 = 0\nexit`, { maps });
  assert.equal(
    oob.kernelMessage,
    'invalid access to map value, value_size=8 off=4 size=8\nR0 min value is outside of the allowed memory range',
  );
});

test('ring buffer records must be submitted or discarded on every path', () => {
  const maps = [{ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 }];
  const reserve = 'ld_pseudo r1, 1, 0\nr2 = 8\nr3 = 0\ncall 131\n';
  const leak = verify(`${reserve}r0 = 0\nexit`, { maps });
  // the kernel's numbering (corpus case ringbuf-leak): id 1 goes to the maybe-null id, 2 to the reference
  assert.match(leak.kernelMessage, /^Unreleased reference id=2 alloc_insn=4/);
  const ok = verify(`${reserve}if r0 == 0 goto +3\nr1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit`, { maps });
  assert.equal(ok.verdict, 'accepted', ok.message);
});

test('BPF-to-BPF calls: callee frames, caller-saved registers, the callee sees the caller stack', () => {
  const prog =
    'r1 = 7\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr6 = 3\ncall f\nr0 += r6\nexit\nf:\nr0 = *(u64 *)(r1 + 0)\nexit';
  assert.equal(verify(prog).verdict, 'accepted');
  const clobbered = verify(prog.replace('r0 += r6', 'r0 += r2'));
  assert.equal(clobbered.kernelMessage, 'R2 !read_ok');
});

test('return values are checked against the program type range', () => {
  assert.equal(verify('r0 = 1\nexit', { progType: 'cgroup_skb' }).verdict, 'accepted');
  const r = verify('r0 = 2\nexit', { progType: 'cgroup_skb' });
  assert.equal(r.kernelMessage, 'At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]');
  assert.equal(verify('r0 = 2\nexit', { progType: 'xdp' }).verdict, 'accepted');
});

test('unprivileged rules: uninitialised stack, pointer leaks, loops, program types', () => {
  const un = { unprivileged: true };
  assert.equal(verify('r0 = *(u64 *)(r10 - 8)\nexit').verdict, 'accepted');
  assert.equal(verify('r0 = *(u64 *)(r10 - 8)\nexit', un).kernelMessage, 'invalid read from stack R10 off=-8 size=8');
  assert.equal(verify('r0 = r10\nexit').verdict, 'accepted');
  assert.equal(verify('r0 = r10\nexit', un).kernelMessage, 'R0 leaks addr as return value');
  assert.equal(verify('r0 = 0\nl:\nr0 += 1\nif r0 < 4 goto l\nexit', un).kernelMessage, 'back-edge from insn 2 to 1');
  assert.equal(verify('r0 = 0\nif r1 > r10 goto +0\nexit', un).kernelMessage, 'R10 pointer comparison prohibited');
  assert.equal(verify('r0 = 0\nexit', { ...un, progType: 'xdp' }).verdict, 'rejected');
});

test('an unknown program type is bad input, not a rejection', () => {
  assert.throws(() => verify('exit', { progType: 'nonsense' }), VerifyOptionsError);
});

test('libbpf section names select program types', () => {
  assert.equal(verify(PACKET_CHECK, { progType: 'xdp/devmap' }).verdict, 'accepted');
  assert.equal(verify('r0 = *(u64 *)(r1 + 8)\nexit', { progType: 'kprobe/do_sys_open' }).verdict, 'accepted');
  assert.equal(
    verify('r0 = *(u64 *)(r1 + 8)\nexit', { progType: 'tracepoint/syscalls/sys_enter_open' }).verdict,
    'accepted',
  );
});
