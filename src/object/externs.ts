import type { Btf } from '../btf/btf.js';
import { BTF_FUNC_EXTERN, BTF_VAR_GLOBAL_EXTERN, BtfKind } from '../btf/kinds.js';
import { SHN_UNDEF, STB_GLOBAL, STB_WEAK, STT_NOTYPE } from '../elf/constants.js';
import type { ElfSymbol } from '../elf/types.js';
import { MapFlags, MapType } from '../uapi/bpf.js';
import { datasecVars, findDatasec } from './btf-helpers.js';
import { type ObjectContext, objectError } from './context.js';
import type { ExternSpec, MapSpec } from './types.js';

/** libbpf's sym_is_extern: an undefined global or weak symbol without a type. */
export function isExternSymbol(s: ElfSymbol): boolean {
  return (
    s.index !== 0 && s.shndx === SHN_UNDEF && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && s.type === STT_NOTYPE
  );
}

export interface Externs {
  externs: ExternSpec[];
  /** The `.kconfig` map holding the kconfig externs' values, when there are any. */
  kconfigMap?: MapSpec;
}

/**
 * The object's externs, as libbpf's bpf_object__collect_externs finds them: undefined symbols whose BTF VAR or FUNC
 * (linkage extern) sits in the `.kconfig` or `.ksyms` DATASEC. Kconfig externs are laid out in the `.kconfig` map the
 * way libbpf lays them out: sorted by alignment (descending), then size, then name, each at the next aligned offset.
 */
export function collectExterns(ctx: ObjectContext): Externs {
  const symbols = ctx.elf.symbols.filter(isExternSymbol);
  if (symbols.length === 0) return { externs: [] };
  const btf = ctx.btf;
  if (!btf) {
    const s = symbols[0]!;
    throw objectError(ctx, '.symtab', undefined, `extern '${s.name}' needs BTF to say what it is`);
  }
  const kconfigIds = datasecIds(btf, '.kconfig');
  const ksymIds = datasecIds(btf, '.ksyms');
  interface Pending extends ExternSpec {
    align: number;
  }
  const pending: Pending[] = [];
  for (const s of symbols) {
    const id = findExternType(btf, s.name);
    if (id === undefined) throw objectError(ctx, '.BTF', undefined, `extern '${s.name}': no BTF VAR or FUNC`);
    const weak = s.bind === STB_WEAK;
    if (kconfigIds.has(id)) {
      const type = btf.sizeOrType(id);
      let size: number;
      let align: number;
      try {
        size = btf.sizeof(type);
        align = btf.alignof(type);
      } catch {
        throw objectError(ctx, '.kconfig', undefined, `extern '${s.name}': type without a size`);
      }
      pending.push({ name: s.name, kind: 'kconfig', btfId: id, weak, size, align });
    } else if (ksymIds.has(id)) {
      pending.push({ name: s.name, kind: 'ksym', btfId: id, weak, align: 0 });
    } else {
      throw objectError(ctx, '.BTF', undefined, `extern '${s.name}' is in neither .kconfig nor .ksyms`);
    }
  }
  pending.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'kconfig' ? -1 : 1;
    if (a.kind === 'kconfig') {
      if (a.align !== b.align) return b.align - a.align;
      if (a.size !== b.size) return a.size! - b.size!;
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  let end = 0;
  const externs: ExternSpec[] = pending.map(({ align, ...e }) => {
    if (e.kind !== 'kconfig') return e;
    const offset = Math.ceil(end / Math.max(align, 1)) * Math.max(align, 1);
    end = offset + e.size!;
    return { ...e, offset };
  });
  if (end === 0) return { externs };
  const kconfigMap: MapSpec = {
    name: '.kconfig',
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: end,
    maxEntries: 1,
    flags: MapFlags.RDONLY_PROG | MapFlags.MMAPABLE,
    pinning: 0,
    valueTypeId: findDatasec(btf, '.kconfig'),
    initialData: new Uint8Array(end),
    globalData: '.kconfig',
    readOnly: true,
    section: '.kconfig',
  };
  return { externs, kconfigMap };
}

function datasecIds(btf: Btf, name: string): Set<number> {
  const id = findDatasec(btf, name);
  return new Set(id === undefined ? [] : datasecVars(btf, id).map((v) => v.varId));
}

/** libbpf's find_extern_btf_id: the VAR or FUNC with this name and extern linkage. */
function findExternType(btf: Btf, name: string): number | undefined {
  for (let id = btf.firstId; id < btf.typeCount; id++) {
    const kind = btf.kind(id);
    if (kind !== BtfKind.Var && kind !== BtfKind.Func) continue;
    if (btf.name(id) !== name) continue;
    const linkage = kind === BtfKind.Var ? btf.extra(id, 0) : btf.vlen(id);
    if (linkage === (kind === BtfKind.Var ? BTF_VAR_GLOBAL_EXTERN : BTF_FUNC_EXTERN)) return id;
  }
  return undefined;
}
