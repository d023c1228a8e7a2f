/**
 * One instruction of the abstract interpretation (the body of do_check): checks it in the current state,
 * updates the state and says where execution goes next (one pc, a fork, or the end of the path).
 */

import { formOf, type InsnForm } from '../isa/forms.js';
import {
  BPF_CMPXCHG,
  BPF_FETCH,
  BPF_JEQ,
  BPF_JNE,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  lddwValue,
} from '../isa/index.js';
import type { Instruction } from '../isa/instruction.js';
import { fieldProblem } from '../isa/validate.js';
import { MapType } from '../maps/types.js';
import { checkAlu, checkWritable, readReg, setReg } from './alu.js';
import { branchTaken, markPtrOrNull, matchPktPointers, refineScalars, revOpcode, syncLinked } from './branch.js';
import { checkHelperCall, enterSubprog, leaveSubprog } from './call.js';
import { type Env, notModelled, reject } from './env.js';
import { checkCtxPointerOffset, checkMemAccess, leaks } from './mem.js';
import { constReg, isPktAny, notInit, ptrReg, type Reg, regTypeName, scalarReg } from './reg.js';
import { knownScalar, S64_MAX, S64_MIN, unknownScalar, zext32 } from './scalar.js';
import { copyState, curFrame, recordBranch, type VerifierState } from './state.js';

export type StepResult = { next: number; fork?: { pc: number; state: VerifierState } } | { next: 'end' };

/** The kernel's message for an instruction that is no valid form or misuses a field. */
function invalidInsnMessage(insn: Instruction, form: InsnForm | undefined, problem: string | undefined): string {
  const cls = insn.opcode & 7;
  const op = insn.opcode & 0xf0;
  if (problem?.startsWith('invalid destination register') || problem?.startsWith('invalid source register')) {
    const reg = /r(\d+)/.exec(problem)?.[1];
    return `R${reg} is invalid`;
  }
  switch (cls) {
    case 4:
    case 7:
      if (!form && op > 0xd0) return `invalid BPF_ALU opcode ${op.toString(16)}`;
      if (op === 0x80) return 'BPF_NEG uses reserved fields';
      if (op === 0xd0) return 'BPF_END uses reserved fields';
      if (op === 0xb0) return 'BPF_MOV uses reserved fields';
      return 'BPF_ALU uses reserved fields';
    case 5:
    case 6:
      if (op === 0x90) return 'BPF_EXIT uses reserved fields';
      if (op === 0x80) return 'BPF_CALL uses reserved fields';
      if (op === 0x00) return 'BPF_JA uses reserved fields';
      if (!form && op > 0xd0) return `invalid BPF_JMP/JMP32 opcode ${op.toString(16)}`;
      return 'BPF_JMP/JMP32 uses reserved fields';
    case 1:
      return 'BPF_LDX uses reserved fields';
    case 2:
      return 'BPF_ST uses reserved fields';
    case 3:
      return form
        ? 'BPF_STX uses reserved fields'
        : `BPF_ATOMIC uses invalid atomic opcode ${insn.imm.toString(16).padStart(2, '0')}`;
    default:
      if ((insn.opcode & 0xe0) === 0x20 || (insn.opcode & 0xe0) === 0x40)
        return 'BPF_LD_[ABS|IND] uses reserved fields';
      return 'invalid BPF_LD_IMM insn';
  }
}

