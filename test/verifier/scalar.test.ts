import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
} from '../../src/isa/opcodes.js';
import { branchTaken, refineScalars, revOpcode } from '../../src/verifier/branch.js';
import { scalarReg } from '../../src/verifier/reg.js';
import { knownScalar, type Scalar, syncBounds, syncBoundsFull, unknownScalar } from '../../src/verifier/scalar.js';
import { scalarAlu } from '../../src/verifier/scalar-alu.js';
import { tnumConst, tnumIn, tnumUnion } from '../../src/verifier/tnum.js';

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

const bigMin = (x: bigint, y: bigint): bigint => (y < x ? y : x);
const bigMax = (x: bigint, y: bigint): bigint => (y > x ? y : x);

/** The most precise abstraction of a set of concrete values (their join), made consistent. */
function abstractOf(values: bigint[]): Scalar {
  const s = unknownScalar();
  const vs = values.map(u64);
  const lo = vs.map((v) => v & 0xffff_ffffn);
  s.umin = vs.reduce(bigMin);
  s.umax = vs.reduce(bigMax);
  s.smin = vs.map(s64).reduce(bigMin);
  s.smax = vs.map(s64).reduce(bigMax);
  s.u32min = lo.reduce(bigMin);
  s.u32max = lo.reduce(bigMax);
  s.s32min = lo.map((v) => BigInt.asIntN(32, v)).reduce(bigMin);
  s.s32max = lo.map((v) => BigInt.asIntN(32, v)).reduce(bigMax);
  s.t = vs.slice(1).reduce((t, v) => tnumUnion(t, tnumConst(v)), tnumConst(vs[0]!));
  syncBounds(s);
  return s;
}

/** Whether the abstract value admits the concrete one. */
function contains(s: Scalar, v: bigint): boolean {
  const x = u64(v);
  const lo = x & 0xffff_ffffn;
  return (
    x >= s.umin &&
    x <= s.umax &&
    s64(x) >= s.smin &&
    s64(x) <= s.smax &&
    lo >= s.u32min &&
    lo <= s.u32max &&
    BigInt.asIntN(32, lo) >= s.s32min &&
    BigInt.asIntN(32, lo) <= s.s32max &&
    tnumIn(s.t, tnumConst(x))
  );
}

function concrete(op: number, a: bigint, b: bigint, is64: boolean): bigint {
  const w = is64 ? 64 : 32;
  const x = BigInt.asUintN(w, a);
  const y = BigInt.asUintN(w, b);
  let r: bigint;
  switch (op) {
    case BPF_ADD:
      r = x + y;
      break;
    case BPF_SUB:
      r = x - y;
      break;
    case BPF_MUL:
      r = x * y;
      break;
    case BPF_DIV:
      r = y === 0n ? 0n : x / y;
      break;
    case BPF_MOD:
      r = y === 0n ? x : x % y;
      break;
    case BPF_AND:
      r = x & y;
      break;
    case BPF_OR:
      r = x | y;
      break;
    case BPF_XOR:
      r = x ^ y;
      break;
    case BPF_LSH:
      r = x << (y % BigInt(w));
      break;
    case BPF_RSH:
      r = x >> (y % BigInt(w));
      break;
    default:
      r = BigInt.asIntN(w, x) >> (y % BigInt(w));
  }
  return BigInt.asUintN(w, r);
}

/** Values that stress the edges: small, near the 32/64-bit and sign boundaries, and arbitrary. */
const value = fc.oneof(
  fc.bigInt(0n, 300n),
  fc.bigInt(-300n, -1n),
  fc.constantFrom(0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, (1n << 63n) - 1n, 1n << 63n, u64(-1n)),
  fc.bigInt(-(1n << 63n), (1n << 64n) - 1n),
);
const set = fc.array(value, { minLength: 1, maxLength: 4 });
const OPS = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH];

