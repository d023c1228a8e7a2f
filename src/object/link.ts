import type { BtfExt } from '../btf/ext.js';
import type { Instruction } from '../isa/instruction.js';
import {
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
} from '../isa/opcodes.js';
import { type ObjectContext, objectError } from './context.js';
import type { CodeFunction } from './functions.js';
import type { Reference } from './references.js';
import type {
  CoreRelocation,
  FuncInfoRecord,
  FuncReference,
  LineInfoRecord,
  LinkedFunction,
  MapReference,
} from './types.js';

/** A program's code after linking: everything of ProgramSpec that depends on which functions were appended. */
export interface LinkedCode {
  instructions: Instruction[];
  functions: LinkedFunction[];
  mapReferences: MapReference[];
  funcReferences: FuncReference[];
  kfuncCalls: Map<number, string>;
  ksymReferences: { insn: number; name: string }[];
  funcInfo: FuncInfoRecord[];
  lineInfo: LineInfoRecord[];
  coreRelocations: CoreRelocation[];
}

/**
 * Links an entry function with the subprograms it reaches, in libbpf's order (bpf_object__reloc_code): scanning
 * the instructions, the first call or callback address naming a subprogram not yet in the program appends it and
 * scans it at once (depth first), before the scan of the caller goes on. Call and callback immediates become
 * pc-relative to the linked layout; map and global data lddws get their pseudo source (1 or 2) with imm 0 and the
 * value offset in the second slot, and are listed in `mapReferences`.
 */
export function linkProgram(
  ctx: ObjectContext,
  entry: CodeFunction,
  referencesOf: (fn: CodeFunction) => Reference[],
): LinkedCode {
  const order: CodeFunction[] = [];
  const seen = new Set<CodeFunction>();
  const visit = (fn: CodeFunction): void => {
    order.push(fn);
    seen.add(fn);
    for (const ref of referencesOf(fn)) {
      if ((ref.kind === 'call' || ref.kind === 'func') && !seen.has(ref.target)) {
        if (ref.target.entry) {
          throw objectError(
            ctx,
            fn.section,
            (fn.sectionSlot + fn.slotOf[ref.insn]!) * 8,
            `calls entry program '${ref.target.name}'`,
          );
        }
        visit(ref.target);
      }
    }
  };
  visit(entry);

  // Layout: slot and instruction base of each function.
  const slotBase = new Map<CodeFunction, number>();
  const insnBase = new Map<CodeFunction, number>();
  let slots = 0;
  let count = 0;
  for (const fn of order) {
    slotBase.set(fn, slots);
    insnBase.set(fn, count);
    slots += fn.slots;
    count += fn.insns.length;
  }

  const out: LinkedCode = {
    instructions: [],
    functions: [],
    mapReferences: [],
    funcReferences: [],
    kfuncCalls: new Map(),
    ksymReferences: [],
    funcInfo: [],
    lineInfo: [],
    coreRelocations: [],
  };
  for (const fn of order) {
    const base = insnBase.get(fn)!;
    const fnSlot = slotBase.get(fn)!;
    out.functions.push({ name: fn.name, insn: base, slots: fn.slots });
    const insns = fn.insns.map((insn) => ({ ...insn }));
    for (const ref of referencesOf(fn)) {
      const insn = insns[ref.insn]!;
      const at = base + ref.insn;
      switch (ref.kind) {
        case 'call':
        case 'func': {
          const targetSlot = slotBase.get(ref.target)!;
          insn.imm = targetSlot - (fnSlot + fn.slotOf[ref.insn]!) - 1;
          if (ref.kind === 'func') {
            // clang leaves src 0; libbpf marks the lddw as a function address (BPF_PSEUDO_FUNC) before linking.
            insn.src = BPF_PSEUDO_FUNC;
            insn.nextImm = 0;
            out.funcReferences.push({ insn: at, target: insnBase.get(ref.target)! });
          }
          break;
        }
        case 'map':
          insn.src = BPF_PSEUDO_MAP_FD;
          insn.imm = 0;
          insn.nextImm = 0;
          out.mapReferences.push({ insn: at, map: ref.map, kind: 'map', offset: 0 });
          break;
        case 'value':
          insn.src = BPF_PSEUDO_MAP_VALUE;
          insn.imm = 0;
          insn.nextImm = ref.offset;
          out.mapReferences.push({ insn: at, map: ref.map, kind: 'value', offset: ref.offset });
          break;
        case 'kfunc':
          insn.src = BPF_PSEUDO_KFUNC_CALL;
          insn.imm = 0;
          insn.off = 0;
          out.kfuncCalls.set(at, ref.name);
          break;
        case 'ksym':
          insn.src = BPF_PSEUDO_BTF_ID;
          insn.imm = 0;
          insn.nextImm = 0;
          out.ksymReferences.push({ insn: at, name: ref.name });
          break;
      }
    }
    out.instructions.push(...insns);
    if (ctx.btfExt) rebaseExtInfo(ctx, ctx.btfExt, fn, base, out);
  }
  return out;
}

/**
 * Moves the .BTF.ext records of one function (byte offsets into its section) onto the linked program
 * (instruction indices), as libbpf's adjust_prog_btf_ext_info does for each appended subprogram.
 */
function rebaseExtInfo(ctx: ObjectContext, ext: BtfExt, fn: CodeFunction, base: number, out: LinkedCode): void {
  const start = fn.sectionSlot * 8;
  const end = start + fn.slots * 8;
  const index = (insnOff: number): number | undefined => {
    if (insnOff < start || insnOff >= end) return undefined;
    if (insnOff % 8 !== 0)
      throw objectError(ctx, '.BTF.ext', undefined, `${fn.section.name}+${insnOff}: not an instruction`);
    const i = fn.insnAtSlot[(insnOff - start) / 8]!;
    if (i === -1) throw objectError(ctx, '.BTF.ext', undefined, `${fn.section.name}+${insnOff}: inside an lddw`);
    return base + i;
  };
  const name = fn.section.name;
  for (const sec of ext.funcInfo) {
    if (sec.section !== name) continue;
    for (const r of sec.records) {
      const insn = index(r.insnOff);
      if (insn !== undefined) out.funcInfo.push({ insn, typeId: r.typeId });
    }
  }
  for (const sec of ext.lineInfo) {
    if (sec.section !== name) continue;
    for (const r of sec.records) {
      const insn = index(r.insnOff);
      if (insn !== undefined) {
        out.lineInfo.push({ insn, fileName: r.fileName, line: r.line, lineNumber: r.lineNumber, column: r.column });
      }
    }
  }
  for (const sec of ext.coreRelos) {
    if (sec.section !== name) continue;
    for (const r of sec.records) {
      const insn = index(r.insnOff);
      if (insn !== undefined) {
        out.coreRelocations.push({ insn, typeId: r.typeId, accessString: r.accessStr, kind: r.kind });
      }
    }
  }
}
