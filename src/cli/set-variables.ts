/**
 * `--set NAME=VALUE`: global variables of an object set before it loads, `.rodata` constants included (what a
 * libbpf skeleton's `skel->rodata->target_pid = pid;` does before `__load()`). VALUE is an integer (decimal,
 * 0x hex, negative) for integer variables, or text for char arrays (NUL-padded; it must leave room for the NUL).
 */
import { InputError } from '../errors.js';
import type { ObjectSpec } from '../object/types.js';
import { getVariable, setVariable } from '../object/variables.js';

const INTEGER = /^-?(0x[0-9a-f]+|\d+)$/i;

export function applyAssignments(spec: ObjectSpec, assignments: readonly string[] | undefined): void {
  for (const assignment of assignments ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new InputError(`--set '${assignment}': expected NAME=VALUE`);
    const name = assignment.slice(0, eq);
    const text = assignment.slice(eq + 1);
    const size = getVariable(spec, name).length;
    if (INTEGER.test(text) && [1, 2, 4, 8].includes(size)) {
      const negative = text.startsWith('-');
      const magnitude = BigInt(negative ? text.slice(1) : text);
      setVariable(spec, name, negative ? -magnitude : magnitude);
      continue;
    }
    const bytes = new TextEncoder().encode(text);
    if (bytes.length >= size) {
      throw new InputError(
        `--set ${name}: '${text}' is not an integer, and as text it needs ${bytes.length + 1} bytes; ` +
          `the variable has ${size}`,
      );
    }
    const value = new Uint8Array(size);
    value.set(bytes);
    setVariable(spec, name, value);
  }
}
