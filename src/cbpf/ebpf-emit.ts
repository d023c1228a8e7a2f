/**
 * Small constructors for the eBPF instructions the classic-to-extended translator emits, named after the
 * kernel's macros in include/linux/filter.h (BPF_ALU32_IMM, BPF_MOV64_REG, BPF_LDX_MEM...), so the translation
 * reads like bpf_convert_filter.
 */
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_END,
  BPF_EXIT,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_ST,
  BPF_STX,
  BPF_X,
  type Instruction,
} from '../isa/index.js';

const insn = (opcode: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  opcode,
  dst,
  src,
  off,
  imm: imm | 0,
});

export const alu32Imm = (op: number, dst: number, imm: number): Instruction =>
  insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
export const alu32Reg = (op: number, dst: number, src: number): Instruction =>
  insn(BPF_ALU | op | BPF_X, dst, src, 0, 0);
export const alu64Imm = (op: number, dst: number, imm: number): Instruction =>
  insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
export const alu64Reg = (op: number, dst: number, src: number): Instruction =>
  insn(BPF_ALU64 | op | BPF_X, dst, src, 0, 0);
/** dst = (u32) imm, zero-extended to 64 bits. */
export const mov32Imm = (dst: number, imm: number): Instruction => alu32Imm(BPF_MOV, dst, imm);
/** dst = (u32) src, zero-extended. */
export const mov32Reg = (dst: number, src: number): Instruction => alu32Reg(BPF_MOV, dst, src);
export const mov64Reg = (dst: number, src: number): Instruction => alu64Reg(BPF_MOV, dst, src);
/** Converts the low `bits` of dst from big endian to host order (BPF_ENDIAN(BPF_FROM_BE, dst, bits)). */
export const fromBe = (dst: number, bits: 16 | 32): Instruction => insn(BPF_ALU | BPF_END | BPF_X, dst, 0, 0, bits);
export const ldxMem = (size: number, dst: number, src: number, off: number): Instruction =>
  insn(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
export const stxMem = (size: number, dst: number, src: number, off: number): Instruction =>
  insn(BPF_STX | BPF_MEM | size, dst, src, off, 0);
export const stMem = (size: number, dst: number, off: number, imm: number): Instruction =>
  insn(BPF_ST | BPF_MEM | size, dst, 0, off, imm);
/** Legacy packet loads: r0 = ntoh(*(size *)(skb->data + [src +] imm)), ctx implicitly in r6. */
export const ldAbs = (size: number, imm: number): Instruction => insn(BPF_LD | BPF_ABS | size, 0, 0, 0, imm);
export const ldInd = (size: number, src: number, imm: number): Instruction =>
  insn(BPF_LD | BPF_IND | size, 0, src, 0, imm);
export const jmpImm = (op: number, dst: number, imm: number, off: number): Instruction =>
  insn(BPF_JMP | op | BPF_K, dst, 0, off, imm);
export const jmpReg = (op: number, dst: number, src: number, off: number): Instruction =>
  insn(BPF_JMP | op | BPF_X, dst, src, off, 0);
export const ja = (off: number): Instruction => insn(BPF_JMP | BPF_JA, 0, 0, off, 0);
export const call = (helper: number): Instruction => insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
export const exit = (): Instruction => insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
