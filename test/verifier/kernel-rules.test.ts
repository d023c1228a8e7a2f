import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assemble } from '../../src/isa/asm.js';
import { MapType } from '../../src/maps/types.js';
import { type MapInfo, type VerifyOptions, verifyProgram } from '../../src/verifier/index.js';

/**
 * Rules the recorded corpus cannot hold (it has no prog_flags, map flags, inner maps or BTF func info), each
 * checked on Linux 6.18 as root with the same program; the expected texts are the kernel's messages.
 */
const verify = (text: string, options: Partial<VerifyOptions> = {}) =>
  verifyProgram(assemble(text, { syntax: 'llvm' }).insns, { progType: 'socket', ...options });

const rejects = (r: ReturnType<typeof verify>, message: string): void => {
  assert.equal(r.verdict, 'rejected', `expected a rejection with "${message}"`);
  assert.equal(r.kernelMessage, message);
};

const PKT_READS = `
  r2 = *(u32 *)(r1 + 76)
  r3 = *(u32 *)(r1 + 80)
  r4 = r2
  r4 += 8
  if r4 > r3 goto out
  r0 = *(u32 *)(r2 + 0)
out:
  r0 = 0
  exit`;

test('BPF_F_STRICT_ALIGNMENT checks packet accesses as if the packet started 2 bytes into a word', () => {
  assert.equal(verify(PKT_READS, { progType: 'tc' }).verdict, 'accepted');
  rejects(verify(PKT_READS, { progType: 'tc', progFlags: 1 }), 'misaligned packet access off 2+0+0+0 size 4');
  // BPF_F_ANY_ALIGNMENT wins over strict alignment
  assert.equal(verify(PKT_READS, { progType: 'tc', progFlags: 3 }).verdict, 'accepted');
  assert.equal(verify(PKT_READS.replace('r2 + 0', 'r2 + 2'), { progType: 'tc', progFlags: 1 }).verdict, 'accepted');
});

const ARRAY16: MapInfo = { type: MapType.ARRAY, keySize: 4, valueSize: 16, maxEntries: 4 };
const LOOKUP = `
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  ld_pseudo r1, 1, 0
  call 1
  if r0 == 0 goto out`;

test('BPF_F_STRICT_ALIGNMENT checks map value accesses; without it only atomics must be aligned', () => {
  const read = `${LOOKUP}\n  r1 = *(u32 *)(r0 + 6)\nout:\n  r0 = 0\n  exit`;
  assert.equal(verify(read, { maps: [ARRAY16] }).verdict, 'accepted');
  rejects(verify(read, { maps: [ARRAY16], progFlags: 1 }), 'misaligned value access off 0+0+6 size 4');
});

const storeIntoValue = (flags: number): MapInfo => ({
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 48,
  maxEntries: 1,
  flags,
});

test('a helper may not write into a BPF_F_RDONLY_PROG map value nor read a BPF_F_WRONLY_PROG one', () => {
  const loadBytes = `
  r6 = r1
  ${LOOKUP}
  r1 = r6
  r2 = 0
  r3 = r0
  r4 = 8
  call 26
out:
  r0 = 0
  exit`;
  rejects(
    verify(loadBytes, { progType: 'tc', maps: [storeIntoValue(1 << 7)] }),
    'write into map forbidden, value_size=48 off=0 size=8',
  );
  assert.equal(verify(loadBytes, { progType: 'tc', maps: [storeIntoValue(1 << 8)] }).verdict, 'accepted');
  const valueAsKey = `
  ${LOOKUP}
  r2 = r0
  r2 += 4
  ld_pseudo r1, 1, 1
  call 1
out:
  r0 = 0
  exit`;
  const hash: MapInfo = { type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 4 };
  rejects(
    verify(valueAsKey, { progType: 'tc', maps: [storeIntoValue(1 << 8), hash] }),
    'read from map forbidden, value_size=48 off=4 size=4',
  );
  assert.equal(verify(valueAsKey, { progType: 'tc', maps: [storeIntoValue(1 << 7), hash] }).verdict, 'accepted');
});

test('a map-in-map lookup result must be null-checked before it is used as a map', () => {
  const maps: MapInfo[] = [
    { type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 1, inner: 1 },
    { type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
  ];
  const inner = (check: string) => `
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  ld_pseudo r1, 1, 0
  call 1
  ${check}
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = r0
  call 1
out:
  r0 = 0
  exit`;
  // verifier_map_in_map.c "forgot null checking on the inner map pointer"
  rejects(verify(inner('r0 = r0'), { maps }), 'R1 type=map_value_or_null expected=map_ptr');
  assert.equal(verify(inner('if r0 == 0 goto out'), { maps }).verdict, 'accepted');
});

test('in an object a literal map fd refers to no map', () => {
  const maps: MapInfo[] = [ARRAY16];
  const prog = `${LOOKUP}\nout:\n  r0 = 0\n  exit`;
  assert.equal(verify(prog, { maps }).verdict, 'accepted');
  rejects(verify(prog, { maps, mapFdsAreIndexes: false }), 'fd 0 is not pointing to valid bpf_map');
});

const LD_ABS_SUBPROG = `
  call f
  if r0 != 0 goto out
  r0 = r9
out:
  r0 = 0
  exit
f:
  r6 = r1
  r0 = *(u32 *)skb[0]
  r0 = 1
  exit`;

test('LD_ABS in a subprogram: refused without BTF, and a failed load returns 0 to the caller', () => {
  rejects(verify(LD_ABS_SUBPROG), 'LD_ABS is not allowed in subprogs without BTF');
  const btf = (returnsScalar: boolean) => ({
    funcInfo: [
      { insn: 0, returnsScalar: true },
      { insn: 5, returnsScalar },
    ],
  });
  rejects(verify(LD_ABS_SUBPROG, btf(false)), "LD_ABS is only allowed in functions that return 'int'.");
  // verifier_ld_ind.c "ld_abs: subprog early exit on ld_abs failure": the r0 == 0 path reads r9
  rejects(verify(LD_ABS_SUBPROG, btf(true)), 'R9 !read_ok');
  assert.equal(verify(LD_ABS_SUBPROG.replace('r0 = r9', 'r0 = 0'), btf(true)).verdict, 'accepted');
});
