/**
 * A deliberately simple, BigInt-based eBPF evaluator covering only the instructions the classic-to-eBPF
 * translator emits. It is the oracle for the translation tests until they switch to the real VM (src/vm/).
 * Semantics follow the eBPF ISA (RFC 9669): 32-bit ALU results are zero-extended, register shift counts are
 * masked, immediates are sign-extended to 64 bits; legacy LD_ABS/LD_IND end the program with 0 when the bytes are
 * not in the packet and clobber r1-r5. Memory accesses outside the packet, the 512-byte stack or the context
 * throw, so a translation that reads the wrong place fails loudly.
 */
import type { Instruction } from '../../src/isa/index.js';

const M32 = 0xffffffffn;
const M64 = 0xffffffffffffffffn;
const PACKET_BASE = 0x1000_0000n;
const STACK_BASE = 0x2000_0000n;
const STACK_SIZE = 512;
const CTX_BASE = 0x3000_0000n;
/** Value left in r1-r5 after LD_ABS/LD_IND or a helper call: a translation relying on them computes garbage. */
const CLOBBER = 0x0badc0de_0badc0den;

export interface ReferenceInput {
  mode: 'packet' | 'skb';
  packet: Uint8Array;
  wirelen: number;
  /** skb mode: the __sk_buff bytes (at least 96); len at offset 0 is filled from `wirelen` when absent. */
  ctx?: Uint8Array;
  /** Value returned by helpers 7 (get_prandom_u32) and 8 (get_smp_processor_id). */
  helperValue?: number;
  /** Instruction budget; exceeding it throws. */
  maxSteps?: number;
}

export interface ReferenceResult {
  r0: bigint;
  steps: number;
}

interface Region {
  base: bigint;
  bytes: Uint8Array;
  writable: boolean;
  name: string;
}

