import { STT_FUNC, STT_SECTION } from '../elf/constants.js';
import type { ElfSection } from '../elf/types.js';
import { type ObjectContext, objectError } from './context.js';
import type { MapSpec } from './types.js';

/** A map of the legacy `maps` section and where its definition sits (relocations name it by offset). */
export interface LegacyMapDef {
  spec: MapSpec;
  offset: number;
}

/** struct bpf_map_def: type, key_size, value_size, max_entries, map_flags (five u32). */
const BPF_MAP_DEF_SIZE = 20;
/** samples/bpf's struct bpf_load_map_def adds inner_map_idx and numa_node. */
const LOAD_MAP_DEF_NUMA_OFFSET = 24;

/**
 * Maps of the `maps` section, the pre-BTF convention libbpf < 1.0 and samples/bpf's loader read: every symbol in
 * the section names one `struct bpf_map_def`, all of the same size (section size / number of symbols). Fields past
 * the five libbpf knows must be zero, except samples/bpf's numa_node.
 */
export function parseLegacyMaps(ctx: ObjectContext, section: ElfSection): LegacyMapDef[] {
  const symbols = ctx.elf.symbols
    .filter((s) => s.index !== 0 && s.shndx === section.index && s.type !== STT_SECTION && s.type !== STT_FUNC)
    .filter((s) => s.name !== '')
    .sort((a, b) => a.value - b.value);
  if (symbols.length === 0) return [];
  if (section.size % symbols.length !== 0) {
    throw objectError(ctx, section, 0, `${section.size} bytes do not divide into ${symbols.length} map definitions`);
  }
  const defSize = section.size / symbols.length;
  if (defSize < BPF_MAP_DEF_SIZE || defSize % 4 !== 0) {
    throw objectError(ctx, section, 0, `map definitions of ${defSize} bytes (struct bpf_map_def has 20)`);
  }
  const data = section.data;
  const noBits = data.length === 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = ctx.elf.littleEndian;
  return symbols.map((s) => {
    if (s.value % 4 !== 0 || s.value + defSize > section.size) {
      throw objectError(ctx, section, s.value, `map '${s.name}': definition outside the section`);
    }
    const u32 = (field: number): number => (noBits ? 0 : view.getUint32(s.value + field * 4, le));
    const spec: MapSpec = {
      name: s.name,
      type: u32(0),
      keySize: u32(1),
      valueSize: u32(2),
      maxEntries: u32(3),
      flags: u32(4),
      pinning: 0,
      readOnly: false,
      section: section.name,
    };
    for (let off = BPF_MAP_DEF_SIZE; off < defSize; off += 4) {
      const v = u32(off / 4);
      if (off === LOAD_MAP_DEF_NUMA_OFFSET) {
        if (v !== 0) spec.numaNode = v;
      } else if (v !== 0 && off !== BPF_MAP_DEF_SIZE) {
        throw objectError(ctx, section, s.value + off, `map '${s.name}': unknown non-zero field at byte ${off}`);
      }
    }
    return { spec, offset: s.value };
  });
}
