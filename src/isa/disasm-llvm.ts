/**
 * The LLVM disassembly syntax: exactly the instruction text `llvm-objdump -d` prints (`r0 = *(u16 *)(r1 + 0xc)`,
 * `if r1 > r2 goto +0x3`, `lock *(u64 *)(r10 - 0x8) += r1`), so tsbpf listings can be compared with the tool users
 * know. test/fixtures/isa/llvm-objdump.txt records real llvm-objdump output for every form, and says which LLVM:
 *
 * - llvm-objdump-16 (the project's clang) wherever its text is right;
 * - LLVM 19 for what LLVM 16 predates or misreads: sdiv/smod (`r1 s/= r2`), movsx (`r1 = (s8)r2`), sign-extending
 *   loads (`*(s16 *)`), `bswap16`, `gotol`, store-immediate, `jset` (`if r1 & r2 goto`), and `callx r2` (LLVM 16
 *   takes the register from imm, the kernel and LLVM >= 19 from dst);
 * - LLVM 19 with `--mcpu=v4` (alu32 registers) for the 32-bit atomics that plain `-d` prints as `<unknown>` or
 *   wrongly: `w2 = atomic_fetch_add((u32 *)(r1 - 0x8), w2)`, `lock *(u32 *)(r1 - 0x8) |= w2`. The plain 32-bit
 *   `lock ... += r2` keeps the `-d` text.
 *
 * Where llvm-objdump's text loses information, tsbpf prints its own, round-trippable text (the assembler reads it):
 * - local calls `call pc+4` and kfunc calls `call kfunc 5` (llvm prints every call as `call IMM`; the notation
 *   `call pc+N` is the kernel verifier log's and bpftool's);
 * - LD_IND with a non-zero imm `r0 = *(u32 *)skb[r2 + 0xc]` (llvm drops the imm);
 * - `ld_pseudo r1, 0x2, 0x3, 0x10`: the 2nd-slot imm appended when non-zero (llvm drops it).
 */
import { encodeProgram } from './encode.js';
import { formOf, type InsnForm } from './forms.js';
import { type Instruction, lddwValue, slotCount } from './instruction.js';
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_FETCH,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XCHG,
  BPF_XOR,
} from './opcodes.js';
import { plusDec, plusHex, signedHex, u32Hex } from './text-numbers.js';

/** Compound assignment operators of ALU instructions, by BPF op (signed variants have an `s` prefix). */
export const LLVM_ALU_OPERATORS: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, '+='],
  [BPF_SUB, '-='],
  [BPF_MUL, '*='],
  [BPF_DIV, '/='],
  [BPF_OR, '|='],
  [BPF_AND, '&='],
  [BPF_LSH, '<<='],
  [BPF_RSH, '>>='],
  [BPF_MOD, '%='],
  [BPF_XOR, '^='],
  [BPF_MOV, '='],
  [BPF_ARSH, 's>>='],
]);

/** Comparison operators of conditional jumps, by BPF jump op. */
export const LLVM_JUMP_OPERATORS: ReadonlyMap<number, string> = new Map([
  [BPF_JEQ, '=='],
  [BPF_JGT, '>'],
  [BPF_JGE, '>='],
  [BPF_JSET, '&'],
  [BPF_JNE, '!='],
  [BPF_JSGT, 's>'],
  [BPF_JSGE, 's>='],
  [BPF_JLT, '<'],
  [BPF_JLE, '<='],
  [BPF_JSLT, 's<'],
  [BPF_JSLE, 's<='],
]);

/** Names of the atomic read-modify-write operations, by imm without the FETCH bit. */
export const LLVM_ATOMIC_NAMES: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, 'add'],
  [BPF_OR, 'or'],
  [BPF_AND, 'and'],
  [BPF_XOR, 'xor'],
]);

/** Jump annotation: the text llvm-objdump puts in `<...>` after a jump to slot `target`, or undefined for none. */
export type TargetAnnotation = (target: number) => string | undefined;

/**
 * The llvm-objdump text of one instruction at slot `pc` (`<unknown>` when it is not a valid form, as llvm-objdump
 * prints). `annotate` adds llvm-objdump's ` <symbol+0x..>` after jump offsets; without it none is printed, as for
 * raw bytes that have no symbols.
 */
