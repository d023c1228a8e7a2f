/**
 * Static register liveness: which registers an instruction's successors may read before writing. States are
 * compared only on live registers at prune points, the role the kernel's REG_LIVE_READ marks play.
 */
import { formOf } from '../isa/forms.js';
import { slotCount } from '../isa/instruction.js';
import { isExit, jumpTarget, type Layout } from './structure.js';

const ALL = 0x7ff;

/** Bit sets (bit i = Ri) of registers read and written by one instruction. */
function useDef(layout: Layout, pc: number): { use: number; def: number } {
  const insn = layout.at[pc];
  if (!insn) return { use: 0, def: 0 };
  const form = formOf(insn);
  if (!form) return { use: ALL, def: 0 };
  const d = 1 << insn.dst;
  const s = 1 << insn.src;
  switch (form.kind) {
    case 'alu':
      if (form.op === 0xb0) return { use: form.x ? s : 0, def: d };
      return { use: d | (form.x ? s : 0), def: d };
    case 'neg':
    case 'end':
      return { use: d, def: d };
    case 'movsx':
      return { use: s, def: d };
    case 'ldx':
      return { use: s, def: d };
    case 'st':
      return { use: d, def: 0 };
    case 'stx':
      return { use: d | s, def: 0 };
    case 'atomic':
      return { use: d | s | 1, def: s | 1 };
    case 'lddw':
      return { use: 0, def: d };
    case 'ja':
    case 'ja32':
      return { use: 0, def: 0 };
    case 'jcond':
      return { use: d | (form.x ? s : 0), def: 0 };
    case 'call':
    case 'call_local':
    case 'call_kfunc':
    case 'callx':
      return { use: 0b111110 | (form.kind === 'callx' ? d : 0), def: 0b111111 };
    case 'exit':
      return { use: 1, def: 0 };
    case 'ld_abs':
      return { use: 1 << 6, def: 0b111111 };
    case 'ld_ind':
      return { use: (1 << 6) | s, def: 0b111111 };
  }
}

/**
 * live[pc]: registers that may be read at or after pc before being written (backward fixpoint). Uses, defs and
 * successors are tabulated once into typed arrays, as this runs for every program verified.
 */
export function computeLiveness(layout: Layout): Uint16Array {
  const n = layout.slots;
  const live = new Uint16Array(n);
  const use = new Uint16Array(n);
  const keep = new Uint16Array(n);
  // Up to two successors per slot, -1 for none.
  const succA = new Int32Array(n).fill(-1);
  const succB = new Int32Array(n).fill(-1);
  for (let pc = 0; pc < n; pc++) {
    const ud = useDef(layout, pc);
    use[pc] = ud.use;
    keep[pc] = ~ud.def & ALL;
    const insn = layout.at[pc];
    if (!insn || isExit(insn)) continue;
    const next = pc + slotCount(insn);
    const t = jumpTarget(insn, pc);
    const fallsThrough = t === undefined || !(insn.opcode === 0x05 || insn.opcode === 0x06);
    if (fallsThrough && next < n) succA[pc] = next;
    if (t !== undefined && t >= 0 && t < n) {
      if (succA[pc]! >= 0) succB[pc] = t;
      else succA[pc] = t;
    }
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      const a = succA[pc]!;
      const b = succB[pc]!;
      const out = (a >= 0 ? live[a]! : 0) | (b >= 0 ? live[b]! : 0);
      const v = (use[pc]! | (out & keep[pc]!)) & ALL;
      if (v !== live[pc]) {
        live[pc] = v;
        changed = true;
      }
    }
  }
  return live;
}
