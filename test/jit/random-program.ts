/**
 * fast-check arbitraries for random eBPF programs that exercise what the JIT must reproduce exactly: ALU of every
 * form (division by zero, INT_MIN / -1, shifts past the width), byte swaps, sign-extending moves, loads/stores of
 * every size through the stack and the input memory (some out of bounds), atomics, forward jumps (some leaving the
 * program), bounded loops, stray backward jumps that only the budget stops, helper calls (known and unknown),
 * callx, local calls (some recursing until the depth limit) and LD_ABS/LD_IND.
 *
 * A program is a list of pieces; each piece is a few instructions with relative jumps already resolved inside it.
 * Calls name a function (0 or 1), placed after the main program; the assembler resolves them.
 */
import fc from 'fast-check';
import { FORMS, type InsnForm } from '../../src/isa/forms.js';
import { type Instruction, lddw } from '../../src/isa/instruction.js';
import { BPF_PSEUDO_CALL } from '../../src/isa/opcodes.js';
import { fieldUse } from '../../src/isa/validate.js';

type Item = Instruction | { call: number };
type Piece = Item[];

const kinds = (...k: string[]) => FORMS.filter((f) => k.includes(f.kind));

function build(form: InsnForm, f: { dst?: number; src?: number; off?: number; imm?: number }): Instruction {
  const use = fieldUse(form);
  const insn: Instruction = {
    opcode: form.opcode,
    dst: use.dst ? (f.dst ?? 0) : 0,
    src: use.src ? (f.src ?? 0) : 0,
    off: use.off ? (f.off ?? 0) : 0,
    imm: use.imm ? (f.imm ?? 0) : 0,
  };
  if (form.match) insn[form.match.field] = form.match.value;
  return insn;
}

const imm = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.constantFrom(0, 1, -1, 2, 7, 31, 32, 33, 63, 64, -0x80000000, 0x7fffffff),
  fc.integer({ min: -16, max: 16 }),
);
/** Registers a piece may write: r0..r8 (r9 is the loop counter, r10 the frame pointer). */
const dstReg = fc.integer({ min: 0, max: 8 });
const anyReg = fc.integer({ min: 0, max: 10 });

const registerOps: fc.Arbitrary<Piece> = fc
  .record({
    form: fc.constantFrom(...kinds('alu', 'neg', 'movsx', 'end')),
    dst: dstReg,
    src: anyReg,
    imm,
  })
  .map(({ form, dst, src, imm }) => [build(form, { dst, src, imm })]);

const constant: fc.Arbitrary<Piece> = fc
  .record({ dst: dstReg, value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) })
  .map(({ dst, value }) => [lddw(dst, value)]);

/** A base register and offset: mostly the stack (r10) and the input (r1), sometimes anything. */
const place = fc.oneof(
  { weight: 5, arbitrary: fc.record({ base: fc.constant(10), off: fc.integer({ min: -516, max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ base: fc.constant(1), off: fc.integer({ min: -4, max: 68 }) }) },
  { weight: 1, arbitrary: fc.record({ base: anyReg, off: fc.integer({ min: -16, max: 16 }) }) },
);

const memoryOps: fc.Arbitrary<Piece> = fc
  .record({ form: fc.constantFrom(...kinds('ldx', 'st', 'stx', 'atomic')), place, reg: dstReg, imm })
  .map(({ form, place, reg, imm }) =>
    form.kind === 'ldx'
      ? [build(form, { dst: reg, src: place.base, off: place.off })]
      : [build(form, { dst: place.base, src: reg, off: place.off, imm })],
  );

const forwardJump: fc.Arbitrary<Piece> = fc
  .record({
    form: fc.constantFrom(...kinds('jcond', 'ja')),
    dst: anyReg,
    src: anyReg,
    imm,
    off: fc.integer({ min: 0, max: 8 }),
  })
  .map(({ form, dst, src, imm, off }) => [build(form, { dst, src, imm, off })]);

/** A counted loop on r9: `mov r9, n; body; sub r9, 1; jne r9, 0, back`. */
const loop: fc.Arbitrary<Piece> = fc
  .record({
    count: fc.integer({ min: 1, max: 6 }),
    body: fc.array(fc.oneof(registerOps, memoryOps), { minLength: 1, maxLength: 4 }),
  })
  .map(({ count, body }) => {
    const inner = body.flat() as Instruction[];
    const slots = inner.reduce((n, i) => n + (i.opcode === 0x18 ? 2 : 1), 0);
    return [
      build(kinds('alu').find((f) => f.mnemonic === 'mov' && !f.x)!, { dst: 9, imm: count }),
      ...inner,
      build(kinds('alu').find((f) => f.mnemonic === 'sub' && !f.x)!, { dst: 9, imm: 1 }),
      build(kinds('jcond').find((f) => f.mnemonic === 'jne' && !f.x)!, { dst: 9, imm: 0, off: -(slots + 2) }),
    ];
  });

/** A backward jump with no exit condition: the budget must stop it at the same pc. */
const strayLoop: fc.Arbitrary<Piece> = fc
  .integer({ min: 0, max: 3 })
  .map((back) => [build(kinds('ja')[0]!, { off: -1 - back })]);

const helperCall: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Piece>([build(kinds('call')[0]!, { imm: 5 })]) },
  { weight: 1, arbitrary: fc.constant<Piece>([build(kinds('call')[0]!, { imm: 99 })]) },
  {
    weight: 1,
    arbitrary: fc
      .record({ reg: dstReg, id: fc.constantFrom(5, 5, 6) })
      .map(({ reg, id }) => [
        build(kinds('alu').find((f) => f.mnemonic === 'mov' && !f.x)!, { dst: reg, imm: id }),
        build(kinds('callx')[0]!, { dst: reg }),
      ]),
  },
);

