/**
 * The ubpf / bpf_conformance assembly syntax (../shared/conformance/README.md): a mnemonic from the opcode table,
 * then operands, `%r` registers and `[%rN+off]` memory operands: `mov32 %r0, 0x1`, `ldxw %r2, [%r1+4]`,
 * `lock fetch add [%r10-8], %r1`, `jeq %r1, 0x5, +3`.
 *
 * Numbers: arithmetic immediates in signed hex as uBPF's own disassembler prints them (`0x5`, `-0x1`); memory
 * offsets and jump offsets in signed decimal (`[%r10-8]`, `+3`); helper ids, kfunc ids, map fds and indexes in
 * decimal (`call 5`, `call runtime 7`); lddw constants as 64-bit unsigned hex, like the conformance files.
 *
 * The conformance syntax has no notation for lddw's pseudo sources (src 1..6, the values libbpf and the kernel
 * put there for maps, BTF ids and functions); tsbpf writes them as the source's name and its operands, which the
 * assembler reads back:
 *
 * | src | text                              | meaning                                              |
 * |-----|-----------------------------------|------------------------------------------------------|
 * | 1   | `lddw %r1, map_fd 3`              | pointer to the map whose fd is imm                   |
 * | 2   | `lddw %r1, map_value 3, 16`       | address of the map's value + 2nd-slot imm            |
 * | 3   | `lddw %r1, btf_id 123`            | kernel variable by BTF id (2nd-slot imm: module fd)  |
 * | 4   | `lddw %r1, func +4` (or a label)  | address of the function at pc + 1 + imm              |
 * | 5   | `lddw %r1, map_idx 0`             | map by index into the fd array                       |
 * | 6   | `lddw %r1, map_idx_value 0, 8`    | map value by index + 2nd-slot imm                    |
 *
 * A second operand (the 2nd-slot imm) is printed for every source when it is non-zero, so any encoding round-trips.
 */
import { formOf } from './forms.js';
import { type Instruction, lddwValue } from './instruction.js';
import { plusDec, signedHex } from './text-numbers.js';

/** Names of lddw's pseudo sources in the ubpf syntax, by src (index 0 is the plain constant). */
export const LDDW_PSEUDO_NAMES: readonly string[] = [
  '',
  'map_fd',
  'map_value',
  'btf_id',
  'func',
  'map_idx',
  'map_idx_value',
];

/** `[%r1+4]`, `[%r10-8]`, `[%r1]`: a memory operand. */
function memory(reg: number, off: number): string {
  return off === 0 ? `[%r${reg}]` : `[%r${reg}${off < 0 ? off : `+${off}`}]`;
}

/** The ubpf-syntax text of one instruction, or `<unknown opcode 0x8f>` when it is not a valid form. */
export function formatUbpf(insn: Instruction, _pc = 0): string {
  const form = formOf(insn);
  if (!form) return `<unknown opcode 0x${(insn.opcode & 0xff).toString(16).padStart(2, '0')}>`;
  const m = form.mnemonic;
  const d = `%r${insn.dst}`;
  const s = `%r${insn.src}`;
  switch (form.kind) {
    case 'alu':
      return `${m} ${d}, ${form.x ? s : signedHex(insn.imm)}`;
    case 'neg':
    case 'end':
      return `${m} ${d}`;
    case 'movsx':
      return `${m} ${d}, ${s}`;
    case 'ldx':
      return `${m} ${d}, ${memory(insn.src, insn.off)}`;
    case 'st':
      return `${m} ${memory(insn.dst, insn.off)}, ${signedHex(insn.imm)}`;
    case 'stx':
    case 'atomic':
      return `${m} ${memory(insn.dst, insn.off)}, ${s}`;
    case 'lddw': {
      if (insn.src === 0) return `${m} ${d}, 0x${lddwValue(insn).toString(16)}`;
      const name = LDDW_PSEUDO_NAMES[insn.src] ?? `src${insn.src}`;
      const operand = name === 'func' ? plusDec(insn.imm) : String(insn.imm);
      return `${m} ${d}, ${name} ${operand}${insn.nextImm ? `, ${insn.nextImm}` : ''}`;
    }
    case 'ja':
      return `${m} ${plusDec(insn.off)}`;
    case 'ja32':
      return `${m} ${plusDec(insn.imm)}`;
    case 'jcond':
      return `${m} ${d}, ${form.x ? s : signedHex(insn.imm)}, ${plusDec(insn.off)}`;
    case 'call':
      return `call ${insn.imm}`;
    case 'call_local':
      return `call local ${plusDec(insn.imm)}`;
    case 'call_kfunc':
      return `call runtime ${insn.imm}`;
    case 'callx':
      return `call ${d}`;
    case 'exit':
      return 'exit';
    case 'ld_abs':
      return `${m} ${insn.imm}`;
    case 'ld_ind':
      return `${m} ${s}, ${insn.imm}`;
  }
}
