/**
 * The opcode table's forms as the JIT reads them. FORMS entries are built from spread initializers, so they come
 * in many object shapes and every property read on them is megamorphic (slow in V8); the JIT reads forms several
 * times per instruction, so it copies each into one fixed shape first.
 */
import { FORMS, type FormKind } from '../isa/forms.js';
import type { Predecoded } from '../vm/predecode.js';

export interface JitForm {
  readonly id: number;
  readonly kind: FormKind;
  readonly opcode: number;
  readonly is64: boolean;
  readonly op: number;
  readonly x: boolean;
  readonly size: number;
  readonly signed: boolean;
}

const TABLE: readonly JitForm[] = FORMS.map((f) => ({
  id: f.id,
  kind: f.kind,
  opcode: f.opcode,
  is64: f.is64,
  op: f.op,
  x: f.x,
  size: f.size,
  signed: f.signed,
}));

/** The form of every slot (undefined for the second slot of an lddw). */
export function jitForms(p: Predecoded): (JitForm | undefined)[] {
  const out = new Array<JitForm | undefined>(p.length);
  for (let pc = 0; pc < p.length; pc++) {
    const f = p.forms[pc];
    out[pc] = f === undefined ? undefined : TABLE[f.id];
  }
  return out;
}
