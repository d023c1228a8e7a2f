import { LDDW_OPCODE } from './opcodes.js';

/**
 * One eBPF instruction as encoded: the five fields of an 8-byte slot. `lddw` is one instruction that fills two
 * slots; `nextImm` holds the imm of its second slot (the upper 32 bits of a 64-bit constant, or the offset into a
 * map value for the pseudo forms).
 *
 * `imm`, `off` and `nextImm` are stored signed (s32, s16, s32), exactly as the kernel's `struct bpf_insn`.
 */
export interface Instruction {
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  nextImm?: number;
}

export const isWide = (insn: Instruction): boolean => insn.opcode === LDDW_OPCODE;

/** Number of 8-byte slots an instruction fills (2 for lddw). */
export const slotCount = (insn: Instruction): 1 | 2 => (insn.opcode === LDDW_OPCODE ? 2 : 1);

/** The 64-bit constant of an lddw (low 32 bits from imm, high from nextImm). */
export const lddwValue = (insn: Instruction): bigint =>
  (BigInt((insn.nextImm ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);

/** Builds an lddw instruction for a 64-bit constant. */
export function lddw(dst: number, value: bigint, src = 0): Instruction {
  const v = BigInt.asUintN(64, value);
  return {
    opcode: LDDW_OPCODE,
    dst,
    src,
    off: 0,
    imm: Number(BigInt.asIntN(32, v & 0xffffffffn)),
    nextImm: Number(BigInt.asIntN(32, v >> 32n)),
  };
}

/** Slot index of every instruction (its pc), plus the total slot count as the last element. */
export function slotIndexes(insns: readonly Instruction[]): number[] {
  const out = new Array<number>(insns.length + 1);
  let slot = 0;
  for (let i = 0; i < insns.length; i++) {
    out[i] = slot;
    slot += slotCount(insns[i]!);
  }
  out[insns.length] = slot;
  return out;
}
