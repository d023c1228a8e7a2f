/**
 * Loading one program of a spec: the instructions are copied and linked to the live objects (lddw map references
 * get map fds, function pointers their slot offsets, kfunc calls the kernel's BTF ids), CO-RE relocations are
 * resolved against the running kernel's BTF, and the program is loaded with its func_info/line_info, attach BTF
 * id (tracing and LSM programs), kern_version (kprobes) and flags (sleepable).
 */
import type { Btf } from '../btf/btf.js';
import { applyCoreRelocations, CoreCandidateCache } from '../btf/core.js';
import { BtfKind } from '../btf/kinds.js';
import { type Instruction, slotIndexes } from '../isa/instruction.js';
import type { ProgramSpec } from '../object/types.js';
import type { BtfUpload } from './btf-upload.js';
import { AttachType, ProgFlags, ProgType } from './constants.js';
import { VerifierError } from './errors.js';
import { programExtRecords } from './ext-records.js';
import { isTypelessKsym, resolveKsym } from './ksyms.js';
import { CollectionLoadError, MissingFeatureError } from './load-errors.js';
import { KernelProgram } from './prog.js';
import { kernelVersionCode, vmlinuxBtf } from './running-kernel.js';

const PSEUDO_MAP_FD = 1;
const PSEUDO_MAP_VALUE = 2;
const PSEUDO_FUNC = 4;
const PSEUDO_KFUNC_CALL = 2;
const CALL_OPCODE = 0x85;
const LDDW_OPCODE = 0x18;

export interface ProgramLoadContext {
  objectName: string;
  mapFd: (name: string) => number | undefined;
  btf: Btf | undefined;
  upload: BtfUpload | undefined;
  btfFd: number | undefined;
  /** Candidate cache shared by the programs of one object (vmlinux lookups are the expensive part). */
  coreCache: CoreCandidateCache | undefined;
  logLevel: number;
  /** Names of weak `.ksyms` externs (missing ones read as NULL instead of failing). */
  weakKsyms?: ReadonlySet<string>;
}

/** A program as it will be loaded: its instructions linked to this process's map fds. */
export function linkInstructions(
  spec: ProgramSpec,
  mapFd: (name: string) => number | undefined,
  weakKsyms?: ReadonlySet<string>,
  /** The object's BTF: says which ksyms are typeless (resolved from /proc/kallsyms, not kernel BTF). */
  objectBtf?: Btf,
): Instruction[] {
  const insns = spec.instructions.map((insn) => ({ ...insn }));
  const where = (i: number) => `program "${spec.name}" instruction ${i}`;
  for (const ref of spec.mapReferences) {
    const insn = insns[ref.insn];
    if (!insn || insn.opcode !== LDDW_OPCODE)
      throw new CollectionLoadError(`${where(ref.insn)}: map reference is not an lddw`);
    const fd = mapFd(ref.map);
    if (fd === undefined)
      throw new CollectionLoadError(`${where(ref.insn)}: references map "${ref.map}", which is not loaded`);
    insn.src = ref.kind === 'map' ? PSEUDO_MAP_FD : PSEUDO_MAP_VALUE;
    insn.imm = fd;
    insn.nextImm = ref.kind === 'map' ? 0 : ref.offset;
  }
  if (spec.funcReferences.length > 0) {
    const slots = slotIndexes(insns);
    for (const ref of spec.funcReferences) {
      const insn = insns[ref.insn];
      const target = slots[ref.target];
      if (!insn || insn.opcode !== LDDW_OPCODE || target === undefined || ref.target >= insns.length) {
        throw new CollectionLoadError(`${where(ref.insn)}: bad function reference to instruction ${ref.target}`);
      }
      insn.src = PSEUDO_FUNC;
      insn.imm = target - slots[ref.insn]! - 1;
      insn.nextImm = 0;
    }
  }
  if (spec.kfuncCalls.size > 0) {
    const vmlinux = vmlinuxBtf();
    for (const [index, name] of spec.kfuncCalls) {
      const insn = insns[index];
      if (!insn || insn.opcode !== CALL_OPCODE)
        throw new CollectionLoadError(`${where(index)}: kfunc "${name}" is not at a call`);
      const id = vmlinux?.find(name, BtfKind.Func);
      if (id === undefined) {
        throw new CollectionLoadError(
          `program "${spec.name}" calls kfunc "${name}", which the running kernel does not have`,
        );
      }
      insn.src = PSEUDO_KFUNC_CALL;
      insn.off = 0;
      insn.imm = id;
    }
  }
  for (const ref of spec.ksymReferences ?? []) {
    const insn = insns[ref.insn];
    if (!insn || insn.opcode !== LDDW_OPCODE)
      throw new CollectionLoadError(`${where(ref.insn)}: ksym "${ref.name}" is not at an lddw`);
    const load = resolveKsym(spec.name, ref.name, {
      typeless: isTypelessKsym(objectBtf, ref.name),
      weak: weakKsyms?.has(ref.name) ?? false,
    });
    insn.src = load.src;
    insn.imm = load.imm;
    insn.nextImm = load.nextImm;
  }
  return insns;
}

