/**
 * Classic BPF interpreter with libpcap's semantics (bpf_filter.c, pcapint_filter_with_aux_data):
 * - A, X and the 16 scratch words start at 0 for every packet (only the words some path reads before writing
 *   are actually reset: the others cannot be observed);
 * - a load that reaches past the captured bytes, a division or modulo by zero, an unknown opcode, running off
 *   the end of the program or jumping outside it all reject the packet (return 0);
 * - shifts by 32 or more give 0; `ld #pktlen` / `len` is the original (wire) length, not the captured length;
 * - `ja` takes k as signed: libpcap's own code generator uses backward jumps for `ip6 protochain`. A jump to
 *   itself rejects at once; other backward jumps are followed up to BACKWARD_JUMP_ALLOWANCE plus the captured
 *   length times per packet, then the packet is rejected (see backwardJumpLimit).
 * Linux ancillary loads (`ld [k]` with k >= SKF_AD_OFF) read the metadata passed as `aux`; without it they are
 * beyond the captured bytes and reject, exactly as libpcap behaves on a savefile.
 *
 * Speed matters (the filter runs over whole captures): the program is decoded once into typed arrays and run by
 * one switch over a dense opcode space, with no allocation per packet.
 */
import { ancillaryValue, type CbpfLinuxAux, SKF_AD_ALU_XOR_X, SKF_AD_OFF } from './ancillary.js';
import type { CbpfInsn } from './insn.js';
import { scratchReadBeforeWrite } from './scratch.js';

/** A compiled classic filter: returns the filter's verdict (0 = drop, else the number of bytes to keep). */
export type CbpfFilter = (packet: Uint8Array, wirelen: number, aux?: CbpfLinuxAux) => number;

/** Backward jumps always allowed per packet, on top of one per captured byte. */
export const BACKWARD_JUMP_ALLOWANCE = 64;

/**
 * How many backward jumps one run may take before the packet is rejected. libpcap at the commit our test suite
 * was recorded from follows them without limit (its `ip6 protochain` test walks a chain of 100 extension headers,
 * so a later libpcap's flat cap of 64 would fail it), but an unbounded loop would let a hostile program hang the
 * caller. Every trip of libpcap's protochain loop advances at least 8 bytes into the packet before a load that
 * rejects past the end, so this limit is never reached by compiled filters and still bounds any program.
 */
export const backwardJumpLimit = (buflen: number): number => BACKWARD_JUMP_ALLOWANCE + buflen;

// Opcodes as decoded. Real classic opcodes keep their value; Linux ancillary loads get their own code so the
// hot path for ordinary absolute loads stays free of the metadata test.
const OP_ANCILLARY = 0x100;
const OP_XOR_X = 0x101;

/**
 * Decodes `prog` once and returns a function that runs it on a packet. `packet` holds the captured bytes (its
 * length is the capture length); `wirelen` is the packet's length on the wire (BPF_LEN).
 */
