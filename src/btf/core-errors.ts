import { InputError } from '../errors.js';

/** Which relocation a CO-RE problem is about: program, relocation index, instruction, kind and access. */
export interface CoreRelocationContext {
  program?: string;
  /** Index of the relocation among the program's CO-RE relocations. */
  relo?: number;
  /** Instruction index in the program. */
  insn?: number;
  kindName?: string;
  /** The access as written in C (`task_struct.pid`), or the raw access string when it could not be parsed. */
  access?: string;
}

/**
 * A CO-RE relocation that cannot be applied (malformed access string, ambiguous candidates, an instruction of
 * the wrong form): libbpf refuses to load the object in these cases. A relocation whose field or type is simply
 * missing from the target is not an error; its instruction is poisoned instead (see `applyCoreRelocations`).
 * One line: "prog 'NAME': relo #N (insn I, byte_off task_struct.pid): DETAIL".
 */
export class CoreRelocationError extends InputError {
  override name = 'CoreRelocationError';
  readonly context: CoreRelocationContext;

  constructor(context: CoreRelocationContext, detail: string) {
    super(describe(context) + detail);
    this.context = context;
  }
}

function describe(c: CoreRelocationContext): string {
  const inner: string[] = [];
  if (c.insn !== undefined) inner.push(`insn ${c.insn}`);
  const what = [c.kindName, c.access].filter((x) => x !== undefined).join(' ');
  if (what !== '') inner.push(what);
  let s = c.program !== undefined ? `prog '${c.program}': ` : '';
  if (c.relo !== undefined || inner.length > 0) {
    s += 'relo';
    if (c.relo !== undefined) s += ` #${c.relo}`;
    if (inner.length > 0) s += ` (${inner.join(', ')})`;
    s += ': ';
  }
  return s;
}
