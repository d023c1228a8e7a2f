import { BTF_VAR_STATIC, BtfKind } from '../btf/kinds.js';
import { STB_LOCAL, STT_OBJECT } from '../elf/constants.js';
import type { ElfSection } from '../elf/types.js';
import { MapFlags, MapType } from '../uapi/bpf.js';
import { datasecVars, findDatasec } from './btf-helpers.js';
import type { ObjectContext } from './context.js';
import { type GlobalDataKind, globalDataKind } from './sections.js';
import type { MapSpec, VariableSpec } from './types.js';

/** A global data section turned into its array map, with the section it came from. */
export interface GlobalDataMap {
  spec: MapSpec;
  section: ElfSection;
  kind: GlobalDataKind;
}

/**
 * `.rodata*`, `.data*` and `.bss*` sections become single-element array maps named after the section, as libbpf
 * does (libbpf's bpf_object__init_internal_map): the value is the section's bytes (zeros for `.bss`), `.rodata` is
 * read-only for programs (BPF_F_RDONLY_PROG), and the map is BPF_F_MMAPABLE when it holds a global (non-static)
 * variable, so user space can map it.
 */
export function globalDataMaps(ctx: ObjectContext): GlobalDataMap[] {
  const out: GlobalDataMap[] = [];
  for (const section of ctx.elf.sections) {
    const kind = globalDataKind(section);
    if (!kind) continue;
    const datasec = ctx.btf ? findDatasec(ctx.btf, section.name) : undefined;
    const readOnly = kind === '.rodata';
    let flags = readOnly ? MapFlags.RDONLY_PROG : 0;
    if (datasec !== undefined && datasecVars(ctx.btf!, datasec).some((v) => v.linkage !== BTF_VAR_STATIC)) {
      flags |= MapFlags.MMAPABLE;
    }
    const initialData = kind === '.bss' ? new Uint8Array(section.size) : section.data.slice();
    out.push({
      section,
      kind,
      spec: {
        name: section.name,
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: section.size,
        maxEntries: 1,
        flags,
        pinning: 0,
        valueTypeId: datasec,
        initialData,
        globalData: kind,
        readOnly,
        section: section.name,
      },
    });
  }
  return out;
}

/**
 * The variables of a global data map: from its BTF DATASEC when there is one (name, offset, size, C type), else from
 * the ELF object symbols in the section. Static variables are included and marked, since programs use them too
 * (libbpf's skeleton leaves them out).
 */
export function globalVariables(ctx: ObjectContext, map: GlobalDataMap): VariableSpec[] {
  const constant = map.kind === '.rodata';
  const btf = ctx.btf;
  const datasec = btf ? findDatasec(btf, map.section.name) : undefined;
  if (btf && datasec !== undefined) {
    return datasecVars(btf, datasec)
      .filter((v) => v.kind === BtfKind.Var && v.name !== '' && v.offset + v.size <= map.section.size)
      .map((v) => ({
        name: v.name,
        map: map.spec.name,
        offset: v.offset,
        size: v.size,
        typeId: v.type,
        constant,
        static: v.linkage === BTF_VAR_STATIC,
      }));
  }
  return ctx.elf.symbols
    .filter((s) => s.shndx === map.section.index && s.type === STT_OBJECT && s.name !== '')
    .filter((s) => s.value + s.size <= map.section.size)
    .sort((a, b) => a.value - b.value)
    .map((s) => ({
      name: s.name,
      map: map.spec.name,
      offset: s.value,
      size: s.size,
      constant,
      static: s.bind === STB_LOCAL,
    }));
}