export function compileCbpfInterpreter(prog: readonly CbpfInsn[]): CbpfFilter {
  const n = prog.length;
  const code = new Uint16Array(n);
  const jt = new Uint8Array(n);
  const jf = new Uint8Array(n);
  const k = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const insn = prog[i]!;
    let c = insn.code & 0xffff;
    let kk = insn.k >>> 0;
    // Absolute loads of any width at an ancillary offset (the kernel accepts all three widths).
    if ((c === 0x20 || c === 0x28 || c === 0x30) && kk >= SKF_AD_OFF) {
      kk -= SKF_AD_OFF;
      c = kk === SKF_AD_ALU_XOR_X ? OP_XOR_X : OP_ANCILLARY;
    }
    code[i] = c;
    jt[i] = insn.jt & 0xff;
    jf[i] = insn.jf & 0xff;
    k[i] = kk;
  }
  const mem = new Uint32Array(16);
  // Words to reset per packet: only those some path reads before writing (usually none; a fill per packet
  // would cost more than the whole filter).
  const zeroMask = scratchReadBeforeWrite(prog);
  const zeroWords = Uint8Array.from(Array.from({ length: 16 }, (_, i) => i).filter((i) => zeroMask & (1 << i)));
  const nZero = zeroWords.length;

  return (p: Uint8Array, wirelen: number, aux?: CbpfLinuxAux): number => {
    if (n === 0) return 0;
    const buflen = p.length;
    let A = 0;
    let X = 0;
    let pc = 0;
    let backward = 0;
    const maxBackward = backwardJumpLimit(buflen);
    let kk = 0;
    for (let i = 0; i < nZero; i++) mem[zeroWords[i]!] = 0;
    for (;;) {
      if (pc >= n) return 0;
      switch (code[pc]) {
        case 0x06: // ret #k
          return k[pc]!;
        case 0x16: // ret a
          return A >>> 0;
        case 0x20: // ld [k]
          kk = k[pc]!;
          if (kk + 4 > buflen) return 0;
          A = ((p[kk]! << 24) | (p[kk + 1]! << 16) | (p[kk + 2]! << 8) | p[kk + 3]!) >>> 0;
          break;
        case 0x28: // ldh [k]
          kk = k[pc]!;
          if (kk + 2 > buflen) return 0;
          A = (p[kk]! << 8) | p[kk + 1]!;
          break;
        case 0x30: // ldb [k]
          kk = k[pc]!;
          if (kk >= buflen) return 0;
          A = p[kk]!;
          break;
        case 0x80: // ld #pktlen
          A = wirelen >>> 0;
          break;
        case 0x81: // ldx #pktlen
          X = wirelen >>> 0;
          break;
        case 0x40: // ld [x + k]
          kk = X + k[pc]!;
          if (kk + 4 > buflen) return 0;
          A = ((p[kk]! << 24) | (p[kk + 1]! << 16) | (p[kk + 2]! << 8) | p[kk + 3]!) >>> 0;
          break;
        case 0x48: // ldh [x + k]
          kk = X + k[pc]!;
          if (kk + 2 > buflen) return 0;
          A = (p[kk]! << 8) | p[kk + 1]!;
          break;
        case 0x50: // ldb [x + k]
          kk = X + k[pc]!;
          if (kk >= buflen) return 0;
          A = p[kk]!;
          break;
        case 0xb1: // ldxb 4*([k]&0xf)
          kk = k[pc]!;
          if (kk >= buflen) return 0;
          X = (p[kk]! & 0xf) << 2;
          break;
        case 0x00: // ld #k
          A = k[pc]!;
          break;
        case 0x01: // ldx #k
          X = k[pc]!;
          break;
        case 0x60: // ld M[k]
          kk = k[pc]!;
          if (kk >= 16) return 0;
          A = mem[kk]!;
          break;
        case 0x61: // ldx M[k]
          kk = k[pc]!;
          if (kk >= 16) return 0;
          X = mem[kk]!;
          break;
        case 0x02: // st M[k]
          kk = k[pc]!;
          if (kk >= 16) return 0;
          mem[kk] = A;
          break;
        case 0x03: // stx M[k]
          kk = k[pc]!;
          if (kk >= 16) return 0;
          mem[kk] = X;
          break;
        case 0x05: {
          // ja k: k is signed in libpcap (backward jumps implement ip6 protochain).
          const off = k[pc]! | 0;
          const target = pc + 1 + off;
          if (target < 0 || target >= n) return 0;
          if (off < 0 && (off === -1 || backward++ >= maxBackward)) return 0;
          pc = target;
          continue;
        }
        case 0x25: // jgt #k
          pc += A > k[pc]! ? jt[pc]! : jf[pc]!;
          break;
        case 0x35: // jge #k
          pc += A >= k[pc]! ? jt[pc]! : jf[pc]!;
          break;
        case 0x15: // jeq #k
          pc += A === k[pc]! ? jt[pc]! : jf[pc]!;
          break;
        case 0x45: // jset #k
          pc += (A & k[pc]!) !== 0 ? jt[pc]! : jf[pc]!;
          break;
        case 0x2d: // jgt x
          pc += A > X ? jt[pc]! : jf[pc]!;
          break;
        case 0x3d: // jge x
          pc += A >= X ? jt[pc]! : jf[pc]!;
          break;
        case 0x1d: // jeq x
          pc += A === X ? jt[pc]! : jf[pc]!;
          break;
        case 0x4d: // jset x
          pc += (A & X) !== 0 ? jt[pc]! : jf[pc]!;
          break;
        case 0x0c: // add x
          A = (A + X) >>> 0;
          break;
        case 0x1c: // sub x
          A = (A - X) >>> 0;
          break;
        case 0x2c: // mul x
          A = Math.imul(A, X) >>> 0;
          break;
        case 0x3c: // div x
          if (X === 0) return 0;
          A = Math.floor(A / X) >>> 0;
          break;
        case 0x9c: // mod x
          if (X === 0) return 0;
          A = A % X;
          break;
        case 0x5c: // and x
          A = (A & X) >>> 0;
          break;
        case 0x4c: // or x
          A = (A | X) >>> 0;
          break;
        case 0xac: // xor x
          A = (A ^ X) >>> 0;
          break;
        case 0x6c: // lsh x
          A = X < 32 ? (A << X) >>> 0 : 0;
          break;
        case 0x7c: // rsh x
          A = X < 32 ? A >>> X : 0;
          break;
        case 0x04: // add #k
          A = (A + k[pc]!) >>> 0;
          break;
        case 0x14: // sub #k
          A = (A - k[pc]!) >>> 0;
          break;
        case 0x24: // mul #k
          A = Math.imul(A, k[pc]!) >>> 0;
          break;
        case 0x34: // div #k
          kk = k[pc]!;
          if (kk === 0) return 0;
          A = Math.floor(A / kk) >>> 0;
          break;
        case 0x94: // mod #k
          kk = k[pc]!;
          if (kk === 0) return 0;
          A = A % kk;
          break;
        case 0x54: // and #k
          A = (A & k[pc]!) >>> 0;
          break;
        case 0x44: // or #k
          A = (A | k[pc]!) >>> 0;
          break;
        case 0xa4: // xor #k
          A = (A ^ k[pc]!) >>> 0;
          break;
        case 0x64: // lsh #k
          kk = k[pc]!;
          A = kk < 32 ? (A << kk) >>> 0 : 0;
          break;
        case 0x74: // rsh #k
          kk = k[pc]!;
          A = kk < 32 ? A >>> kk : 0;
          break;
        case 0x84: // neg
          A = (0 - A) >>> 0;
          break;
        case 0x07: // tax
          X = A;
          break;
        case 0x87: // txa
          A = X;
          break;
        case OP_ANCILLARY: {
          if (aux === undefined) return 0;
          const v = ancillaryValue(k[pc]!, aux);
          if (v === undefined) return 0;
          A = v;
          break;
        }
        case OP_XOR_X:
          if (aux === undefined) return 0;
          A = (A ^ X) >>> 0;
          break;
        default:
          return 0;
      }
      pc++;
    }
  };
}

/**
 * Runs `prog` once on `packet` (captured bytes) whose wire length is `wirelen`. For many packets, compile once
 * with compileCbpfInterpreter instead.
 */
export function runCbpf(
  prog: readonly CbpfInsn[],
  packet: Uint8Array,
  wirelen: number = packet.length,
  aux?: CbpfLinuxAux,
): number {
  return compileCbpfInterpreter(prog)(packet, wirelen, aux);
}
