/**
 * An independent BigInt model of eBPF ALU semantics (RFC 9669), written from the spec rather than from the
 * interpreter, used as the oracle of the interpreter's property tests.
 */
import { formOf } from '../../src/isa/forms.js';
import type { Instruction } from '../../src/isa/instruction.js';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);
const u64 = (v: bigint) => BigInt.asUintN(64, v);
const u32 = (v: bigint) => BigInt.asUintN(32, v);

function bswap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

function truncDiv(a: bigint, b: bigint): bigint {
  return a / b; // BigInt division truncates toward zero
}

/** Runs straight-line ALU instructions (and lddw) on a register file; returns the final registers. */
export function referenceRun(insns: readonly Instruction[], regs: bigint[]): bigint[] {
  const r = regs.map(u64);
  for (const insn of insns) {
    const form = formOf(insn);
    if (!form) throw new Error(`bad instruction ${JSON.stringify(insn)}`);
    if (form.kind === 'lddw') {
      r[insn.dst] = (BigInt(insn.imm >>> 0) | (BigInt((insn.nextImm ?? 0) >>> 0) << 32n)) & M64;
      continue;
    }
    const dst = r[insn.dst]!;
    if (form.kind === 'neg') {
      r[insn.dst] = form.is64 ? u64(-dst) : u32(-dst);
      continue;
    }
    if (form.kind === 'end') {
      const w = form.size;
      if (form.op === 0) r[insn.dst] = dst & ((1n << BigInt(w)) - 1n);
      else r[insn.dst] = bswap(dst, w);
      continue;
    }
    if (form.kind === 'movsx') {
      const v = BigInt.asIntN(form.size, r[insn.src]!);
      r[insn.dst] = form.is64 ? u64(v) : u32(v);
      continue;
    }
    if (form.kind !== 'alu') throw new Error(`not an ALU instruction: ${form.mnemonic}`);
    if (form.is64) {
      const src = form.x ? r[insn.src]! : u64(BigInt(insn.imm));
      let v: bigint;
      switch (form.op) {
        case 0x00:
          v = dst + src;
          break;
        case 0x10:
          v = dst - src;
          break;
        case 0x20:
          v = dst * src;
          break;
        case 0x30:
          v =
            src === 0n
              ? 0n
              : form.signed
                ? u64(s64(dst) === -(1n << 63n) && s64(src) === -1n ? s64(dst) : truncDiv(s64(dst), s64(src)))
                : dst / src;
          break;
        case 0x40:
          v = dst | src;
          break;
        case 0x50:
          v = dst & src;
          break;
        case 0x60:
          v = dst << (src & 63n);
          break;
        case 0x70:
          v = dst >> (src & 63n);
          break;
        case 0x90:
          v = src === 0n ? dst : form.signed ? u64(s64(src) === -1n ? 0n : s64(dst) % s64(src)) : dst % src;
          break;
        case 0xa0:
          v = dst ^ src;
          break;
        case 0xb0:
          v = src;
          break;
        case 0xc0:
          v = u64(s64(dst) >> (src & 63n));
          break;
        default:
          throw new Error(`op ${form.op}`);
      }
      r[insn.dst] = u64(v);
    } else {
      const d = u32(dst);
      const src = form.x ? u32(r[insn.src]!) : u32(BigInt(insn.imm));
      let v: bigint;
      switch (form.op) {
        case 0x00:
          v = d + src;
          break;
        case 0x10:
          v = d - src;
          break;
        case 0x20:
          v = d * src;
          break;
        case 0x30:
          v =
            src === 0n
              ? 0n
              : form.signed
                ? u32(s32(d) === -(1n << 31n) && s32(src) === -1n ? s32(d) : truncDiv(s32(d), s32(src)))
                : d / src;
          break;
        case 0x40:
          v = d | src;
          break;
        case 0x50:
          v = d & src;
          break;
        case 0x60:
          v = d << (src & 31n);
          break;
        case 0x70:
          v = d >> (src & 31n);
          break;
        case 0x90:
          v = src === 0n ? d : form.signed ? u32(s32(src) === -1n ? 0n : s32(d) % s32(src)) : d % src;
          break;
        case 0xa0:
          v = d ^ src;
          break;
        case 0xb0:
          v = src;
          break;
        case 0xc0:
          v = u32(s32(d) >> (src & 31n));
          break;
        default:
          throw new Error(`op ${form.op}`);
      }
      r[insn.dst] = u32(v) & M32;
    }
  }
  return r;
}
