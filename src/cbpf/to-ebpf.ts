/**
 * Classic BPF to eBPF, after the kernel's bpf_convert_filter (net/core/filter.c). Registers follow the kernel's
 * mapping: A = r0 (so `ret a` is a bare exit), X = r7, the context in r6, r2 the scratch register, M[k] the
 * 32-bit stack slot at r10 - (4k + 4). A and X always hold zero-extended 32-bit values: every operation on them
 * is a 32-bit ALU op or a zero-extending load, so 64-bit jumps compare them as the classic unsigned values.
 *
 * Two calling conventions:
 * - `skb` (default): a BPF_PROG_TYPE_SOCKET_FILTER program, r1 = struct __sk_buff *. Packet loads become the
 *   legacy LD_ABS/LD_IND instructions (which end the program with 0 when out of bounds), ancillary loads read
 *   __sk_buff fields or call helpers, `len` reads __sk_buff.len. The filter is first checked like the kernel
 *   does (validateCbpf), so the output is what the kernel would run for an accepted classic filter.
 * - `packet`: r1 = pointer to the captured bytes, r2 = captured length, r3 = wire length (or r2 again, with
 *   `wirelen: 'caplen'`, for the VM's plain memory convention). Loads are explicit bounds checks, memory loads
 *   and byte swaps. Anything the interpreter accepts is translated with the interpreter's verdicts (libpcap
 *   semantics): unknown opcodes, bad M[] indexes and jumps out of the program reject when reached, shifts by 32
 *   or more give 0, ancillary loads reject (there is no metadata), backward `ja` is followed as often as
 *   interpret.ts's backwardJumpLimit allows (a countdown register),
 *   and scratch words that may be read before being written start at 0 (the prologue stores the zeroes).
 */
import {
  BPF_ADD,
  BPF_AND,
  BPF_B,
  BPF_H,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_LSH,
  BPF_SUB,
  BPF_W,
  BPF_XOR,
  type Instruction,
} from '../isa/index.js';
import {
  ANCILLARY_NAMES,
  SKF_AD_ALU_XOR_X,
  SKF_AD_CPU,
  SKF_AD_IFINDEX,
  SKF_AD_MARK,
  SKF_AD_OFF,
  SKF_AD_PKTTYPE,
  SKF_AD_PROTOCOL,
  SKF_AD_QUEUE,
  SKF_AD_RANDOM,
  SKF_AD_RXHASH,
  SKF_AD_VLAN_TAG,
  SKF_AD_VLAN_TAG_PRESENT,
  SKF_AD_VLAN_TPID,
} from './ancillary.js';
import {
  alu32Imm,
  alu32Reg,
  alu64Imm,
  alu64Reg,
  call,
  exit,
  fromBe,
  ja,
  jmpImm,
  jmpReg,
  ldAbs,
  ldInd,
  ldxMem,
  mov32Imm,
  mov32Reg,
  mov64Reg,
  stMem,
  stxMem,
} from './ebpf-emit.js';
import type { CbpfInsn } from './insn.js';
import { BACKWARD_JUMP_ALLOWANCE } from './interpret.js';
import { scratchReadBeforeWrite } from './scratch.js';
import { CbpfError, validateCbpf } from './validate.js';

export interface CbpfToEbpfOptions {
  /** `skb` (default): SOCKET_FILTER program on an __sk_buff; `packet`: r1 = bytes, r2 = captured length. */
  mode?: 'skb' | 'packet';
  /** Packet mode only: BPF_LEN reads r3 (`r3`, the default) or the captured length r2 (`caplen`). */
  wirelen?: 'r3' | 'caplen';
}

// Kernel register mapping (include/linux/filter.h).
const A = 0;
const X = 7;
const CTX = 6;
const TMP = 2;
const FP = 10;
// Packet mode: callee-saved homes for the packet pointer and lengths, r3 a second scratch, r5 the
// backward-jump counter (no helper is ever called in this mode, so r1-r5 survive).
const DATA = 8;
const CAPLEN = 9;
const WIRELEN = 6;
const TMP2 = 3;
const BACKWARD = 5;

// __sk_buff field offsets (include/uapi/linux/bpf.h).
const SKB_LEN = 0;
const SKB_FIELDS: Readonly<Record<number, readonly [offset: number, be16: boolean]>> = {
  [SKF_AD_PROTOCOL]: [16, true],
  [SKF_AD_PKTTYPE]: [4, false],
  [SKF_AD_IFINDEX]: [40, false],
  [SKF_AD_MARK]: [8, false],
  [SKF_AD_QUEUE]: [12, false],
  [SKF_AD_RXHASH]: [68, false],
  [SKF_AD_VLAN_TAG]: [24, false],
  [SKF_AD_VLAN_TAG_PRESENT]: [20, false],
  [SKF_AD_VLAN_TPID]: [28, true],
};
// Helper ids (enum bpf_func_id).
const BPF_FUNC_GET_PRANDOM_U32 = 7;
const BPF_FUNC_GET_SMP_PROCESSOR_ID = 8;