export function formatLlvm(insn: Instruction, pc = 0, annotate?: TargetAnnotation): string {
  const form = formOf(insn);
  if (!form) return '<unknown>';
  const jump = (offset: number): string => {
    const note = annotate?.(pc + 1 + offset);
    return note === undefined ? plusHex(offset) : `${plusHex(offset)} <${note}>`;
  };
  const r = (n: number): string => `${form.is64 ? 'r' : 'w'}${n}`;
  const mem = (reg: number, off: number): string => `r${reg} ${off < 0 ? '-' : '+'} ${signedHex(Math.abs(off))}`;
  const bits = form.size * 8;
  switch (form.kind) {
    case 'alu': {
      const op = `${form.signed ? 's' : ''}${LLVM_ALU_OPERATORS.get(form.op)}`;
      return `${r(insn.dst)} ${op} ${form.x ? r(insn.src) : signedHex(insn.imm)}`;
    }
    case 'neg':
      return `${r(insn.dst)} = -${r(insn.dst)}`;
    case 'movsx':
      return `${r(insn.dst)} = (s${form.size})${r(insn.src)}`;
    case 'end': {
      const name = form.op === -1 ? 'bswap' : form.op === BPF_K ? 'le' : 'be';
      return `r${insn.dst} = ${name}${form.size} r${insn.dst}`;
    }
    case 'ldx':
      return `r${insn.dst} = *(${form.signed ? 's' : 'u'}${bits} *)(${mem(insn.src, insn.off)})`;
    case 'st':
      return `*(u${bits} *)(${mem(insn.dst, insn.off)}) = ${signedHex(insn.imm)}`;
    case 'stx':
      return `*(u${bits} *)(${mem(insn.dst, insn.off)}) = r${insn.src}`;
    case 'atomic':
      return formatAtomic(form, insn, mem(insn.dst, insn.off));
    case 'lddw': {
      if (insn.src === 0) return `r${insn.dst} = ${signedHex(BigInt.asIntN(64, lddwValue(insn)))} ll`;
      const next = insn.nextImm ? `, ${u32Hex(insn.nextImm)}` : '';
      return `ld_pseudo\tr${insn.dst}, ${signedHex(insn.src)}, ${u32Hex(insn.imm)}${next}`;
    }
    case 'ja':
      return `goto ${jump(insn.off)}`;
    case 'ja32':
      return `gotol ${jump(insn.imm)}`;
    case 'jcond': {
      const rhs = form.x ? r(insn.src) : signedHex(insn.imm);
      return `if ${r(insn.dst)} ${LLVM_JUMP_OPERATORS.get(form.op)} ${rhs} goto ${jump(insn.off)}`;
    }
    case 'call':
      return `call ${signedHex(insn.imm)}`;
    case 'call_local':
      return `call pc${plusDec(insn.imm)}`;
    case 'call_kfunc':
      return `call kfunc ${insn.imm}`;
    case 'callx':
      return `callx r${insn.dst}`;
    case 'exit':
      return 'exit';
    case 'ld_abs':
      return `r0 = *(u${bits} *)skb[${signedHex(insn.imm)}]`;
    case 'ld_ind': {
      const extra = insn.imm === 0 ? '' : ` ${insn.imm < 0 ? '-' : '+'} ${signedHex(Math.abs(insn.imm))}`;
      return `r0 = *(u${bits} *)skb[r${insn.src}${extra}]`;
    }
  }
}

function formatAtomic(form: InsnForm, insn: Instruction, address: string): string {
  const wide = form.size === 8;
  const t = wide ? 'u64' : 'u32';
  const v = (n: number): string => `${wide ? 'r' : 'w'}${n}`;
  if (form.op === BPF_XCHG) return `${v(insn.src)} = ${wide ? 'xchg_64' : 'xchg32_32'}(${address}, ${v(insn.src)})`;
  if (form.op === BPF_CMPXCHG) {
    return `${v(0)} = ${wide ? 'cmpxchg_64' : 'cmpxchg32_32'}(${address}, ${v(0)}, ${v(insn.src)})`;
  }
  const name = LLVM_ATOMIC_NAMES.get(form.op & ~BPF_FETCH)!;
  if (form.op & BPF_FETCH) return `${v(insn.src)} = atomic_fetch_${name}((${t} *)(${address}), ${v(insn.src)})`;
  const operator = LLVM_ALU_OPERATORS.get(form.op)!;
  // llvm-objdump -d prints the plain 32-bit add with an r register; the other 32-bit forms need alu32 (w).
  const src = wide || form.op === BPF_ADD ? `r${insn.src}` : `w${insn.src}`;
  return `lock *(${t} *)(${address}) ${operator} ${src}`;
}

export interface ListingOptions {
  /** `Disassembly of section NAME:` header, as llvm-objdump prints before each section. */
  section?: string;
  /** Symbol at slot 0: prints llvm-objdump's `0000000000000000 <NAME>:` line and annotates jumps `<NAME+0x..>`. */
  symbol?: string;
  /** Print each instruction's bytes (llvm-objdump's default; `--no-show-raw-insn` turns them off). Default true. */
  rawBytes?: boolean;
}

/**
 * The whole listing in llvm-objdump's shape: `%8d:` slot number, a tab, the instruction's bytes in hex (both
 * slots of an lddw on one line), a tab, the text. Lines without a trailing newline.
 */
export function formatListing(insns: readonly Instruction[], options: ListingOptions = {}): string[] {
  const lines: string[] = [];
  if (options.section !== undefined) lines.push(`Disassembly of section ${options.section}:`, '');
  const symbol = options.symbol;
  if (symbol !== undefined) lines.push(`${'0'.repeat(16)} <${symbol}>:`);
  const annotate: TargetAnnotation | undefined =
    symbol === undefined
      ? undefined
      : (target) => {
          // llvm-objdump prints the byte offset from the symbol as an unsigned 64-bit number.
          const offset = BigInt.asUintN(64, BigInt(target) * 8n);
          return offset === 0n ? symbol : `${symbol}+0x${offset.toString(16)}`;
        };
  let pc = 0;
  for (const insn of insns) {
    const text = formatLlvm(insn, pc, annotate);
    const head = `${String(pc).padStart(8)}:\t`;
    lines.push(options.rawBytes === false ? `${head}${text}` : `${head}${hexBytes(insn)}\t${text}`);
    pc += slotCount(insn);
  }
  return lines;
}

/** The instruction's encoding as llvm-objdump shows it: little-endian bytes in hex separated by spaces. */
export function hexBytes(insn: Instruction): string {
  return Array.from(encodeProgram([insn]), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