export function step(env: Env, pc: number): StepResult {
  const insn = env.layout.at[pc];
  if (!insn) reject(env, 'invalid BPF_LD_IMM insn', [], 'a jump lands in the middle of a 16-byte `lddw`');
  env.insn = insn;
  const form = formOf(insn);
  const problem = form ? fieldProblem(form, insn) : 'unknown';
  if (!form || problem)
    reject(
      env,
      invalidInsnMessage(insn, form, problem),
      [],
      problem ? `the instruction is malformed: ${problem}` : undefined,
    );
  const next = pc + (form.kind === 'lddw' ? 2 : 1);
  switch (form.kind) {
    case 'alu':
    case 'neg':
    case 'end':
    case 'movsx':
      checkAlu(env, insn, form);
      return { next };
    case 'ldx': {
      readReg(env, insn.src);
      checkWritable(env, insn.dst);
      const value = checkMemAccess(env, insn.src, insn.off, form.size, false, undefined, form.signed);
      setReg(env, insn.dst, value ?? scalarReg());
      return { next };
    }
    case 'st': {
      readReg(env, insn.dst);
      checkMemAccess(env, insn.dst, insn.off, form.size, true, { imm: insn.imm });
      return { next };
    }
    case 'stx': {
      const src = readReg(env, insn.src);
      readReg(env, insn.dst);
      checkMemAccess(env, insn.dst, insn.off, form.size, true, { reg: src, regno: insn.src });
      return { next };
    }
    case 'atomic':
      checkAtomic(env, insn, form);
      return { next };
    case 'lddw':
      checkWritable(env, insn.dst);
      setReg(env, insn.dst, lddwReg(env, insn, pc));
      return { next };
    case 'ja':
      return { next: pc + insn.off + 1 };
    case 'ja32':
      return { next: pc + insn.imm + 1 };
    case 'jcond':
      return condJump(env, insn, form, pc);
    case 'call':
      checkHelperCall(env, insn);
      return { next };
    case 'call_local':
      return { next: enterSubprog(env, insn) };
    case 'call_kfunc':
      reject(
        env,
        'calling kernel functions is not supported without BTF',
        [],
        "kfuncs need the program's BTF; load it from an ELF object",
      );
      break;
    case 'callx':
      reject(env, 'unknown opcode 8d', [], 'indirect calls (callx) are not supported by the kernel verifier');
      break;
    case 'exit':
      if (env.state.frames.length > 1) return { next: leaveSubprog(env) };
      checkExit(env);
      return { next: 'end' };
    case 'ld_abs':
    case 'ld_ind': {
      const fork = checkLdAbs(env, insn, form);
      return fork ? { next, fork } : { next };
    }
  }
  return { next };
}

function lddwReg(env: Env, insn: Instruction, pc: number): Reg {
  switch (insn.src) {
    case 0:
      return constReg(lddwValue(insn));
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX:
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE: {
      const index = insn.imm;
      const literalFd = insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE;
      const map = literalFd && !env.mapFdsAreIndexes ? undefined : env.maps[index];
      if (!map)
        reject(
          env,
          `fd ${index} is not pointing to valid bpf_map`,
          [],
          literalFd && !env.mapFdsAreIndexes
            ? 'the object refers to a map by a literal fd; refer to a map defined in the object (a .maps variable) instead'
            : `the program has ${env.maps.length} map(s); map references are indexes into them`,
        );
      if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_IDX) return ptrReg('map_ptr', { map: index });
      const off = (insn.nextImm ?? 0) >>> 0;
      if (map.type !== MapType.ARRAY || map.maxEntries !== 1)
        reject(env, 'no direct value access support for this map type');
      if (off >= map.valueSize)
        reject(env, `invalid access to map value pointer, value_size=${map.valueSize} off=${off}`);
      return ptrReg('map_value', { map: index, off });
    }
    case BPF_PSEUDO_FUNC: {
      const target = pc + insn.imm + 1;
      return ptrReg('func', { subprog: env.layout.subprogs.indexOf(target) });
    }
    case BPF_PSEUDO_BTF_ID:
      // a __ksym: the loader resolves it against the running kernel (an address, or a typed kernel variable)
      return notModelled(
        env,
        'kernel symbol loads (__ksym, BPF_PSEUDO_BTF_ID) are not modelled by tsbpf',
        'the kernel backend resolves and verifies them (tsbpf attach, or a load as root)',
      );
    default:
      reject(env, 'invalid bpf_ld_imm64 insn');
  }
}

