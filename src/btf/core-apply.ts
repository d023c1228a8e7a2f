/**
 * Applying every CO-RE relocation of a program (libbpf's bpf_object__relocate_core for one program): resolve each
 * against the target BTF, patch its instruction, poison what the target lacks, and report it all.
 */

import { InputError } from '../errors.js';
import type { Btf } from './btf.js';
import { CoreCandidateCache } from './core-candidates.js';
import { CoreRelocationError } from './core-errors.js';
import { coreReloKindName } from './core-kinds.js';
import { type CoreInstruction, patchCoreInstruction, poisonInstruction } from './core-patch.js';
import { type CoreResolution, resolveCoreRelocation } from './core-resolve.js';
import { formatCoreSpec } from './core-spec.js';

/** A CO-RE relocation of a linked program (the object module's `CoreRelocation`). */
export interface CoreProgramRelocation {
  /** Instruction index (not slot) in `instructions`. */
  insn: number;
  typeId: number;
  accessString: string;
  kind: number;
}

/**
 * What `applyCoreRelocations` needs of a program: the object module's `ProgramSpec` fits. Inserting the second
 * poison slot of an lddw moves later instructions up by one index, so every index-bearing list is adjusted too.
 */
export interface CoreProgram {
  name: string;
  instructions: CoreInstruction[];
  coreRelocations: CoreProgramRelocation[];
  mapReferences?: { insn: number }[];
  funcReferences?: { insn: number; target: number }[];
  kfuncCalls?: Map<number, string>;
  funcInfo?: { insn: number }[];
  lineInfo?: { insn: number }[];
}

/** One relocation's outcome. Values are u64 as libbpf computes them. */
export interface CoreRelocationReport {
  program: string;
  /** Index among the program's CO-RE relocations. */
  relo: number;
  /** Instruction index after patching (poisoned lddws take two instructions). */
  insn: number;
  /** Slot offset (pc) of the instruction: what the verifier and llvm-objdump number it by. */
  pc: number;
  kind: number;
  /** `byte_off`, `byte_sz`, `field_exists`, `signed`, `lshift_u64`, `rshift_u64`, `local_type_id`, ... */
  kindName: string;
  /** The access as C writes it: `task_struct.pid`, `task_struct.comm[3]`, `pid_type::PIDTYPE_TGID`. */
  access: string;
  accessString: string;
  localTypeId: number;
  /** libbpf's rendering of the local spec, e.g. `<byte_off> [5] struct task_struct.pid (0:92 @ offset 1264)`. */
  localSpec: string;
  /** The target type it resolved to, when a candidate matched. */
  targetTypeId?: number;
  /** libbpf's rendering of the target spec, e.g. `<byte_off> [114] struct task_struct.pid (0:92 @ offset 1264)`. */
  targetSpec?: string;
  localValue: bigint;
  targetValue: bigint;
  poisoned: boolean;
  /** Why it was poisoned. */
  reason?: string;
}

export interface CoreReport {
  program: string;
  relocations: CoreRelocationReport[];
  /** How many relocations poisoned their instruction. */
  poisoned: number;
}

export interface ApplyCoreOptions {
  /** Shared candidate lists; pass one cache for all programs of an object (as libbpf does). */
  cache?: CoreCandidateCache;
}

/**
 * Applies `program.coreRelocations` against `targetBtf` in place: ALU immediates, load/store offsets (and sizes)
 * and lddw constants get the target's values; a relocation whose field, type or enumerator is missing turns its
 * instruction into `call 0xbad2310` (both slots of an lddw) so the verifier rejects it if it is reachable.
 * Throws `CoreRelocationError` where libbpf fails the load (ambiguity, malformed records, unexpected instructions).
 */