const S16_MIN = -0x8000;
const S16_MAX = 0x7fff;

/** An emitted instruction whose `off` must be resolved to the start of classic instruction `target`. */
interface Pending {
  insn: Instruction;
  target?: number;
}

const sizeBytes = (size: number): number => (size === BPF_W ? 4 : size === BPF_H ? 2 : 1);
const slotOffset = (k: number): number => -(k * 4 + 4);

/** Translates a classic filter to eBPF instructions. Throws CbpfError for what the chosen mode cannot run. */
export function cbpfToEbpf(prog: readonly CbpfInsn[], options: CbpfToEbpfOptions = {}): Instruction[] {
  const packet = options.mode === 'packet';
  if (!packet) {
    validateCbpf(prog);
    return new Translator(prog, false, false).run();
  }
  if (prog.length === 0) throw new CbpfError('empty program', -1);
  // Unvalidated input: read the fields as the interpreter does (u16 code, u8 jt/jf, u32 k).
  const normalised = prog.map((i) => ({ code: i.code & 0xffff, jt: i.jt & 0xff, jf: i.jf & 0xff, k: i.k >>> 0 }));
  return new Translator(normalised, true, options.wirelen === 'caplen').run();
}

class Translator {
  private readonly out: Pending[] = [];
  private readonly addrs: number[];

  constructor(
    private readonly prog: readonly CbpfInsn[],
    private readonly packet: boolean,
    private readonly wirelenIsCaplen: boolean,
  ) {
    this.addrs = new Array<number>(prog.length + 1).fill(0);
  }

  run(): Instruction[] {
    this.prologue();
    const len = this.prog.length;
    for (let i = 0; i < len; i++) {
      this.addrs[i] = this.out.length;
      this.translate(this.prog[i]!, i);
    }
    // Packet mode: falling off the end, or a conditional jump past it, rejects (as in the interpreter).
    this.addrs[len] = this.out.length;
    if (this.packet) this.reject();
    return this.resolve();
  }

  private emit(...insns: Instruction[]): void {
    for (const insn of insns) this.out.push({ insn });
  }

  private jumpTo(insn: Instruction, target: number): void {
    this.out.push({ insn, target: Math.min(target, this.prog.length) });
  }

  /** A = 0; exit: the program's verdict is "drop". */
  private reject(): void {
    this.emit(mov32Imm(A, 0), exit());
  }

  private prologue(): void {
    // Classic BPF starts with A = X = 0. The kernel's converter writes `A ^= A; X ^= X`, but its output never
    // meets the verifier, which rejects reading the uninitialised r0/r7 ("R0 !read_ok"): load 0 instead.
    this.emit(mov32Imm(A, 0), mov32Imm(X, 0));
    if (!this.packet) {
      this.emit(mov64Reg(CTX, 1));
      return;
    }
    this.emit(mov64Reg(DATA, 1), mov32Reg(CAPLEN, 2), mov32Reg(WIRELEN, this.wirelenIsCaplen ? 2 : 3));
    // The classic interpreter zeroes scratch memory per packet; the eBPF stack is not zeroed.
    const zero = scratchReadBeforeWrite(this.prog);
    for (let k = 0; k < 16; k++) if (zero & (1 << k)) this.emit(stMem(BPF_W, FP, slotOffset(k), 0));
    if (this.prog.some((insn) => insn.code === 0x05 && (insn.k | 0) < 0)) {
      this.emit(mov64Reg(BACKWARD, CAPLEN), alu64Imm(BPF_ADD, BACKWARD, BACKWARD_JUMP_ALLOWANCE));
    }
  }

