/** fast-check generators of classic BPF programs and packets, shared by the differential tests. */
import fc from 'fast-check';
import type { CbpfInsn } from '../../src/cbpf/insn.js';

export const u32 = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(0, 1, 2, 31, 32, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);
// Mostly offsets inside or just past the (short) random packets, so bounds checks decide often.
const offset = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 26 }), weight: 6 }, { arbitrary: u32, weight: 1 });
const slot = fc.integer({ min: 0, max: 15 });
const s = (code: number, k: fc.Arbitrary<number>): fc.Arbitrary<CbpfInsn> =>
  k.map((kk) => ({ code, jt: 0, jf: 0, k: kk }));

/** Instruction at index i of an n-instruction program: jumps stay forward and inside the program. */
export function insnAt(i: number, n: number): fc.Arbitrary<CbpfInsn> {
  const room = Math.min(n - 2 - i, 255);
  const target = fc.integer({ min: 0, max: room });
  const cond = fc
    .tuple(fc.constantFrom(0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d), u32, target, target)
    .map(([code, k, jt, jf]) => ({ code, jt, jf, k }));
  return fc.oneof(
    { arbitrary: s(0x00, u32), weight: 3 }, // ld #k
    { arbitrary: s(0x01, fc.oneof(u32, fc.integer({ min: 28, max: 36 }))), weight: 3 }, // ldx #k (shift counts near 32)
    { arbitrary: fc.constantFrom(0x20, 0x28, 0x30).chain((c) => s(c, offset)), weight: 4 },
    { arbitrary: fc.constantFrom(0x40, 0x48, 0x50).chain((c) => s(c, offset)), weight: 3 },
    { arbitrary: s(0xb1, offset), weight: 1 },
    { arbitrary: fc.constantFrom(0x80, 0x81).chain((c) => s(c, fc.constant(0))), weight: 1 },
    { arbitrary: fc.constantFrom(0x02, 0x03, 0x60, 0x61).chain((c) => s(c, slot)), weight: 4 },
    { arbitrary: fc.constantFrom(0x04, 0x14, 0x24, 0x54, 0x44, 0xa4).chain((c) => s(c, u32)), weight: 4 },
    { arbitrary: fc.constantFrom(0x34, 0x94).chain((c) => s(c, fc.integer({ min: 1, max: 0xffffffff }))), weight: 1 },
    { arbitrary: fc.constantFrom(0x64, 0x74).chain((c) => s(c, fc.integer({ min: 0, max: 31 }))), weight: 1 },
    {
      arbitrary: fc
        .constantFrom(0x0c, 0x1c, 0x2c, 0x3c, 0x9c, 0x5c, 0x4c, 0xac, 0x84, 0x07, 0x87)
        .chain((c) => s(c, fc.constant(0))),
      weight: 4,
    },
    { arbitrary: fc.constantFrom(0x6c, 0x7c).chain((c) => s(c, fc.constant(0))), weight: 2 }, // shifts by X
    { arbitrary: s(0x05, target), weight: 1 },
    { arbitrary: cond, weight: 6 },
    { arbitrary: fc.constantFrom(0x06, 0x16).chain((c) => s(c, u32)), weight: 1 },
  );
}

export const program: fc.Arbitrary<CbpfInsn[]> = fc.integer({ min: 1, max: 32 }).chain((n) =>
  fc
    .tuple(
      fc.tuple(...Array.from({ length: n - 1 }, (_, i) => insnAt(i, n))),
      fc.constantFrom(0x06, 0x16).chain((c) => s(c, u32)),
    )
    .map(([body, last]) => [...body, last]),
);

export const packet = fc
  .uint8Array({ maxLength: 24 })
  .chain((p) => fc.nat(100).map((extra) => ({ bytes: p, wirelen: p.length + extra })));

/**
 * Anything at all: valid instructions, random opcodes (most invalid), jumps anywhere including backward `ja`
 * and past the end, programs that do not end in a return. The interpreter defines what each does.
 */
export const wildProgram: fc.Arbitrary<CbpfInsn[]> = fc.array(
  fc.oneof(
    { arbitrary: insnAt(0, 24), weight: 6 },
    {
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 0xff }), fc.nat(255), fc.nat(255), u32)
        .map(([code, jt, jf, k]) => ({ code, jt, jf, k })),
      weight: 2,
    },
    {
      arbitrary: fc.integer({ min: 1, max: 10 }).map((back) => ({ code: 0x05, jt: 0, jf: 0, k: -back >>> 0 })),
      weight: 1,
    },
  ),
  { maxLength: 24 },
);
