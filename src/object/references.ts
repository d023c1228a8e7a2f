import { SHF_EXECINSTR, STT_SECTION } from '../elf/constants.js';
import type { ElfRelocation } from '../elf/types.js';
import { branchTarget } from '../isa/decode.js';
import { formOf } from '../isa/forms.js';
import type { Instruction } from '../isa/instruction.js';
import {
  BPF_CALL,
  BPF_JMP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  LDDW_OPCODE,
} from '../isa/opcodes.js';
import { type ObjectContext, objectError } from './context.js';
import { isExternSymbol } from './externs.js';
import type { CodeFunction } from './functions.js';
import type { ExternSpec } from './types.js';

/** What one instruction of a function refers to, resolved (instruction indices are the function's own). */
export type Reference =
  | { kind: 'call' | 'func'; insn: number; target: CodeFunction }
  | { kind: 'map'; insn: number; map: string }
  | { kind: 'value'; insn: number; map: string; offset: number }
  | { kind: 'kfunc' | 'ksym'; insn: number; name: string };

/** How to find what a relocation's symbol names. */
export interface Resolver {
  /** The function starting at `slot` of section `shndx`. */
  functionAt(shndx: number, slot: number): CodeFunction | undefined;
  /** The map defined at byte `offset` of a maps section. */
  mapAt(shndx: number, offset: number): string | undefined;
  /** Whether a section holds map definitions (`.maps`, `maps`). */
  isMapSection(shndx: number): boolean;
  /** The global data map of a data section. */
  dataMap(shndx: number): string | undefined;
  externs: Map<string, ExternSpec>;
}

const CALL_OPCODE = BPF_JMP | BPF_CALL;

/**
 * Resolves every call, function address and lddw of a function, as libbpf's bpf_program__record_reloc and
 * bpf_object__reloc_code do:
 * - a call with a relocation targets `st_value / 8 + imm + 1` in the symbol's section (global functions have
 *   imm = -1 against their own symbol, static ones the section symbol and imm = offset); without one, a pc-relative
 *   call inside the same section;
 * - an lddw src=4 (callback) targets `(st_value + imm) / 8`;
 * - an lddw against `.maps`/`maps` is the map at the symbol's offset; against a data section it is a pointer into
 *   that section's map at `st_value + imm`;
 * - a relocation against an extern is a kfunc call, a `.kconfig` value or a `.ksyms` variable.
 * Also checks that every jump lands inside the function.
 */
export function resolveReferences(ctx: ObjectContext, fn: CodeFunction, resolver: Resolver): Reference[] {
  const refs: Reference[] = [];
  const fail = (slot: number, detail: string): never => {
    throw objectError(ctx, fn.section, (fn.sectionSlot + slot) * 8, `function '${fn.name}': ${detail}`);
  };
  fn.insns.forEach((insn, i) => {
    const slot = fn.slotOf[i]!;
    const reloc = fn.relocations.get(slot);
    const isCall = insn.opcode === CALL_OPCODE;
    const isLddw = insn.opcode === LDDW_OPCODE;
    if (!isCall && !isLddw) {
      if (reloc) fail(slot, `relocation against '${reloc.symbol.name}' on an instruction that takes none`);
      checkJump(insn, slot, fn, fail);
      return;
    }
    if (isCall) {
      const ref = resolveCall(insn, i, slot, reloc, fn, resolver, fail);
      if (ref) refs.push(ref);
      return;
    }
    if (!reloc) {
      if (insn.src === BPF_PSEUDO_FUNC) fail(slot, 'callback address (lddw src=4) without a relocation');
      return;
    }
    refs.push(resolveLddw(insn, i, slot, reloc, ctx, resolver, fail));
  });
  return refs;
}

