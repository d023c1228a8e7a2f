/**
 * Verifying the programs of an ELF object (ObjectSpec): the object's map references become the map indexes
 * verifyProgram understands, CO-RE relocations are applied against a target BTF (the running kernel's, which the
 * caller reads), and BTF line info becomes the source line of each instruction so rejections can quote it.
 */
import type { Btf } from '../btf/btf.js';
import { applyCoreRelocations, CoreCandidateCache } from '../btf/core.js';
import { BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from '../isa/index.js';
import { type Instruction, slotIndexes } from '../isa/instruction.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from '../object/types.js';
import { BtfKind } from '../btf/kinds.js';
import type { SubprogBtf } from './abnormal-return.js';
import type { MapInfo } from './env.js';

/** The kinds btf_type_skip_modifiers looks through. */
const MODIFIERS: ReadonlySet<number> = new Set([
  BtfKind.Typedef,
  BtfKind.Volatile,
  BtfKind.Const,
  BtfKind.Restrict,
  BtfKind.TypeTag,
]);

/** BPF_F_RDONLY_PROG: the program may read the map's values but not write them. */
const BPF_F_RDONLY_PROG = 1 << 7;
import { progTypeFromSection } from './prog-types.js';
import { type VerifyResult, verifyProgram } from './verify.js';

export interface ObjectVerifyOptions {
  unprivileged?: boolean;
  logLevel?: 0 | 1 | 2;
  /** BTF to resolve CO-RE relocations against (the running kernel's); the object's own BTF when absent. */
  targetBtf?: Btf;
  /** Load-time prog_flags (BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT), as verifyProgram takes them. */
  progFlags?: number;
  /** Shared CO-RE candidate lists for all programs of one object (built on first use). */
  coreCache?: CoreCandidateCache;
}

/** What verifyProgram needs for one program of an object. */
export interface PreparedProgram {
  insns: Instruction[];
  maps: MapInfo[];
  btfLineInfo: { insn: number; line: string }[];
  /** BTF func info of the program's functions (undefined when the object has none, as without -g). */
  funcInfo?: SubprogBtf[];
  /** Program type for verifyProgram: the section name when tsbpf knows it, else libbpf's type name. */
  progType: string;
}

export interface ObjectProgramVerdict extends VerifyResult {
  name: string;
  section: string;
  /** Wall-clock time of the verification itself (preparation and CO-RE excluded). */
  durationNs: number;
}

/**
 * MapInfo for each map of the object, in `spec.maps` order (their index is what lddw imm carries), followed by
 * the inner map templates of map-in-maps (which a lookup in the outer map yields).
 */
export function objectMapInfos(spec: ObjectSpec): MapInfo[] {
  const info = (m: MapSpec): MapInfo => ({
    type: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    name: m.name,
    // Global data the program may not write (`.rodata`, `.kconfig`) is BPF_F_RDONLY_PROG for the verifier.
    flags: m.flags | (m.readOnly ? BPF_F_RDONLY_PROG : 0),
  });
  const infos = spec.maps.map(info);
  spec.maps.forEach((m, i) => {
    if (!m.inner) return;
    infos[i]!.inner = infos.length;
    infos.push({ ...info(m.inner), name: `${m.name}.inner` });
  });
  return infos;
}

/**
 * Applies CO-RE, then rewrites map references to BPF_PSEUDO_MAP_IDX(_VALUE) with the map's index in
 * `spec.maps` (the offset into the value in the second half of the lddw), and maps line info to slots.
 */
export function prepareObjectProgram(
  spec: ObjectSpec,
  program: ProgramSpec,
  options: ObjectVerifyOptions = {},
): PreparedProgram {
  const p = program.coreRelocations.length && spec.btf ? relocated(spec, program, options) : program;
  const insns = p.instructions.map((insn) => ({ ...insn }));
  const index = new Map(spec.maps.map((m, i) => [m.name, i]));
  for (const ref of p.mapReferences) {
    const insn = insns[ref.insn];
    const mapIndex = index.get(ref.map);
    if (!insn || mapIndex === undefined) continue;
    insn.src = ref.kind === 'map' ? BPF_PSEUDO_MAP_IDX : BPF_PSEUDO_MAP_IDX_VALUE;
    insn.imm = mapIndex;
    if (ref.kind === 'value') insn.nextImm = ref.offset;
  }
  const slots = slotIndexes(insns);
  const btfLineInfo = p.lineInfo
    .filter((l) => slots[l.insn] !== undefined)
    .map((l) => ({ insn: slots[l.insn]!, line: `${l.fileName}:${l.lineNumber}: ${l.line.trim()}` }));
  const progType = progTypeFromSection(p.section) ? p.section : p.typeName;
  const funcInfo =
    spec.btf && p.funcInfo.length
      ? p.funcInfo
          .filter((f) => slots[f.insn] !== undefined)
          .map((f) => ({ insn: slots[f.insn]!, returnsScalar: returnsScalar(spec.btf!, f.typeId) }))
      : undefined;
  return { insns, maps: objectMapInfos(spec), btfLineInfo, funcInfo, progType };
}

/** Whether the FUNC `id` returns an integer of at most 8 bytes or an enum, modifiers skipped (check_btf_func). */
function returnsScalar(btf: Btf, id: number): boolean {
  try {
    const func = btf.type(id);
    if (func.kind !== BtfKind.Func) return false;
    const proto = btf.type(func.type);
    if (proto.kind !== BtfKind.FuncProto) return false;
    let t = btf.type(proto.returnType);
    for (let hops = 0; MODIFIERS.has(t.kind) && 'type' in t && hops < 32; hops++) t = btf.type(t.type);
    return (t.kind === BtfKind.Int && t.size <= 8) || t.kind === BtfKind.Enum || t.kind === BtfKind.Enum64;
  } catch {
    return false;
  }
}

function relocated(spec: ObjectSpec, program: ProgramSpec, options: ObjectVerifyOptions): ProgramSpec {
  const copy: ProgramSpec = {
    ...program,
    instructions: program.instructions.map((insn) => ({ ...insn })),
    mapReferences: program.mapReferences.map((ref) => ({ ...ref })),
    funcReferences: program.funcReferences.map((ref) => ({ ...ref })),
    funcInfo: program.funcInfo.map((record) => ({ ...record })),
    lineInfo: program.lineInfo.map((record) => ({ ...record })),
    coreRelocations: program.coreRelocations.map((relo) => ({ ...relo })),
  };
  const target = options.targetBtf ?? spec.btf!;
  options.coreCache ??= new CoreCandidateCache(target);
  applyCoreRelocations(copy, spec.btf!, target, { cache: options.coreCache });
  return copy;
}

/**
 * Verifies one program of an object. A program type tsbpf does not model is a rejection marked `unsupported`
 * (the kernel may well accept it), so an object with such a program never passes silently.
 */
export function verifyObjectProgram(
  spec: ObjectSpec,
  program: ProgramSpec,
  options: ObjectVerifyOptions = {},
): ObjectProgramVerdict {
  const prepared = prepareObjectProgram(spec, program, options);
  const where = { name: program.name, section: program.section };
  if (!progTypeFromSection(prepared.progType)) {
    const kernelMessage = `program type ${program.typeName} is not modelled by tsbpf`;
    return {
      ...where,
      verdict: 'rejected',
      unsupported: true,
      insn: -1,
      kernelMessage,
      message: `program\n  kernel: ${kernelMessage}\n  suggestion: verify it with the kernel backend (tsbpf attach, or load it as root)`,
      suggestion: 'verify it with the kernel backend (tsbpf attach, or load it as root)',
      regs: [],
      path: [],
      processedInsns: 0,
      log: '',
      durationNs: 0,
    };
  }
  const started = performance.now();
  const result = verifyProgram(prepared.insns, {
    progType: prepared.progType,
    maps: prepared.maps,
    unprivileged: options.unprivileged,
    logLevel: options.logLevel,
    progFlags: options.progFlags,
    funcInfo: prepared.funcInfo,
    // A map fd the object carries literally (no relocation) names no map of the object.
    mapFdsAreIndexes: false,
    btfLineInfo: prepared.btfLineInfo,
  });
  const durationNs = Math.round((performance.now() - started) * 1e6);
  return { ...where, ...result, durationNs };
}