function checkExit(env: Env): void {
  const st = env.state;
  if (st.refs.length) {
    const ref = st.refs[0]!;
    reject(
      env,
      `Unreleased reference id=${ref.id} alloc_insn=${ref.insn}\nBPF_EXIT instruction in main prog would lead to reference leak`,
      [],
      `the record reserved at insn ${ref.insn} must be passed to bpf_ringbuf_submit or bpf_ringbuf_discard on every path`,
    );
  }
  const r0 = readReg(env, 0);
  if (leaks(env, r0)) reject(env, 'R0 leaks addr as return value', [0], 'return a number, not a pointer');
  const range = env.prog.retRange;
  if (!range) return;
  if (r0.type !== 'scalar') {
    reject(
      env,
      `At program exit the register R0 is not a known value (${regTypeName(r0)})`,
      [0],
      `return a number in [${range[0]}, ${range[1]}]`,
    );
  }
  const s = r0.s;
  if (s.smin < BigInt(range[0]) || s.smax > BigInt(range[1])) {
    let text = 'At program exit the register R0 has';
    if (s.smin > S64_MIN) text += ` smin=${s.smin}`;
    if (s.smax < S64_MAX) text += ` smax=${s.smax}`;
    if (s.smin === S64_MIN && s.smax === S64_MAX) text += ' unknown scalar value';
    text += ` should have been in [${range[0]}, ${range[1]}]`;
    reject(
      env,
      text,
      [0],
      `${env.prog.name} programs must return a value in [${range[0]}, ${range[1]}]; set r0 accordingly before exit`,
    );
  }
}

/**
 * LD_ABS/LD_IND. A load past the packet's end returns 0 from the current function (the hidden exit the kernel
 * emits); in a subprogram that is a second path, returned here as a fork: back in the caller with r0 = 0.
 */
function checkLdAbs(env: Env, insn: Instruction, form: InsnForm): { pc: number; state: VerifierState } | undefined {
  const t = env.prog.name;
  if (t !== 'socket_filter' && t !== 'sched_cls' && t !== 'sched_act') {
    reject(
      env,
      'BPF_LD_[ABS|IND] instructions not allowed for this program type',
      [],
      'read the packet through data/data_end pointers instead',
    );
  }
  if (form.size === 8) reject(env, 'BPF_LD_[ABS|IND] uses reserved fields');
  readReg(env, 6);
  if (env.state.refs.length) reject(env, 'BPF_LD_[ABS|IND] cannot be mixed with socket references');
  const r6 = curFrame(env.state).regs[6]!;
  if (r6.type !== 'ctx')
    reject(
      env,
      'at the time of BPF_LD_ABS|IND R6 != pointer to skb',
      [6],
      'keep the context pointer in r6 (`r6 = r1`) for legacy packet loads',
    );
  if (form.kind === 'ld_ind') readReg(env, insn.src);
  checkCtxPointerOffset(env, 6, r6);
  const regs = curFrame(env.state).regs;
  for (let r = 1; r <= 5; r++) regs[r] = notInit();
  const s = unknownScalar();
  zext32(s);
  regs[0] = scalarReg(s);
  if (env.state.frames.length === 1) return undefined;
  const loaded = env.state;
  const failed = copyState(loaded);
  curFrame(failed).regs[0] = constReg(0n);
  env.state = failed;
  try {
    return { pc: leaveSubprog(env), state: failed };
  } finally {
    env.state = loaded;
  }
}

