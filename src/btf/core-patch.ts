/**
 * Writing a resolved CO-RE relocation into its instruction (libbpf's bpf_core_patch_insn). The forms clang emits:
 * `rX = imm` / `rX += imm` (ALU imm), `rX = imm64` (lddw), and loads/stores whose `off` is the field offset, whose
 * size may follow the field's. Before patching, the instruction must hold the value computed from the local BTF,
 * which catches relocations that point at the wrong instruction.
 */
import type { CoreValues } from './core-calc.js';
import { CoreRelocationError } from './core-errors.js';

/** The fields of an eBPF instruction (structurally the isa module's `Instruction`). */
export interface CoreInstruction {
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** The second slot's imm of an lddw. */
  nextImm?: number;
}

/** The helper id libbpf gives a poisoned instruction: 0xbad2310, "bad relo"; the verifier names it if reachable. */
export const CORE_POISON_HELPER = 195896080;

const BPF_LD = 0x00;
const BPF_LDX = 0x01;
const BPF_ST = 0x02;
const BPF_STX = 0x03;
const BPF_ALU = 0x04;
const BPF_ALU64 = 0x07;
const BPF_JMP_CALL = 0x85;
const LDDW = 0x18;
const SIZE_BYTES: Record<number, number> = { 0: 4, 8: 2, 16: 1, 24: 8 };
const BYTES_SIZE: Record<number, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };

export interface CorePatchOutcome {
  poisoned: boolean;
  /** Why the instruction was poisoned. */
  reason?: string;
  /**
   * The poisoned instruction was an lddw: libbpf poisons both of its slots, so the caller must insert a second
   * `call 0xbad2310` after it to keep every other instruction at its slot.
   */
  poisonSecondSlot: boolean;
}

/** The poison instruction: `call 0xbad2310`. */
export function poisonInstruction(): CoreInstruction {
  return { opcode: BPF_JMP_CALL, dst: 0, src: 0, off: 0, imm: CORE_POISON_HELPER };
}

function poison(insn: CoreInstruction, reason: string): CorePatchOutcome {
  const wide = insn.opcode === LDDW;
  insn.opcode = BPF_JMP_CALL;
  insn.dst = 0;
  insn.src = 0;
  insn.off = 0;
  insn.imm = CORE_POISON_HELPER;
  delete insn.nextImm;
  return { poisoned: true, reason, poisonSecondSlot: wide };
}

function fail(detail: string): never {
  throw new CoreRelocationError({}, detail);
}

/** The u64 a signed instruction field stands for in libbpf's comparisons (C widens it with its sign). */
const asU64 = (n: number): bigint => BigInt.asUintN(64, BigInt(n));

/**
 * Patches `insn` in place with `res`. Returns whether it was poisoned; throws `CoreRelocationError` when the
 * instruction does not have the expected form or value (libbpf fails the load then).
 */
export function patchCoreInstruction(insn: CoreInstruction, res: CoreValues): CorePatchOutcome {
  if (res.poison) return poison(insn, 'not found in the target BTF');
  const ok: CorePatchOutcome = { poisoned: false, poisonSecondSlot: false };
  const cls = insn.opcode & 0x07;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if ((insn.opcode & 0x08) !== 0) fail(`instruction has a register operand, expected an immediate`);
      if (res.validate && asU64(insn.imm) !== res.origValue) {
        fail(`unexpected ALU immediate: got ${insn.imm}, expected ${res.origValue} -> ${res.newValue}`);
      }
      insn.imm = Number(BigInt.asIntN(32, res.newValue));
      return ok;
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      if (res.validate && asU64(insn.off) !== res.origValue) {
        fail(`unexpected LDX/ST/STX offset: got ${insn.off}, expected ${res.origValue} -> ${res.newValue}`);
      }
      if (res.newValue > 0x7fffn) fail(`LDX/ST/STX offset ${res.newValue} is too big for a 16-bit offset`);
      if (res.failMemSizeAdjust) {
        return poison(
          insn,
          'the field changed size in a way a load/store cannot follow (only pointers and unsigned integers can)',
        );
      }
      insn.off = Number(res.newValue);
      if (res.newSize !== res.origSize) {
        const bytes = SIZE_BYTES[insn.opcode & 0x18];
        if (bytes !== res.origSize) fail(`unexpected memory access size: got ${bytes}, expected ${res.origSize}`);
        const size = BYTES_SIZE[res.newSize];
        if (size === undefined) fail(`invalid new memory access size ${res.newSize}`);
        insn.opcode = (insn.opcode & 0xe0) | size | cls;
      }
      return ok;
    }
    case BPF_LD: {
      if (insn.opcode !== LDDW || insn.src !== 0 || insn.off !== 0) fail('lddw instruction has an unexpected form');
      const imm = (BigInt((insn.nextImm ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      if (res.validate && imm !== res.origValue) {
        fail(`unexpected lddw value: got ${imm}, expected ${res.origValue} -> ${res.newValue}`);
      }
      insn.imm = Number(BigInt.asIntN(32, res.newValue));
      insn.nextImm = Number(BigInt.asIntN(32, res.newValue >> 32n));
      return ok;
    }
    default:
      return fail(
        `cannot relocate instruction: opcode 0x${insn.opcode.toString(16)}, src ${insn.src}, dst ${insn.dst}, off ${insn.off}, imm ${insn.imm}`,
      );
  }
}
