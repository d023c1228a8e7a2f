import { STT_FUNC } from '../elf/constants.js';
import { relocationsFor } from '../elf/query.js';
import type { ElfSection } from '../elf/types.js';
import { MapType } from '../uapi/bpf.js';
import type { BtfMapDef } from './btf-maps.js';
import { type ObjectContext, objectError } from './context.js';
import { isExternSymbol } from './externs.js';
import type { CodeFunction } from './functions.js';

/** BPF pointers are 64 bits whatever the host: the slots of a `values` array are 8 bytes apart. */
const BPF_PTR_SIZE = 8;

/**
 * `values` initialisers of prog arrays and map-in-maps (`.values = { [2] = &prog }`): relocations in `.maps` whose
 * offset falls in a map's `values` array, read as libbpf's bpf_object__collect_map_relos does. Each becomes an
 * `initialReferences` entry (slot index, program or map name) of that map.
 */
export function collectMapValues(
  ctx: ObjectContext,
  section: ElfSection,
  maps: BtfMapDef[],
  functions: CodeFunction[],
): void {
  for (const r of relocationsFor(ctx.elf, section)) {
    if (r.type === 0) continue;
    const fail = (detail: string): never => {
      throw objectError(ctx, section, r.offset, detail);
    };
    const def = maps.find((m) => r.offset >= m.offset && r.offset < m.offset + m.size);
    if (!def) fail(`relocation against '${r.symbol.name}' outside every map definition`);
    const { spec, valuesOffset } = def!;
    if (valuesOffset === undefined) fail(`map '${spec.name}': relocation outside 'values'`);
    const moff = r.offset - def!.offset - valuesOffset!;
    if (moff < 0 || moff % BPF_PTR_SIZE !== 0) fail(`map '${spec.name}': misaligned 'values' slot`);
    const index = moff / BPF_PTR_SIZE;
    const s = r.symbol;
    if (isExternSymbol(s)) fail(`map '${spec.name}': 'values' cannot reference extern '${s.name}'`);
    let name: string;
    if (spec.type === MapType.PROG_ARRAY) {
      const fn = functions.find(
        (f) => f.section.index === s.shndx && f.sectionSlot * 8 === s.value && s.type === STT_FUNC,
      );
      if (!fn?.entry) fail(`map '${spec.name}': slot ${index}: '${s.name}' is not an entry program`);
      name = fn!.name;
    } else {
      if (s.shndx !== section.index)
        fail(`map '${spec.name}': slot ${index}: '${s.name}' is not a map of ${section.name}`);
      const target = maps.find((m) => m.offset === s.value);
      if (!target) fail(`map '${spec.name}': slot ${index}: no map at offset ${s.value}`);
      if (spec.type === MapType.HASH_OF_MAPS && spec.keySize !== 4) fail(`map '${spec.name}': key must be 4 bytes`);
      name = target!.spec.name;
    }
    spec.initialReferences ??= [];
    spec.initialReferences.push({ index, name });
    if (spec.maxEntries !== 0 && index >= spec.maxEntries) {
      fail(`map '${spec.name}': 'values' slot ${index} beyond max_entries ${spec.maxEntries}`);
    }
  }
  for (const m of maps) m.spec.initialReferences?.sort((a, b) => a.index - b.index);
}