function checkJump(insn: Instruction, slot: number, fn: CodeFunction, fail: (slot: number, d: string) => never): void {
  const form = formOf(insn);
  if (!form || form.kind === 'call_local') return;
  const target = branchTarget(insn, form, slot);
  if (target === undefined) return;
  if (target < 0 || target >= fn.slots) fail(slot, `jump to slot ${target} leaves the function`);
  if (fn.insnAtSlot[target] === -1) fail(slot, `jump to slot ${target} lands inside an lddw`);
}

function resolveCall(
  insn: Instruction,
  i: number,
  slot: number,
  reloc: ElfRelocation | undefined,
  fn: CodeFunction,
  resolver: Resolver,
  fail: (slot: number, d: string) => never,
): Reference | undefined {
  if (reloc && isExternSymbol(reloc.symbol)) {
    const ext = resolver.externs.get(reloc.symbol.name);
    if (ext?.kind !== 'ksym') fail(slot, `call to extern '${reloc.symbol.name}' that is not a kernel function`);
    return { kind: 'kfunc', insn: i, name: reloc.symbol.name };
  }
  if (insn.src === BPF_PSEUDO_KFUNC_CALL) fail(slot, 'kfunc call without a relocation naming the function');
  if (insn.src !== BPF_PSEUDO_CALL) {
    if (reloc) fail(slot, `relocation against '${reloc.symbol.name}' on a helper call`);
    return undefined;
  }
  let shndx: number;
  let targetSlot: number;
  if (reloc) {
    const s = reloc.symbol;
    if (s.value % 8 !== 0) fail(slot, `call target '${s.name}' is not instruction aligned`);
    shndx = s.shndx;
    targetSlot = s.value / 8 + insn.imm + 1;
  } else {
    shndx = fn.section.index;
    targetSlot = fn.sectionSlot + slot + insn.imm + 1;
  }
  const target = resolver.functionAt(shndx, targetSlot);
  if (!target) fail(slot, `call to slot ${targetSlot} of section #${shndx}, where no function starts`);
  return { kind: 'call', insn: i, target: target! };
}

function resolveLddw(
  insn: Instruction,
  i: number,
  slot: number,
  reloc: ElfRelocation,
  ctx: ObjectContext,
  resolver: Resolver,
  fail: (slot: number, d: string) => never,
): Reference {
  const s = reloc.symbol;
  if (isExternSymbol(s)) {
    const ext = resolver.externs.get(s.name);
    if (!ext) return fail(slot, `extern '${s.name}' is unknown`);
    if (ext.kind === 'kconfig') return { kind: 'value', insn: i, map: '.kconfig', offset: ext.offset ?? 0 };
    return { kind: 'ksym', insn: i, name: s.name };
  }
  const section = s.shndx > 0 && s.shndx < ctx.elf.sections.length ? ctx.elf.sections[s.shndx] : undefined;
  if (!section) return fail(slot, `relocation against '${s.name}' in special section 0x${s.shndx.toString(16)}`);
  if (insn.src === BPF_PSEUDO_FUNC || (section.flags & SHF_EXECINSTR) !== 0) {
    const offset = s.value + insn.imm;
    if (offset % 8 !== 0) fail(slot, `function address ${offset} is not instruction aligned`);
    const target = resolver.functionAt(s.shndx, offset / 8);
    if (!target) fail(slot, `function address ${offset} in ${section.name} is not the start of a function`);
    return { kind: 'func', insn: i, target: target! };
  }
  if (insn.src !== 0) fail(slot, `relocation against '${s.name}' on an lddw with src ${insn.src}`);
  if (resolver.isMapSection(s.shndx)) {
    const offset = s.value + (s.type === STT_SECTION ? insn.imm : 0);
    const map = resolver.mapAt(s.shndx, offset);
    if (map === undefined) fail(slot, `no map at offset ${offset} of ${section.name}`);
    return { kind: 'map', insn: i, map: map! };
  }
  const map = resolver.dataMap(s.shndx);
  if (map === undefined)
    return fail(slot, `relocation against '${s.name}' in section ${section.name}, which is no map`);
  return { kind: 'value', insn: i, map, offset: s.value + insn.imm };
}