export function applyCoreRelocations(
  program: CoreProgram,
  localBtf: Btf,
  targetBtf: Btf,
  options: ApplyCoreOptions = {},
): CoreReport {
  const cache = options.cache ?? new CoreCandidateCache(targetBtf);
  const insns = program.instructions;
  const pcs = slotOffsets(insns);
  const reports: CoreRelocationReport[] = [];
  const splits: number[] = [];

  program.coreRelocations.forEach((relo, index) => {
    const context = { program: program.name, relo: index, insn: relo.insn, kindName: coreReloKindName(relo.kind) };
    const insn = insns[relo.insn];
    if (!Number.isInteger(relo.insn) || insn === undefined) {
      throw new CoreRelocationError(
        { ...context, access: relo.accessString },
        `instruction ${relo.insn} is outside the program (${insns.length} instructions)`,
      );
    }
    const res = resolveCoreRelocation(relo, localBtf, targetBtf, { cache, context });
    let outcome: ReturnType<typeof patchCoreInstruction>;
    try {
      outcome = patchCoreInstruction(insn, res);
    } catch (err) {
      if (err instanceof InputError) throw new CoreRelocationError({ ...context, access: res.access }, err.message);
      throw err;
    }
    if (outcome.poisonSecondSlot) splits.push(relo.insn);
    reports.push(report(program.name, index, relo, pcs[relo.insn]!, res, outcome.poisoned, outcome.reason));
  });

  if (splits.length > 0) insertSecondPoisonSlots(program, splits);
  for (const r of reports) r.insn = shifted(r.insn, splits);
  return { program: program.name, relocations: reports, poisoned: reports.filter((r) => r.poisoned).length };
}

function report(
  program: string,
  index: number,
  relo: CoreProgramRelocation,
  pc: number,
  res: CoreResolution,
  poisoned: boolean,
  reason: string | undefined,
): CoreRelocationReport {
  const out: CoreRelocationReport = {
    program,
    relo: index,
    insn: relo.insn,
    pc,
    kind: relo.kind,
    kindName: res.kindName,
    access: res.access,
    accessString: relo.accessString,
    localTypeId: relo.typeId,
    localSpec: formatCoreSpec(res.localSpec),
    localValue: res.origValue,
    targetValue: res.newValue,
    poisoned,
  };
  if (res.targetSpec) {
    out.targetTypeId = res.targetSpec.rootTypeId;
    out.targetSpec = formatCoreSpec(res.targetSpec);
  }
  if (reason !== undefined) out.reason = reason;
  return out;
}

/** Slot offset of each instruction: an lddw fills two 8-byte slots. */
function slotOffsets(insns: readonly CoreInstruction[]): number[] {
  const out: number[] = [];
  let pc = 0;
  for (const insn of insns) {
    out.push(pc);
    pc += insn.opcode === 0x18 ? 2 : 1;
  }
  return out;
}

/** The index an instruction originally at `index` has once a poison slot follows each lddw in `splits`. */
function shifted(index: number, splits: readonly number[]): number {
  let n = index;
  for (const s of splits) if (s < index) n++;
  return n;
}

/** Inserts `call 0xbad2310` after each poisoned lddw and moves every later index in the program along. */
function insertSecondPoisonSlots(program: CoreProgram, splits: number[]): void {
  const sorted = [...new Set(splits)].sort((a, b) => b - a);
  for (const at of sorted) program.instructions.splice(at + 1, 0, poisonInstruction());
  const move = (i: number): number => shifted(i, sorted);
  for (const r of program.coreRelocations) r.insn = move(r.insn);
  for (const r of program.mapReferences ?? []) r.insn = move(r.insn);
  for (const r of program.funcInfo ?? []) r.insn = move(r.insn);
  for (const r of program.lineInfo ?? []) r.insn = move(r.insn);
  for (const r of program.funcReferences ?? []) {
    r.insn = move(r.insn);
    r.target = move(r.target);
  }
  if (program.kfuncCalls && program.kfuncCalls.size > 0) {
    const entries = [...program.kfuncCalls];
    program.kfuncCalls.clear();
    for (const [i, name] of entries) program.kfuncCalls.set(move(i), name);
  }
}

/** One line per relocation, for people: `read_task insn 2 byte_off task_struct.pid 1264 -> 1264`. */
export function formatCoreReport(report: CoreReport): string {
  return report.relocations
    .map((r) => {
      const outcome = r.poisoned ? `poisoned (${r.reason ?? 'unresolved'})` : `${r.localValue} -> ${r.targetValue}`;
      return `${r.program} insn ${r.insn} ${r.kindName} ${r.access} ${outcome}`;
    })
    .join('\n');
}
