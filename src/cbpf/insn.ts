/**
 * Classic BPF instructions (struct sock_filter): 16-bit code, jump-true and jump-false offsets, 32-bit k.
 * Names follow include/uapi/linux/filter.h and libpcap's bpf.h.
 */
export interface CbpfInsn {
  code: number;
  jt: number;
  jf: number;
  /** Unsigned 32-bit constant. */
  k: number;
}

export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;
export const BPF_RVAL = (code: number): number => code & 0x18;
export const BPF_MISCOP = (code: number): number => code & 0xf8;

// classes
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;
// ld/ldx sizes
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
// ld/ldx modes
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;
// alu/jmp ops
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
// sources
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;
// misc
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Number of scratch memory words (M[0..15]). */
export const BPF_MEMWORDS = 16;

export const stmt = (code: number, k: number): CbpfInsn => ({ code, jt: 0, jf: 0, k: k >>> 0 });
export const jump = (code: number, k: number, jt: number, jf: number): CbpfInsn => ({ code, jt, jf, k: k >>> 0 });
