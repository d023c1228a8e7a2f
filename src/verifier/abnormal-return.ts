/**
 * Subprograms that can leave abnormally (check_abnormal_return and check_btf_func). A legacy packet load (LD_ABS,
 * LD_IND) returns 0 from the function it sits in when the packet is too short, and a tail call that succeeds never
 * returns; inside a subprogram the caller must then see an int return value, which only BTF can vouch for. So the
 * kernel refuses both in subprograms of a program loaded without BTF func info, and in subprograms whose BTF
 * prototype does not return an integer or enum. Checked before any path is explored, as the kernel does.
 */
import type { Instruction } from '../isa/instruction.js';
import { VerifierReject } from './errors.js';
import type { Layout } from './structure.js';

/** What BTF func_info says about one function of the program. */
export interface SubprogBtf {
  /** Slot index of the function's first instruction. */
  insn: number;
  /** The prototype returns an integer of at most 8 bytes or an enum (btf_type_is_small_int, btf_is_any_enum). */
  returnsScalar: boolean;
}

const isLdAbs = (insn: Instruction): boolean =>
  (insn.opcode & 7) === 0 && ((insn.opcode & 0xe0) === 0x20 || (insn.opcode & 0xe0) === 0x40);
const isTailCall = (insn: Instruction): boolean => insn.opcode === 0x85 && insn.src === 0 && insn.imm === 12;

/** Rejects LD_ABS/LD_IND and tail calls in subprograms that BTF does not describe as returning an int. */
export function checkAbnormalReturn(layout: Layout, funcInfo: readonly SubprogBtf[] | undefined): void {
  const starts = layout.subprogs;
  for (let idx = 1; idx < starts.length; idx++) {
    const begin = starts[idx]!;
    const end = starts[idx + 1] ?? layout.slots;
    let ldAbs = -1;
    let tailCall = -1;
    for (let pc = begin; pc < end; pc++) {
      const insn = layout.at[pc];
      if (!insn) continue;
      if (ldAbs < 0 && isLdAbs(insn)) ldAbs = pc;
      if (tailCall < 0 && isTailCall(insn)) tailCall = pc;
    }
    if (ldAbs < 0 && tailCall < 0) continue;
    if (!funcInfo) {
      if (ldAbs >= 0) {
        throw new VerifierReject(
          'LD_ABS is not allowed in subprogs without BTF',
          ldAbs,
          [],
          'legacy packet loads in a function need BTF func info (compile with -g); or load the bytes with bpf_skb_load_bytes',
        );
      }
      throw new VerifierReject(
        'tail_call is not allowed in subprogs without BTF',
        tailCall,
        [],
        'tail calls in a function need BTF func info (compile with -g), or move the tail call into the main program',
      );
    }
    const info = funcInfo.find((f) => f.insn === begin);
    if (info?.returnsScalar) continue;
    if (ldAbs >= 0) {
      throw new VerifierReject(
        "LD_ABS is only allowed in functions that return 'int'.",
        ldAbs,
        [],
        'a failed legacy packet load returns 0 from this function, so it must return an integer type, not void',
      );
    }
    throw new VerifierReject(
      "tail_call is only allowed in functions that return 'int'.",
      tailCall,
      [],
      'a failed tail call returns to this function, whose caller then needs an integer result: return int, not void',
    );
  }
}
