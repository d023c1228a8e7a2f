import type { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/kinds.js';

/** The id of the DATASEC named `name`, or undefined. */
export function findDatasec(btf: Btf, name: string): number | undefined {
  for (let id = btf.firstId; id < btf.typeCount; id++) {
    if (btf.kind(id) === BtfKind.Datasec && btf.name(id) === name) return id;
  }
  return undefined;
}

/** One variable of a DATASEC: the VAR's id, its name, offset and size in the section, its linkage and type. */
export interface DatasecVar {
  varId: number;
  name: string;
  offset: number;
  size: number;
  /** The VAR's type (the variable's C type). */
  type: number;
  linkage: number;
  /** Kind of the entry: VAR, or FUNC for extern functions in `.ksyms`. */
  kind: number;
}

/** The entries of a DATASEC (sorted by offset after `fixupDatasecs`). */
export function datasecVars(btf: Btf, datasecId: number): DatasecVar[] {
  const out: DatasecVar[] = [];
  const vlen = btf.vlen(datasecId);
  for (let i = 0; i < vlen; i++) {
    const varId = btf.extra(datasecId, i * 3);
    btf.checkId(varId);
    const kind = btf.kind(varId);
    out.push({
      varId,
      name: btf.name(varId),
      offset: btf.extra(datasecId, i * 3 + 1),
      size: btf.extra(datasecId, i * 3 + 2),
      type: btf.sizeOrType(varId),
      linkage: kind === BtfKind.Var ? btf.extra(varId, 0) : btf.vlen(varId),
      kind,
    });
  }
  return out;
}