test('scalar ALU: every concrete result lies in the abstract result', () => {
  fc.assert(
    fc.property(set, set, fc.constantFrom(...OPS), fc.boolean(), (as, bs, op, is64) => {
      const shift = op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH;
      const bvals = shift ? bs.map((b) => u64(b) % (is64 ? 64n : 32n)) : bs;
      const A = abstractOf(as);
      const B = abstractOf(bvals);
      const R = scalarAlu(op, A, B, is64);
      for (const a of as) {
        for (const b of bvals) {
          const r = concrete(op, a, b, is64);
          assert.ok(
            contains(R, r),
            `op ${op.toString(16)} is64=${is64}: ${a} ${b} -> ${r} not in ${JSON.stringify(R, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
          );
        }
      }
    }),
    { numRuns: 400 },
  );
});

test('scalar ALU: constants fold exactly', () => {
  fc.assert(
    fc.property(
      value,
      value,
      fc.constantFrom(BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR),
      fc.boolean(),
      (a, b, op, is64) => {
        const R = scalarAlu(op, knownScalar(a), knownScalar(b), is64);
        assert.equal(R.t.mask, 0n);
        assert.equal(R.t.value, concrete(op, a, b, is64));
      },
    ),
    { numRuns: 200 },
  );
});

const JUMPS = [BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET];

function holds(op: number, a: bigint, b: bigint, jmp32: boolean): boolean {
  const w = jmp32 ? 32 : 64;
  const x = BigInt.asUintN(w, a);
  const y = BigInt.asUintN(w, b);
  const sx = BigInt.asIntN(w, x);
  const sy = BigInt.asIntN(w, y);
  switch (op) {
    case BPF_JEQ:
      return x === y;
    case BPF_JNE:
      return x !== y;
    case BPF_JGT:
      return x > y;
    case BPF_JGE:
      return x >= y;
    case BPF_JLT:
      return x < y;
    case BPF_JLE:
      return x <= y;
    case BPF_JSGT:
      return sx > sy;
    case BPF_JSGE:
      return sx >= sy;
    case BPF_JSLT:
      return sx < sy;
    case BPF_JSLE:
      return sx <= sy;
    default:
      return (x & y) !== 0n;
  }
}

test('branches: a decided branch is right, and each side keeps every value that takes it', () => {
  fc.assert(
    fc.property(set, set, fc.constantFrom(...JUMPS), fc.boolean(), (as, bs, op, jmp32) => {
      const A = abstractOf(as);
      const B = abstractOf(bs);
      const pred = branchTaken(scalarReg(A), scalarReg(B), op, jmp32);
      const taken = [scalarReg({ ...A }), scalarReg({ ...B })] as const;
      const fall = [scalarReg({ ...A }), scalarReg({ ...B })] as const;
      const takenOk = refineScalars(taken[0], taken[1], op, jmp32);
      const fallOk = refineScalars(fall[0], fall[1], revOpcode(op), jmp32);
      for (const a of as) {
        for (const b of bs) {
          const h = holds(op, a, b, jmp32);
          if (pred !== -1) assert.equal(h, pred === 1, `is_branch_taken wrong for ${a} ${b}`);
          const [x, y] = h ? taken : fall;
          assert.ok(h ? takenOk : fallOk, `side with ${a} ${b} declared impossible`);
          assert.ok(
            contains(x.s, a) && contains(y.s, b),
            `refinement lost ${a} ${b} (op ${op.toString(16)}, jmp32 ${jmp32})`,
          );
        }
      }
    }),
    { numRuns: 400 },
  );
});

/** A bound of `bits` width: an edge value, a small one or anything in the domain. */
const bound = (signed: boolean, bits: bigint): fc.Arbitrary<bigint> => {
  const lo = signed ? -(1n << (bits - 1n)) : 0n;
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  return fc.oneof(fc.constantFrom(lo, hi, 0n), fc.bigInt(0n, 300n), fc.bigInt(0n, 0x7fff_ffffn), fc.bigInt(lo, hi));
};
/** Scalars as the checker may hold them before a sync: any tnum (often confined to 31 bits) and any bounds. */
const rawScalar = fc
  .record({
    value: fc.oneof(fc.bigInt(0n, 0x7fff_ffffn), fc.bigInt(0n, 300n), fc.bigInt(0n, (1n << 64n) - 1n)),
    mask: fc.oneof(fc.bigInt(0n, 0xffn), fc.bigInt(0n, 0x7fff_ffffn), fc.bigInt(0n, (1n << 64n) - 1n)),
    umin: bound(false, 64n),
    umax: bound(false, 64n),
    smin: bound(true, 64n),
    smax: bound(true, 64n),
    u32min: bound(false, 32n),
    u32max: bound(false, 32n),
    s32min: bound(true, 32n),
    s32max: bound(true, 32n),
  })
  .map(({ value, mask, ...bounds }): Scalar => ({ t: { value: value & ~mask & u64(-1n), mask }, ...bounds }));

test('bounds sync: the fast paths give exactly what the full deduction gives', () => {
  fc.assert(
    fc.property(rawScalar, fc.boolean(), (raw, consistent) => {
      const input = { ...raw };
      if (consistent) syncBoundsFull(input);
      const fast = { ...input };
      const full = { ...input };
      syncBounds(fast);
      syncBoundsFull(full);
      assert.deepEqual(fast, full);
    }),
    { numRuns: 3000 },
  );
});