export function runEbpfReference(insns: readonly Instruction[], input: ReferenceInput): ReferenceResult {
  const stack = new Uint8Array(STACK_SIZE).fill(0xa5); // not zero: uninitialised reads must not pass by luck
  const ctx = input.ctx ?? new Uint8Array(96);
  if (!input.ctx) new DataView(ctx.buffer).setUint32(0, input.wirelen >>> 0, true);
  const regions: Region[] = [
    { base: PACKET_BASE, bytes: input.packet, writable: false, name: 'packet' },
    { base: STACK_BASE, bytes: stack, writable: true, name: 'stack' },
    { base: CTX_BASE, bytes: ctx, writable: false, name: 'ctx' },
  ];
  const r = new Array<bigint>(11).fill(0n);
  if (input.mode === 'packet') {
    r[1] = PACKET_BASE;
    r[2] = BigInt(input.packet.length);
    r[3] = BigInt(input.wirelen >>> 0);
  } else {
    r[1] = CTX_BASE;
  }
  r[10] = STACK_BASE + BigInt(STACK_SIZE);

  const region = (addr: bigint, size: number, write: boolean): [Region, number] => {
    for (const reg of regions) {
      if (addr >= reg.base && addr + BigInt(size) <= reg.base + BigInt(reg.bytes.length)) {
        if (write && !reg.writable) throw new Error(`write to read-only ${reg.name} at 0x${addr.toString(16)}`);
        return [reg, Number(addr - reg.base)];
      }
    }
    throw new Error(`access of ${size} bytes at 0x${addr.toString(16)} outside every region`);
  };
  const load = (addr: bigint, size: number): bigint => {
    const [reg, off] = region(addr, size, false);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(reg.bytes[off + i]!);
    return v;
  };
  const store = (addr: bigint, size: number, value: bigint): void => {
    const [reg, off] = region(addr, size, true);
    for (let i = 0; i < size; i++) reg.bytes[off + i] = Number((value >> BigInt(8 * i)) & 0xffn);
  };
  const sizeOf = (opcode: number): number => [4, 2, 1, 8][(opcode >> 3) & 3]!;

  const maxSteps = input.maxSteps ?? 1_000_000;
  let pc = 0;
  let steps = 0;
  for (;;) {
    if (++steps > maxSteps) throw new Error('instruction budget exceeded');
    const insn = insns[pc];
    if (!insn) throw new Error(`pc ${pc} outside the program`);
    const { opcode, dst, src, off } = insn;
    const imm64 = BigInt.asUintN(64, BigInt(insn.imm));
    const cls = opcode & 7;
    pc++;
    switch (cls) {
      case 0x04:
      case 0x07: {
        const is64 = cls === 0x07;
        const mask = is64 ? M64 : M32;
        const op = opcode & 0xf0;
        const a = r[dst]! & mask;
        const b = ((opcode & 0x08) !== 0 && op !== 0xd0 ? r[src]! : imm64) & mask;
        const shift = b & (is64 ? 63n : 31n);
        let v: bigint;
        switch (op) {
          case 0x00:
            v = a + b;
            break;
          case 0x10:
            v = a - b;
            break;
          case 0x20:
            v = a * b;
            break;
          case 0x30:
            v = b === 0n ? 0n : a / b;
            break;
          case 0x40:
            v = a | b;
            break;
          case 0x50:
            v = a & b;
            break;
          case 0x60:
            v = a << shift;
            break;
          case 0x70:
            v = a >> shift;
            break;
          case 0x80:
            v = -a;
            break;
          case 0x90:
            v = b === 0n ? a : a % b;
            break;
          case 0xa0:
            v = a ^ b;
            break;
          case 0xb0:
            v = b;
            break;
          case 0xd0: {
            if (is64) throw new Error('bswap not expected');
            const width = insn.imm;
            const bytes = width / 8;
            if (![16, 32, 64].includes(width)) throw new Error(`bad END width ${width}`);
            const x = r[dst]! & ((1n << BigInt(width)) - 1n);
            if ((opcode & 0x08) === 0) {
              v = x; // to little endian: the host order here
            } else {
              v = 0n;
              for (let i = 0; i < bytes; i++) v = (v << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
            }
            r[dst] = v;
            continue;
          }
          default:
            throw new Error(`unexpected ALU opcode 0x${opcode.toString(16)}`);
        }
        r[dst] = v & mask;
        continue;
      }
      case 0x01: {
        if ((opcode & 0xe0) !== 0x60) throw new Error(`unexpected LDX opcode 0x${opcode.toString(16)}`);
        r[dst] = load((r[src]! + BigInt(off)) & M64, sizeOf(opcode));
        continue;
      }
      case 0x02:
      case 0x03: {
        if ((opcode & 0xe0) !== 0x60) throw new Error(`unexpected store opcode 0x${opcode.toString(16)}`);
        const value = cls === 0x03 ? r[src]! : imm64;
        store((r[dst]! + BigInt(off)) & M64, sizeOf(opcode), value);
        continue;
      }
      case 0x00: {
        const mode = opcode & 0xe0;
        if (input.mode !== 'skb' || (mode !== 0x20 && mode !== 0x40)) {
          throw new Error(`unexpected LD opcode 0x${opcode.toString(16)} in ${input.mode} mode`);
        }
        const size = sizeOf(opcode);
        // The kernel computes the offset as a signed 32-bit sum; negative offsets are not packet bytes.
        const offset = mode === 0x40 ? BigInt.asIntN(32, r[src]! + imm64) : BigInt(insn.imm);
        for (let i = 1; i <= 5; i++) r[i] = CLOBBER;
        if (offset < 0n || offset + BigInt(size) > BigInt(input.packet.length)) return { r0: 0n, steps };
        let v = 0n;
        for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(input.packet[Number(offset) + i]!);
        r[0] = v;
        continue;
      }
      case 0x05: {
        const op = opcode & 0xf0;
        if (op === 0x90) return { r0: r[0]!, steps };
        if (op === 0x80) {
          if (insn.imm !== 7 && insn.imm !== 8) throw new Error(`unexpected helper ${insn.imm}`);
          for (let i = 1; i <= 5; i++) r[i] = CLOBBER;
          r[0] = BigInt((input.helperValue ?? 0) >>> 0);
          continue;
        }
        const a = r[dst]!;
        const b = (opcode & 0x08) !== 0 ? r[src]! : imm64;
        let taken: boolean;
        switch (op) {
          case 0x00:
            taken = true;
            break;
          case 0x10:
            taken = a === b;
            break;
          case 0x20:
            taken = a > b;
            break;
          case 0x30:
            taken = a >= b;
            break;
          case 0x40:
            taken = (a & b) !== 0n;
            break;
          case 0x50:
            taken = a !== b;
            break;
          case 0xa0:
            taken = a < b;
            break;
          case 0xb0:
            taken = a <= b;
            break;
          default:
            throw new Error(`unexpected JMP opcode 0x${opcode.toString(16)}`);
        }
        if (taken) pc += off;
        continue;
      }
      default:
        throw new Error(`unexpected opcode 0x${opcode.toString(16)}`);
    }
  }
}
