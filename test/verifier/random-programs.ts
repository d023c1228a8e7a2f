/**
 * Random xdp programs for the soundness check: ALU on scalars from the context, forward branches, packet reads
 * behind (sometimes wrong) data_end checks, fixed and variable stack accesses. Every program tsbpf accepts must
 * run in the VM without a memory fault, whatever the packet and context hold.
 */
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.js';
import type { Instruction } from '../../src/isa/instruction.js';
import { HelperTable } from '../../src/vm/helper.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { AddressSpace } from '../../src/vm/memory.js';

const SCALARS = ['r7', 'r8', 'r9'];
const ALU = ['+=', '-=', '*=', '/=', '%=', '|=', '&=', '^=', '<<=', '>>=', 's>>='];
const CMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&'];

const reg = fc.constantFrom(...SCALARS);
const w = (r: string): string => `w${r.slice(1)}`;
const small = fc.integer({ min: -8, max: 72 });

/** One statement: a few lines of llvm assembly that keep r2/r3 = data/data_end and r6 = ctx. */
const statement: fc.Arbitrary<string[]> = fc.oneof(
  fc
    .tuple(reg, fc.constantFrom(12, 16), fc.constantFrom(8, 16, 32))
    .map(([r, off, bits]) => [`${r} = *(u${bits} *)(r6 + ${off})`]),
  fc.tuple(reg, fc.integer({ min: -100, max: 100 })).map(([r, v]) => [`${r} = ${v}`]),
  fc.tuple(reg, fc.constantFrom(...ALU), fc.integer({ min: 0, max: 70 }), fc.boolean()).map(([r, op, v, is32]) => {
    const shift = op.includes('>>') || op === '<<=';
    const imm = shift ? v % (is32 ? 32 : 64) : op === '/=' || op === '%=' ? v + 1 : v;
    return [`${is32 ? w(r) : r} ${op} ${imm}`];
  }),
  fc
    .tuple(reg, fc.constantFrom(...ALU), reg, fc.boolean())
    .map(([a, op, b, is32]) => [`${is32 ? w(a) : a} ${op} ${is32 ? w(b) : b}`]),
  fc
    .tuple(reg, fc.constantFrom(...CMP), fc.integer({ min: -4, max: 80 }), fc.boolean())
    .map(([r, op, v, is32]) => [`if ${is32 ? w(r) : r} ${op} ${v} goto end`]),
  fc.tuple(reg, fc.constantFrom(...CMP), reg).map(([a, op, b]) => [`if ${a} ${op} ${b} goto end`]),
  fc.integer({ min: 0, max: 40 }).map((n) => ['r4 = r2', `r4 += ${n}`, 'if r4 > r3 goto end']),
  fc
    .tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(8, 16, 32, 64))
    .map(([o, bits]) => [`r0 = *(u${bits} *)(r2 + ${o})`]),
  fc
    .tuple(reg, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 4 }))
    .map(([r, n, o]) => [
      'r5 = r2',
      `r5 += ${r}`,
      'r4 = r5',
      `r4 += ${n}`,
      'if r4 > r3 goto end',
      `r0 = *(u8 *)(r5 ${o < 0 ? '-' : '+'} ${Math.abs(o)})`,
    ]),
  fc
    .tuple(reg, fc.integer({ min: 1, max: 64 }), fc.constantFrom(8, 16, 32, 64))
    .map(([r, slot, bits]) => [`*(u${bits} *)(r10 - ${slot * 8}) = ${r}`]),
  fc
    .tuple(reg, fc.integer({ min: 1, max: 64 }), fc.constantFrom(8, 16, 32, 64))
    .map(([r, slot, bits]) => [`${r} = *(u${bits} *)(r10 - ${slot * 8})`]),
  fc
    .tuple(reg, small, fc.boolean())
    .map(([r, o, write]) => [
      'r5 = r10',
      'r5 += -256',
      `r5 += ${r}`,
      write
        ? `*(u8 *)(r5 ${o < 0 ? '-' : '+'} ${Math.abs(o)}) = r0`
        : `r0 = *(u8 *)(r5 ${o < 0 ? '-' : '+'} ${Math.abs(o)})`,
    ]),
  fc.constant<string[]>(['call 7', 'r7 = r0', 'r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)']),
);

export const randomProgram: fc.Arbitrary<string> = fc
  .array(statement, { minLength: 1, maxLength: 14 })
  .map((body) =>
    [
      'r6 = r1',
      'r2 = *(u32 *)(r6 + 0)',
      'r3 = *(u32 *)(r6 + 4)',
      'r0 = 0',
      'r7 = 0',
      'r8 = 0',
      'r9 = 0',
      ...body.flat(),
      'end:',
      'r0 = 0',
      'exit',
    ].join('\n'),
  );

export const randomInput = fc.record({
  packet: fc.uint8Array({ minLength: 0, maxLength: 48 }),
  ifindex: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 0xffffffff })),
  queue: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 0xffffffff })),
});

export type ProgramInput = { packet: Uint8Array; ifindex: number; queue: number };

export function assembleRandom(text: string): Instruction[] {
  return assemble(text, { syntax: 'llvm' }).insns;
}

/**
 * Runs a program as xdp in the VM: an xdp_md context (data, data_end, data_meta, ingress_ifindex,
 * rx_queue_index) over a packet region. Throws the VM's fault, if any.
 */
export function runXdp(insns: readonly Instruction[], input: ProgramInput): bigint {
  const space = new AddressSpace({ maxBytes: 1 << 20, initialBytes: 1 << 16 });
  const helpers = new HelperTable().define(7, 'get_prandom_u32', () => 12345);
  const vm = new Interpreter(insns, space, helpers);
  const packet = space.alloc(input.packet.length, 'packet', 'packet');
  space.u8.set(input.packet, packet.start);
  const ctx = space.alloc(24, 'ctx', 'context');
  const view = space.view;
  view.setUint32(ctx.start, packet.start, true);
  view.setUint32(ctx.start + 4, packet.start + input.packet.length, true);
  view.setUint32(ctx.start + 8, packet.start, true);
  view.setUint32(ctx.start + 12, input.ifindex >>> 0, true);
  view.setUint32(ctx.start + 16, input.queue >>> 0, true);
  return vm.run({ args: [ctx.start], budget: 10_000 }).r0;
}