  private translate(insn: CbpfInsn, i: number): void {
    const { code } = insn;
    const k = insn.k >>> 0;
    switch (code) {
      case 0x04:
      case 0x14:
      case 0x24:
      case 0x54:
      case 0x44:
      case 0xa4:
        this.emit(alu32Imm(code & 0xf0, A, k));
        return;
      case 0x34:
      case 0x94:
        if (k === 0) this.reject();
        else this.emit(alu32Imm(code & 0xf0, A, k));
        return;
      case 0x64:
      case 0x74:
        if (k >= 32) this.emit(mov32Imm(A, 0));
        else this.emit(alu32Imm(code & 0xf0, A, k));
        return;
      case 0x0c:
      case 0x1c:
      case 0x2c:
      case 0x5c:
      case 0x4c:
      case 0xac:
        this.emit(alu32Reg(code & 0xf0, A, X));
        return;
      case 0x3c:
      case 0x9c:
        // Division by X == 0 ends the program with 0, as classic BPF always did.
        if (!this.packet) this.emit(mov32Reg(X, X));
        this.emit(jmpImm(BPF_JNE, X, 0, 2), alu32Reg(BPF_XOR, A, A), exit(), alu32Reg(code & 0xf0, A, X));
        return;
      case 0x6c:
      case 0x7c:
        if (this.packet) {
          // eBPF masks the shift count; classic BPF (libpcap) gives 0 for counts of 32 or more.
          this.emit(jmpImm(BPF_JLT, X, 32, 2), mov32Imm(A, 0), ja(1));
        }
        this.emit(alu32Reg(code & 0xf0, A, X));
        return;
      case 0x84:
        this.emit(alu32Imm(0x80, A, 0));
        return;
      case 0x20:
      case 0x28:
      case 0x30:
        if (k >= SKF_AD_OFF) this.ancillary(k - SKF_AD_OFF, i);
        else if (this.packet) this.packetLoad(code & 0x18, k, false);
        else this.emit(ldAbs(code & 0x18, k));
        return;
      case 0x40:
      case 0x48:
      case 0x50:
        if (this.packet) this.packetLoad(code & 0x18, k, true);
        else this.emit(ldInd(code & 0x18, X, k));
        return;
      case 0xb1:
        this.msh(k);
        return;
      case 0x00:
      case 0x01:
        this.emit(mov32Imm(code === 0x00 ? A : X, k));
        return;
      case 0x80:
      case 0x81: {
        const dst = code === 0x80 ? A : X;
        this.emit(this.packet ? mov64Reg(dst, WIRELEN) : ldxMem(BPF_W, dst, CTX, SKB_LEN));
        return;
      }
      case 0x60:
      case 0x61:
        if (k >= 16) this.unsupported(i, `scratch memory index M[${k}] out of range`);
        else this.emit(ldxMem(BPF_W, code === 0x60 ? A : X, FP, slotOffset(k)));
        return;
      case 0x02:
      case 0x03:
        if (k >= 16) this.unsupported(i, `scratch memory index M[${k}] out of range`);
        else this.emit(stxMem(BPF_W, FP, code === 0x02 ? A : X, slotOffset(k)));
        return;
      case 0x07:
        this.emit(mov64Reg(X, A));
        return;
      case 0x87:
        this.emit(mov64Reg(A, X));
        return;
      case 0x06:
        this.emit(mov32Imm(A, k), exit());
        return;
      case 0x16:
        this.emit(exit());
        return;
      case 0x05:
        this.unconditional(k | 0, i);
        return;
      case 0x15:
      case 0x1d:
      case 0x25:
      case 0x2d:
      case 0x35:
      case 0x3d:
      case 0x45:
      case 0x4d:
        this.conditional(insn, i);
        return;
      default:
        this.unsupported(i, `invalid opcode 0x${code.toString(16)}`);
    }
  }

  /** Something the interpreter rejects only when it is reached: reject there (packet mode) or refuse (skb). */
  private unsupported(i: number, why: string): void {
    if (!this.packet) throw new CbpfError(why, i);
    this.reject();
  }

  private ancillary(ad: number, i: number): void {
    if (this.packet) {
      // No socket-buffer metadata: the offset lies beyond any captured packet, so the interpreter rejects.
      this.reject();
      return;
    }
    const field = SKB_FIELDS[ad];
    if (field) {
      this.emit(ldxMem(BPF_W, A, CTX, field[0]));
      if (field[1]) this.emit(fromBe(A, 16));
    } else if (ad === SKF_AD_ALU_XOR_X) {
      this.emit(alu32Reg(BPF_XOR, A, X));
    } else if (ad === SKF_AD_CPU) {
      this.emit(call(BPF_FUNC_GET_SMP_PROCESSOR_ID));
    } else if (ad === SKF_AD_RANDOM) {
      this.emit(call(BPF_FUNC_GET_PRANDOM_U32));
    } else {
      const name = ANCILLARY_NAMES[ad] ?? `SKF_AD_OFF + ${ad}`;
      throw new CbpfError(`ancillary load [${name}] has no equivalent in an __sk_buff program`, i);
    }
  }

  /**
   * Packet mode: A = big-endian load of `size` at k (or X + k), rejecting when the bytes are not all captured.
   * Offsets are computed in 64 bits, where X + k + size cannot wrap.
   */
  private packetLoad(size: number, k: number, indirect: boolean): void {
    const n = sizeBytes(size);
    if (indirect) {
      if (k === 0) this.emit(mov64Reg(TMP, X));
      else this.emit(mov32Imm(TMP, k), alu64Reg(BPF_ADD, TMP, X));
      this.emit(mov64Reg(TMP2, TMP), alu64Imm(BPF_ADD, TMP2, n));
      this.emit(jmpReg(BPF_JGE, CAPLEN, TMP2, 2));
      this.reject();
      this.emit(alu64Reg(BPF_ADD, TMP, DATA), ldxMem(size, A, TMP, 0));
    } else {
      this.boundsCheck(k, n);
      this.loadAt(size, A, k);
    }
    if (n > 1) this.emit(fromBe(A, n === 4 ? 32 : 16));
  }

