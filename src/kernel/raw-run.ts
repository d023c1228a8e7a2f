/**
 * Running a raw instruction sequence in the kernel, for `tsbpf run --backend kernel` and conformance runs.
 *
 * The conformance suite's programs treat r1 as a plain pointer to a memory buffer. In a kernel test run r1 is
 * the program type's context, so the choice of type decides what the program sees:
 * - BPF_PROG_TYPE_SYSCALL (default here): the context *is* an arbitrary user buffer (ctx_in, up to 64 KiB). The
 *   verifier allows any aligned load or store at a constant offset from r1 and checks at run time that the
 *   buffer is as large as the highest offset used; the kernel copies the buffer back into ctx_in after the run,
 *   so stores are visible. This is the one type where "r1 points at memory" holds without rewriting the
 *   program. Limits: SYSCALL programs must be loaded sleepable, accept no `repeat`, report no duration, and
 *   reject pointer arithmetic on r1 followed by a dereference (the kernel's rule for any context).
 * - bpf_conformance's own Linux plugin loads XDP and passes the memory as packet data, so r1 is an xdp_md and
 *   memory tests read its fields instead; we keep XDP/SOCKET_FILTER/SCHED_CLS available for packet programs
 *   (`progType`), with the memory passed as packet data.
 *
 * The kernel reports only the low 32 bits of r0. With `wide` (default), a second copy of the program is loaded
 * whose main-function exits jump to an appended `r0 >>= 32; exit`, and the two halves are combined.
 */
import { branchTarget, decodeProgram } from '../isa/decode.js';
import { encodeProgram } from '../isa/encode.js';
import { formOf } from '../isa/forms.js';
import type { Instruction } from '../isa/instruction.js';
import { LDDW_OPCODE } from '../isa/opcodes.js';
import { progLoad, progTestRun } from './bpf.js';
import { ProgFlags, ProgType, type ProgTypeName } from './constants.js';

export interface KernelRunRawOptions {
  /** Program type (default SYSCALL: r1 points at `data`). */
  progType?: number | ProgTypeName;
  /** Memory (SYSCALL) or packet data (other types). */
  data?: Uint8Array;
  /** Repetitions (ignored for SYSCALL, which the kernel runs exactly once). */
  repeat?: number;
  /** Recover all 64 bits of r0 (default true; costs a second load and run). */
  wide?: boolean;
  /** Verifier log level (default 0: the log is fetched only on rejection). */
  logLevel?: number;
}

export interface KernelRunRawResult {
  /** r0 at exit: 64 bits with `wide`, else the low 32 bits zero-extended. */
  retval: bigint;
  /** Memory (SYSCALL) or packet as the program left it. */
  data: Uint8Array;
  /** Kernel-measured ns per run (0 for SYSCALL). */
  durationNs: number;
  log: string;
}

const EXIT = 0x95;
const JA = 0x05;
const JA32 = 0x06;
const RSH64_K = 0x77;
const CALL = 0x85;
const PSEUDO_CALL = 1;
const PSEUDO_FUNC = 4;

/** Loads, test-runs and closes a program; VerifierError on rejection. */
export function kernelRunRaw(
  insns: readonly Instruction[] | Uint8Array,
  options: KernelRunRawOptions = {},
): KernelRunRawResult {
  const type =
    options.progType === undefined
      ? ProgType.SYSCALL
      : typeof options.progType === 'number'
        ? options.progType
        : ProgType[options.progType];
  const program = insns instanceof Uint8Array ? decodeProgram(insns, { validate: false }) : insns;
  const low = runOnce(encodeProgram(program), type, options);
  if (options.wide === false) return { ...low, retval: BigInt(low.retval) };
  const high = runOnce(encodeProgram(highHalfVariant(program)), type, { ...options, logLevel: 0 });
  return { ...low, retval: (BigInt(high.retval) << 32n) | BigInt(low.retval) };
}

function runOnce(insns: Uint8Array, type: number, options: KernelRunRawOptions) {
  const syscall = type === ProgType.SYSCALL;
  const { fd, log } = progLoad({
    type,
    insns,
    license: 'GPL',
    name: 'tsbpf_raw',
    logLevel: options.logLevel ?? 0,
    flags: syscall ? ProgFlags.SLEEPABLE : 0,
  });
  try {
    const data = options.data ?? new Uint8Array(0);
    const result = syscall
      ? progTestRun({ progFd: fd.fd, ctx: data, ctxInPlace: true })
      : progTestRun({ progFd: fd.fd, data, repeat: options.repeat ?? 1 });
    return { retval: result.retval, data: syscall ? result.ctx : result.data, durationNs: result.durationNs, log };
  } finally {
    fd.close();
  }
}

/**
 * The program with every exit of its main function redirected to an epilogue `r0 >>= 32; exit` placed right
 * after the main function (before the first subprogram, so the verifier sees it as part of the main function).
 * Every jump, call and function reference is re-aimed to account for the two inserted slots.
 */
export function highHalfVariant(insns: readonly Instruction[]): Instruction[] {
  const starts: number[] = [];
  let slots = 0;
  for (const insn of insns) {
    starts.push(slots);
    slots += insn.opcode === LDDW_OPCODE ? 2 : 1;
  }
  // The main function ends where the first subprogram (target of a local call or function reference) starts.
  let mainEnd = slots;
  insns.forEach((insn, i) => {
    const target = functionTarget(insn, starts[i]!);
    if (target !== undefined && target > 0 && target < mainEnd) mainEnd = target;
  });
  const moved = (slot: number) => (slot >= mainEnd ? slot + 2 : slot);
  const out: Instruction[] = [];
  let epilogueIndex = insns.length;
  insns.forEach((insn, i) => {
    const pc = starts[i]!;
    if (pc === mainEnd) epilogueIndex = out.length;
    if (pc === mainEnd) out.push(...epilogue());
    const copy = { ...insn };
    const newPc = moved(pc);
    if (insn.opcode === EXIT && pc < mainEnd) {
      out.push({ opcode: JA, dst: 0, src: 0, off: mainEnd - newPc - 1, imm: 0 });
      return;
    }
    const target = branchSlot(insn, pc);
    if (target !== undefined) {
      const delta = moved(target) - newPc - 1;
      if (usesImm(insn)) copy.imm = delta;
      else copy.off = delta;
    }
    out.push(copy);
  });
  if (epilogueIndex === insns.length) out.push(...epilogue());
  return out;
}

function epilogue(): Instruction[] {
  return [
    { opcode: RSH64_K, dst: 0, src: 0, off: 0, imm: 32 },
    { opcode: EXIT, dst: 0, src: 0, off: 0, imm: 0 },
  ];
}

/** Target slot of a local call or a function reference (ld_imm64 with BPF_PSEUDO_FUNC). */
function functionTarget(insn: Instruction, pc: number): number | undefined {
  if (insn.opcode === CALL && insn.src === PSEUDO_CALL) return pc + 1 + insn.imm;
  if (insn.opcode === LDDW_OPCODE && insn.src === PSEUDO_FUNC) return pc + 1 + insn.imm;
  return undefined;
}

/** Target slot of any jump, local call or function reference; undefined for other instructions. */
function branchSlot(insn: Instruction, pc: number): number | undefined {
  const fn = functionTarget(insn, pc);
  if (fn !== undefined) return fn;
  const form = formOf(insn);
  return form ? branchTarget(insn, form, pc) : undefined;
}

/** gotol, local calls and function references keep their offset in imm; other jumps in off. */
function usesImm(insn: Instruction): boolean {
  return insn.opcode === JA32 || insn.opcode === CALL || insn.opcode === LDDW_OPCODE;
}