function checkAtomic(env: Env, insn: Instruction, form: InsnForm): void {
  if (form.size !== 4 && form.size !== 8) reject(env, 'invalid atomic operand size');
  const src = readReg(env, insn.src);
  readReg(env, insn.dst);
  const cmpxchg = form.op === BPF_CMPXCHG;
  if (cmpxchg) {
    const r0 = readReg(env, 0);
    if (leaks(env, r0)) reject(env, 'R0 leaks addr into mem', [0]);
  }
  if (leaks(env, src)) reject(env, `R${insn.src} leaks addr into mem`, [insn.src]);
  const dst = curFrame(env.state).regs[insn.dst]!;
  if (
    dst.type === 'ctx' ||
    dst.type === 'pkt' ||
    dst.type === 'pkt_meta' ||
    dst.type === 'sock' ||
    dst.type === 'sock_common'
  ) {
    reject(
      env,
      `BPF_ATOMIC stores into R${insn.dst} ${regTypeName(dst)} is not allowed`,
      [insn.dst],
      'atomics work on the stack and on map values',
    );
  }
  const fetch = (form.op & BPF_FETCH) !== 0;
  // Atomics are always aligned (strict_alignment_once), whatever the program's flags.
  const loaded = checkMemAccess(env, insn.dst, insn.off, form.size, false, undefined, false, true);
  checkMemAccess(env, insn.dst, insn.off, form.size, true, { reg: scalarReg() }, false, true);
  if (fetch) {
    const target = cmpxchg ? 0 : insn.src;
    checkWritable(env, target);
    setReg(env, target, loaded && loaded.type === 'scalar' ? loaded : scalarReg());
  }
}

function condJump(env: Env, insn: Instruction, form: InsnForm, pc: number): StepResult {
  const jmp32 = !form.is64;
  const op = form.op;
  const dst = readReg(env, insn.dst);
  let src: Reg;
  if (form.x) {
    src = readReg(env, insn.src);
    if (!(isPktAny(dst) && isPktAny(src)) && leaks(env, src))
      reject(env, `R${insn.src} pointer comparison prohibited`, [insn.src]);
  } else {
    src = scalarReg(knownScalar(BigInt(insn.imm)));
  }
  const target = pc + insn.off + 1;
  const pred = branchTaken(dst, src, op, jmp32);
  const here = env.state;
  if (pred === 1 || pred === 0) {
    if (leaks(env, dst) && !(form.x && isPktAny(dst) && isPktAny(src)) && !(!form.x && insn.imm === 0)) {
      reject(env, `R${insn.dst} pointer comparison prohibited`, [insn.dst]);
    }
    recordBranch(here, pc, pred === 1);
    return { next: pred === 1 ? target : pc + 1 };
  }
  const other = copyState(here);
  const regsOf = (st: VerifierState): [Reg, Reg] => {
    const r = curFrame(st).regs;
    return [r[insn.dst]!, form.x ? r[insn.src]! : scalarReg(knownScalar(BigInt(insn.imm)))];
  };
  const [oDst, oSrc] = regsOf(other);
  const hDst = dst;
  const hSrc = form.x ? src : scalarReg(knownScalar(BigInt(insn.imm)));
  const takenOk = refineScalars(oDst, oSrc, op, jmp32);
  const fallOk = refineScalars(hDst, hSrc, revOpcode(op), jmp32);
  for (const [st, d, s] of [
    [other, oDst, oSrc],
    [here, hDst, hSrc],
  ] as const) {
    if (form.x && s.type === 'scalar' && s.id) syncLinked(st, s);
    if (d.type === 'scalar' && d.id) syncLinked(st, d);
  }
  if (!jmp32 && !form.x && insn.imm === 0 && (op === BPF_JEQ || op === BPF_JNE) && dst.maybeNull) {
    markPtrOrNull(here, dst.id, op === BPF_JNE);
    markPtrOrNull(other, oDst.id, op === BPF_JEQ);
  } else if (!(form.x && !jmp32 && matchPktPointers(op, hDst, hSrc, here, other, regsOf)) && leaks(env, dst)) {
    reject(env, `R${insn.dst} pointer comparison prohibited`, [insn.dst]);
  }
  recordBranch(here, pc, false);
  recordBranch(other, pc, true);
  if (!takenOk && !fallOk) return { next: 'end' };
  if (!takenOk) return { next: pc + 1 };
  if (!fallOk) {
    env.state = other;
    return { next: target, fork: undefined };
  }
  return { next: pc + 1, fork: { pc: target, state: other } };
}
