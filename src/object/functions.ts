import { STB_LOCAL, STT_FUNC } from '../elf/constants.js';
import { relocationsFor } from '../elf/query.js';
import type { ElfRelocation, ElfSection, ElfSymbol } from '../elf/types.js';
import { checkInstruction, readSlot } from '../isa/decode.js';
import { IsaError } from '../isa/errors.js';
import type { Instruction } from '../isa/instruction.js';
import { LDDW_OPCODE } from '../isa/opcodes.js';
import { type ObjectContext, objectError } from './context.js';
import { isCodeSection, TEXT_SECTION } from './sections.js';

/**
 * One function of a code section: an entry program (a function in a SEC() section) or a subprogram (in `.text`).
 * Instructions are decoded; `slotOf` maps instruction index to its slot inside the function and `insnAtSlot` back
 * (-1 for the second slot of an lddw). Relocations are keyed by slot inside the function.
 */
export interface CodeFunction {
  name: string;
  section: ElfSection;
  symbol: ElfSymbol;
  /** First slot of the function in its section. */
  sectionSlot: number;
  slots: number;
  insns: Instruction[];
  slotOf: number[];
  insnAtSlot: Int32Array;
  relocations: Map<number, ElfRelocation>;
  /** A function of a SEC() section (not `.text`). */
  entry: boolean;
}

/**
 * Splits every code section into functions by its STT_FUNC symbols, as libbpf does: a function spans
 * [st_value, st_value + st_size) (to the next function when st_size is 0, as hand-written assembly leaves it).
 * Functions are ordered by section index then offset, libbpf's program order.
 */
export function collectFunctions(ctx: ObjectContext): CodeFunction[] {
  const out: CodeFunction[] = [];
  for (const section of ctx.elf.sections) {
    if (!isCodeSection(section)) continue;
    const symbols = ctx.elf.symbols
      .filter((s) => s.index !== 0 && s.shndx === section.index && s.type === STT_FUNC)
      .sort((a, b) => a.value - b.value);
    const relocations = relocationsFor(ctx.elf, section);
    const bySlot = new Map<number, ElfRelocation>();
    for (const r of relocations) {
      if (r.type === 0) continue; // R_BPF_NONE
      if (r.offset % 8 !== 0) throw objectError(ctx, section, r.offset, 'relocation not on an instruction boundary');
      if (bySlot.has(r.offset / 8)) throw objectError(ctx, section, r.offset, 'two relocations for one instruction');
      bySlot.set(r.offset / 8, r);
    }
    const entry = section.name !== TEXT_SECTION;
    for (let i = 0; i < symbols.length; i++) {
      const symbol = symbols[i]!;
      if (entry && symbol.bind === STB_LOCAL) {
        throw objectError(ctx, section, symbol.value, `program '${symbol.name}' is static (libbpf refuses it)`);
      }
      const next = symbols[i + 1];
      const end = symbol.size > 0 ? symbol.value + symbol.size : next ? next.value : section.size;
      if (symbol.value % 8 !== 0 || end % 8 !== 0 || end <= symbol.value) {
        throw objectError(
          ctx,
          section,
          symbol.value,
          `function '${symbol.name}' is not a whole number of instructions`,
        );
      }
      if (end > section.size) {
        throw objectError(ctx, section, symbol.value, `function '${symbol.name}' crosses the end of the section`);
      }
      if (next && next.value < end) {
        throw objectError(ctx, section, next.value, `function '${next.name}' overlaps '${symbol.name}'`);
      }
      out.push(decodeFunction(ctx, section, symbol, end, bySlot, entry));
    }
  }
  return out;
}

function decodeFunction(
  ctx: ObjectContext,
  section: ElfSection,
  symbol: ElfSymbol,
  end: number,
  sectionRelocs: Map<number, ElfRelocation>,
  entry: boolean,
): CodeFunction {
  const sectionSlot = symbol.value / 8;
  const slots = (end - symbol.value) / 8;
  const data = section.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const insns: Instruction[] = [];
  const slotOf: number[] = [];
  const insnAtSlot = new Int32Array(slots).fill(-1);
  for (let slot = 0; slot < slots; slot++) {
    const at = symbol.value + slot * 8;
    const insn = readSlot(view, at, ctx.elf.littleEndian);
    insnAtSlot[slot] = insns.length;
    slotOf.push(slot);
    if (insn.opcode === LDDW_OPCODE) {
      if (slot + 1 >= slots)
        throw objectError(ctx, section, at, `function '${symbol.name}': lddw without its second slot`);
      const second = readSlot(view, at + 8, ctx.elf.littleEndian);
      if (second.opcode !== 0 || second.dst !== 0 || second.src !== 0 || second.off !== 0) {
        throw objectError(ctx, section, at + 8, 'second slot of lddw must be zero except imm');
      }
      insn.nextImm = second.imm;
      slot++;
    }
    try {
      checkInstruction(insn, slot);
    } catch (err) {
      if (err instanceof IsaError) {
        throw objectError(ctx, section, at, `function '${symbol.name}': ${err.reason}`);
      }
      throw err;
    }
    insns.push(insn);
  }
  const relocations = new Map<number, ElfRelocation>();
  for (let slot = 0; slot < slots; slot++) {
    const r = sectionRelocs.get(sectionSlot + slot);
    if (!r) continue;
    if (insnAtSlot[slot] === -1) throw objectError(ctx, section, r.offset, 'relocation inside an lddw');
    relocations.set(slot, r);
  }
  return { name: symbol.name, section, symbol, sectionSlot, slots, insns, slotOf, insnAtSlot, relocations, entry };
}
