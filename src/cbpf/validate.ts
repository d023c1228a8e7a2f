/**
 * The Linux kernel's load-time checks for classic BPF filters (net/core/filter.c: bpf_check_basics_ok,
 * bpf_check_classic, chk_code_allowed, check_load_and_stores). A filter that passes would be accepted by
 * setsockopt(SO_ATTACH_FILTER); one that fails gets a CbpfError naming the first offending instruction where
 * the kernel would just say EINVAL.
 */
import { InputError } from '../errors.js';
import { isKnownAncillary, SKF_AD_OFF } from './ancillary.js';
import type { CbpfInsn } from './insn.js';

/** A classic BPF program the kernel would refuse; `pc` is the instruction index (or -1 for the whole program). */
export class CbpfError extends InputError {
  override name = 'CbpfError';
  constructor(
    message: string,
    readonly pc: number,
  ) {
    super(pc >= 0 ? `cBPF instruction ${pc}: ${message}` : `cBPF program: ${message}`);
  }
}

/** The kernel's BPF_MAXINSNS for classic filters. */
export const CBPF_MAXINSNS = 4096;

/** Opcodes chk_code_allowed accepts for socket filters (BPF_LDX|BPF_W|BPF_ABS is seccomp-only). */
const ALLOWED = new Set<number>([
  // ALU
  0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x94, 0x9c, 0x54, 0x5c, 0x44, 0x4c, 0xa4, 0xac, 0x64, 0x6c, 0x74,
  0x7c, 0x84,
  // loads
  0x20, 0x28, 0x30, 0x80, 0x40, 0x48, 0x50, 0x00, 0x60, 0x81, 0xb1, 0x01, 0x61,
  // stores, misc, returns
  0x02, 0x03, 0x07, 0x87, 0x06, 0x16,
  // jumps
  0x05, 0x15, 0x1d, 0x35, 0x3d, 0x25, 0x2d, 0x45, 0x4d,
]);

const isCondJump = (code: number): boolean => (code & 0x07) === 0x05 && code !== 0x05;
const hex = (v: number): string => `0x${v.toString(16)}`;

function checkFields(insn: CbpfInsn, pc: number): void {
  const ok =
    Number.isInteger(insn.code) &&
    insn.code >= 0 &&
    insn.code <= 0xffff &&
    Number.isInteger(insn.jt) &&
    insn.jt >= 0 &&
    insn.jt <= 0xff &&
    Number.isInteger(insn.jf) &&
    insn.jf >= 0 &&
    insn.jf <= 0xff &&
    Number.isInteger(insn.k) &&
    insn.k >= -0x80000000 &&
    insn.k <= 0xffffffff;
  if (!ok) throw new CbpfError('fields out of range (code u16, jt/jf u8, k u32)', pc);
}

/**
 * Checks `prog` as bpf_check_classic does: length 1..4096, every opcode allowed, constant division/modulo by
 * zero and constant shifts >= 32 rejected, M[] index < 16, jumps forward and inside the program, ancillary loads
 * only at offsets the kernel knows, the last instruction a return, and no scratch word read before it is written
 * on every path (check_load_and_stores). Throws CbpfError at the first problem.
 */
export function validateCbpf(prog: readonly CbpfInsn[]): void {
  const len = prog.length;
  if (len === 0) throw new CbpfError('empty program', -1);
  if (len > CBPF_MAXINSNS) throw new CbpfError(`${len} instructions, more than ${CBPF_MAXINSNS}`, -1);

  for (let pc = 0; pc < len; pc++) {
    const insn = prog[pc]!;
    checkFields(insn, pc);
    const { code } = insn;
    const k = insn.k >>> 0;
    if (!ALLOWED.has(code)) throw new CbpfError(`invalid opcode ${hex(code)}`, pc);
    switch (code) {
      case 0x34: // div #k
      case 0x94: // mod #k
        if (k === 0) throw new CbpfError('division by constant zero', pc);
        break;
      case 0x64: // lsh #k
      case 0x74: // rsh #k
        if (k >= 32) throw new CbpfError(`shift by ${k}, must be < 32`, pc);
        break;
      case 0x60:
      case 0x61:
      case 0x02:
      case 0x03:
        if (k >= 16) throw new CbpfError(`scratch memory index M[${k}] out of range (0..15)`, pc);
        break;
      case 0x05:
        if (k >= len - pc - 1) {
          throw new CbpfError(`ja ${k} jumps ${(k | 0) < 0 ? 'backward' : 'past the end'} (program has ${len})`, pc);
        }
        break;
      case 0x20:
      case 0x28:
      case 0x30:
        if (k >= SKF_AD_OFF && !isKnownAncillary(k)) {
          throw new CbpfError(`unknown ancillary load offset ${hex(k)}`, pc);
        }
        break;
      default:
        if (isCondJump(code) && (pc + insn.jt + 1 >= len || pc + insn.jf + 1 >= len)) {
          throw new CbpfError(`jump target jt ${insn.jt} / jf ${insn.jf} past the end (program has ${len})`, pc);
        }
    }
  }
  const last = prog[len - 1]!.code;
  if (last !== 0x06 && last !== 0x16) throw new CbpfError('last instruction is not a return', len - 1);
  checkLoadsAfterStores(prog);
}

/**
 * check_load_and_stores: walking forward, a scratch word is readable only if every path reaching the read has
 * written it. Since jumps only go forward, one pass with a per-target mask (the intersection of the masks of
 * all jumps to it) decides it. Assumes the jump checks above passed.
 */
function checkLoadsAfterStores(prog: readonly CbpfInsn[]): void {
  const pc0 = uninitializedScratchRead(prog);
  if (pc0 >= 0) {
    throw new CbpfError(`reads M[${prog[pc0]!.k >>> 0}] before it is written on some path`, pc0);
  }
}

/**
 * Index of the first instruction that may read a scratch word not yet written (the kernel's analysis), or -1.
 * Jumps must be forward and in range; out-of-range targets are ignored.
 */
export function uninitializedScratchRead(prog: readonly CbpfInsn[]): number {
  const len = prog.length;
  const masks = new Uint16Array(len).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < len; pc++) {
    valid &= masks[pc]!;
    const { code, jt, jf } = prog[pc]!;
    const k = prog[pc]!.k >>> 0;
    switch (code) {
      case 0x02:
      case 0x03:
        if (k < 16) valid |= 1 << k;
        break;
      case 0x60:
      case 0x61:
        if (k >= 16 || (valid & (1 << k)) === 0) return pc;
        break;
      case 0x05: {
        const t = pc + 1 + k;
        if (t < len) masks[t] = masks[t]! & valid;
        valid = 0xffff;
        break;
      }
      default:
        if (isCondJump(code)) {
          const t = pc + 1 + jt;
          const f = pc + 1 + jf;
          if (t < len) masks[t] = masks[t]! & valid;
          if (f < len) masks[f] = masks[f]! & valid;
          valid = 0xffff;
        }
    }
  }
  return -1;
}