/** The vmlinux BTF id a tracing/LSM/iterator program attaches to, from its target name. */
export function attachBtfId(spec: ProgramSpec): number | undefined {
  if (spec.type !== ProgType.TRACING && spec.type !== ProgType.LSM) return undefined;
  const target = spec.attachTarget;
  if (!target) throw new CollectionLoadError(`program "${spec.name}" (section ${spec.section}) names no attach target`);
  const vmlinux = vmlinuxBtf();
  if (!vmlinux)
    throw new CollectionLoadError(`program "${spec.name}" needs the kernel's BTF (/sys/kernel/btf/vmlinux)`);
  let name = target;
  let kind: number = BtfKind.Func;
  switch (spec.expectedAttachType) {
    case AttachType.TRACE_RAW_TP:
      name = `btf_trace_${target}`;
      kind = BtfKind.Typedef;
      break;
    case AttachType.LSM_MAC:
    case AttachType.LSM_CGROUP:
      name = `bpf_lsm_${target}`;
      break;
    case AttachType.TRACE_ITER:
      name = `bpf_iter_${target}`;
      break;
    default:
      break;
  }
  const id = vmlinux.find(name, kind as BtfKind);
  if (id === undefined) {
    throw new CollectionLoadError(
      `program "${spec.name}" (section ${spec.section}): the kernel has no ${name} to attach to`,
    );
  }
  return id;
}

/** Loads one program; verifier rejections keep the log and gain the program's name. */
export function loadProgram(context: ProgramLoadContext, original: ProgramSpec): KernelProgram {
  let spec = original;
  if (spec.coreRelocations.length > 0) spec = applyCore(context, spec);
  const insns = linkInstructions(spec, context.mapFd, context.weakKsyms, context.btf);
  const records = context.btfFd !== undefined ? programExtRecords(spec, context.upload) : {};
  const kernVersion = spec.kernelVersion || (spec.type === ProgType.KPROBE ? kernelVersionCode() : 0);
  try {
    return KernelProgram.load({
      type: spec.type,
      insns,
      license: spec.license || 'GPL',
      name: spec.name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15),
      logLevel: context.logLevel,
      flags: (spec.sleepable ? ProgFlags.SLEEPABLE : 0) | (spec.xdpFrags ? ProgFlags.XDP_HAS_FRAGS : 0),
      expectedAttachType: spec.expectedAttachType,
      kernVersion,
      btfFd: records.funcInfo ? context.btfFd : undefined,
      funcInfo: records.funcInfo,
      lineInfo: records.lineInfo,
      attachBtfId: attachBtfId(spec),
    });
  } catch (error) {
    if (error instanceof VerifierError) {
      throw new CollectionLoadError(`program "${spec.name}" (section ${spec.section}): ${error.message}`, {
        cause: error,
        log: error.log,
      });
    }
    let message = (error as Error).message;
    // Root gets EPERM for tracing programs only when the kernel cannot build BPF trampolines for them.
    const tracing = spec.type === ProgType.TRACING || spec.type === ProgType.LSM || spec.type === ProgType.EXT;
    if (tracing && /EPERM/.test(message) && process.getuid?.() === 0) {
      message = `${message} (as root: this kernel cannot attach BPF trampolines to ${spec.attachTarget ?? 'the target'})`;
    }
    throw new CollectionLoadError(`program "${spec.name}" (section ${spec.section}): ${message}`, { cause: error });
  }
}

function applyCore(context: ProgramLoadContext, spec: ProgramSpec): ProgramSpec {
  const where = `program "${spec.name}" has ${spec.coreRelocations.length} CO-RE relocations`;
  if (!context.btf) throw new CollectionLoadError(`${where} but the object has no BTF`);
  const target = vmlinuxBtf();
  if (!target) throw new MissingFeatureError(`${where} but the running kernel publishes no BTF`);
  // applyCoreRelocations patches in place (and may split a poisoned lddw, shifting indices): work on a copy.
  const copy: ProgramSpec = {
    ...spec,
    instructions: spec.instructions.map((insn) => ({ ...insn })),
    mapReferences: spec.mapReferences.map((ref) => ({ ...ref })),
    funcReferences: spec.funcReferences.map((ref) => ({ ...ref })),
    kfuncCalls: new Map(spec.kfuncCalls),
    funcInfo: spec.funcInfo.map((record) => ({ ...record })),
    lineInfo: spec.lineInfo.map((record) => ({ ...record })),
    coreRelocations: spec.coreRelocations.map((relo) => ({ ...relo })),
    ksymReferences: spec.ksymReferences?.map((ref) => ({ ...ref })),
  };
  context.coreCache ??= new CoreCandidateCache(target);
  try {
    applyCoreRelocations(copy, context.btf, target, { cache: context.coreCache });
  } catch (error) {
    throw new CollectionLoadError(`program "${spec.name}": CO-RE: ${(error as Error).message}`, { cause: error });
  }
  return copy;
}