/** bpf_tail_call(ctx, map, index): a helper fault without tail-call targets, else a jump to another program. */
const tailCall: fc.Arbitrary<Piece> = fc
  .integer({ min: 0, max: 2 })
  .map((index) => [
    build(kinds('alu').find((f) => f.mnemonic === 'mov' && !f.x)!, { dst: 3, imm: index }),
    build(kinds('call')[0]!, { imm: 12 }),
  ]);

const localCall: fc.Arbitrary<Piece> = fc.constantFrom(0, 1).map((fn) => [{ call: fn }]);

const packetLoad: fc.Arbitrary<Piece> = fc
  .record({ form: fc.constantFrom(...kinds('ld_abs', 'ld_ind')), src: anyReg, imm: fc.integer({ min: -4, max: 70 }) })
  .map(({ form, src, imm }) => [build(form, { src, imm })]);

const piece = fc.oneof(
  { weight: 8, arbitrary: registerOps },
  { weight: 2, arbitrary: constant },
  { weight: 6, arbitrary: memoryOps },
  { weight: 3, arbitrary: forwardJump },
  { weight: 2, arbitrary: loop },
  { weight: 1, arbitrary: strayLoop },
  { weight: 2, arbitrary: helperCall },
  { weight: 1, arbitrary: localCall },
  { weight: 1, arbitrary: packetLoad },
  { weight: 1, arbitrary: tailCall },
);

const EXIT: Instruction = { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 };

/** Lays out main, function 0 and function 1 (each ending in exit) and resolves the calls. */
function assemble(parts: Piece[][]): Instruction[] {
  const starts: number[] = [];
  const flat: Item[] = [];
  let slot = 0;
  for (const part of parts) {
    starts.push(slot);
    for (const item of [...part.flat(), EXIT]) {
      flat.push(item);
      slot += 'call' in item ? 1 : item.opcode === 0x18 ? 2 : 1;
    }
  }
  const out: Instruction[] = [];
  slot = 0;
  for (const item of flat) {
    if ('call' in item) {
      const target = starts[1 + item.call]!;
      out.push({ opcode: 0x85, dst: 0, src: BPF_PSEUDO_CALL, off: 0, imm: target - (slot + 1) });
    } else out.push(item);
    slot += 'call' in item || item.opcode !== 0x18 ? 1 : 2;
  }
  return out;
}

/** A random program: a main part and two functions it may call (function 1 may call itself or function 0). */
export const randomProgram: fc.Arbitrary<Instruction[]> = fc
  .tuple(
    fc.array(piece, { minLength: 1, maxLength: 24 }),
    fc.array(
      piece.filter((p) => !p.some((i) => 'call' in i)),
      { maxLength: 8 },
    ),
    fc.array(piece, { maxLength: 6 }),
  )
  .map(([main, f0, f1]) => assemble([main, f0, f1]));