  /** Rejects unless caplen >= k + n. */
  private boundsCheck(k: number, n: number): void {
    if (k + n <= 0x7fffffff) {
      this.emit(jmpImm(BPF_JGE, CAPLEN, k + n, 2));
    } else {
      // Immediates are sign-extended: build the 64-bit end offset in a register instead.
      this.emit(mov32Imm(TMP2, k), alu64Imm(BPF_ADD, TMP2, n), jmpReg(BPF_JGE, CAPLEN, TMP2, 2));
    }
    this.reject();
  }

  /** dst = *(size *)(data + k), k already bounds-checked. */
  private loadAt(size: number, dst: number, k: number): void {
    if (k <= S16_MAX) {
      this.emit(ldxMem(size, dst, DATA, k));
    } else {
      this.emit(mov32Imm(TMP, k), alu64Reg(BPF_ADD, TMP, DATA), ldxMem(size, dst, TMP, 0));
    }
  }

  /** ldxb 4*([k]&0xf): the IP header length idiom. */
  private msh(k: number): void {
    if (this.packet) {
      this.boundsCheck(k, 1);
      this.loadAt(BPF_B, X, k);
      this.emit(alu32Imm(BPF_AND, X, 0xf), alu32Imm(BPF_LSH, X, 2));
      return;
    }
    // The kernel's six-instruction remap: LD_ABS can only write A, so A is parked in X and swapped back.
    this.emit(
      mov64Reg(X, A),
      ldAbs(BPF_B, k),
      alu32Imm(BPF_AND, A, 0xf),
      alu32Imm(BPF_LSH, A, 2),
      mov64Reg(TMP, X),
      mov64Reg(X, A),
      mov64Reg(A, TMP),
    );
  }

  private unconditional(off: number, i: number): void {
    const target = i + 1 + off;
    if (target < 0 || target >= this.prog.length || off === -1) {
      // Only reachable in packet mode: validateCbpf refuses these jumps for skb programs.
      this.reject();
      return;
    }
    if (off < 0) {
      // The interpreter's backward-jump budget, counted down: reject once it is spent.
      this.emit(jmpImm(BPF_JNE, BACKWARD, 0, 2));
      this.reject();
      this.emit(alu64Imm(BPF_SUB, BACKWARD, 1));
    }
    this.jumpTo(ja(0), target);
  }

  /** Conditional jumps as bpf_convert_filter maps them: one eBPF jump when a branch falls through, else two. */
  private conditional(insn: CbpfInsn, i: number): void {
    const op = insn.code & 0xf0;
    const k = insn.k >>> 0;
    const useX = (insn.code & 0x08) !== 0;
    const make = (jop: number, off: number): Instruction =>
      useX ? jmpReg(jop, A, X, off) : k > 0x7fffffff ? jmpReg(jop, A, TMP, off) : jmpImm(jop, A, k, off);
    // eBPF sign-extends immediates: unsigned constants >= 2^31 go through a register.
    if (!useX && k > 0x7fffffff) this.emit(mov32Imm(TMP, k));
    const tTarget = i + 1 + insn.jt;
    const fTarget = i + 1 + insn.jf;
    if (insn.jf === 0) {
      this.jumpTo(make(op, 0), tTarget);
      return;
    }
    const inverse = insn.jt === 0 ? INVERSE[op] : undefined;
    if (inverse !== undefined) {
      this.jumpTo(make(inverse, 0), fTarget);
      return;
    }
    this.jumpTo(make(op, 0), tTarget);
    this.jumpTo(ja(0), fTarget);
  }

  private resolve(): Instruction[] {
    return this.out.map((p, pos) => {
      if (p.target === undefined) return p.insn;
      const off = this.addrs[p.target]! - pos - 1;
      if (off < S16_MIN || off > S16_MAX) {
        const from = this.addrs.findLastIndex((a) => a <= pos);
        throw new CbpfError(`jump offset ${off} does not fit in 16 bits after translation`, from);
      }
      return { ...p.insn, off };
    });
  }
}

/** Jumps taken on the false branch when the true branch falls through (JSET has no inverse). */
const INVERSE: Readonly<Record<number, number>> = {
  [BPF_JEQ]: BPF_JNE,
  [BPF_JGT]: BPF_JLE,
  [BPF_JGE]: BPF_JLT,
};
