import { fixupDatasecs } from '../btf/datasec-fixup.js';
import { btfExtFromElf, btfFromElf } from '../btf/load.js';
import { findSection } from '../elf/query.js';
import { readElf } from '../elf/read-elf.js';
import type { ElfFile } from '../elf/types.js';
import { type BtfMapDef, parseBtfMaps } from './btf-maps.js';
import { type ObjectContext, objectError } from './context.js';
import { collectExterns } from './externs.js';
import { type CodeFunction, collectFunctions } from './functions.js';
import { globalDataMaps, globalVariables } from './global-data.js';
import { parseLegacyMaps } from './legacy-maps.js';
import { linkProgram } from './link.js';
import { collectMapValues } from './map-values.js';
import { progTypeName } from './names.js';
import { type Reference, type Resolver, resolveReferences } from './references.js';
import { sectionKind } from './section-defs.js';
import { BTF_MAPS_SECTION, LEGACY_MAPS_SECTION } from './sections.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from './types.js';

export interface LoadObjectOptions {
  /** Name for error messages and `ObjectSpec.name` (usually the path). */
  name?: string;
  /** Same as `name` (for callers that think of it as the file); `name` wins when both are given. */
  file?: string;
}

/**
 * Reads a clang-compiled eBPF object into an ObjectSpec the way libbpf opens one (bpf_object__open): programs from
 * SEC() sections linked with the `.text` subprograms they reach, maps from `.maps` (BTF) and `maps` (legacy),
 * global data maps and their variables, externs, license and version. Relocations become map references and
 * pc-relative calls; CO-RE relocations are carried along unresolved. Nothing touches a kernel.
 *
 * Errors are InputErrors naming file, section and byte offset: `ObjectError` for the object's structure,
 * `ElfError`/`BtfError` from the readers below.
 */
export function loadObjectSpec(bytes: Uint8Array, options: LoadObjectOptions = {}): ObjectSpec {
  const file = options.name ?? options.file ?? '<object>';
  const elf = readElf(bytes, { name: file });
  return objectSpecFromElf(elf, file);
}

/** Like `loadObjectSpec` for an ELF file already read. */
export function objectSpecFromElf(elf: ElfFile, file = elf.name): ObjectSpec {
  const ctx: ObjectContext = { file, elf };
  if (findSection(elf, '.BTF')) {
    ctx.btf = btfFromElf(elf);
    fixupDatasecs(ctx.btf, elf);
    ctx.btfExt = btfExtFromElf(elf, ctx.btf);
  }
  const license = readLicense(ctx);
  const kernelVersion = readVersion(ctx);

  // Maps, by the section and offset that relocations name them with.
  const maps: MapSpec[] = [];
  const mapAt = new Map<string, string>();
  const mapSections = new Set<number>();
  let btfMaps: BtfMapDef[] = [];
  const btfMapsSection = findSection(elf, BTF_MAPS_SECTION);
  if (btfMapsSection) {
    btfMaps = parseBtfMaps(ctx, btfMapsSection);
    mapSections.add(btfMapsSection.index);
    for (const m of btfMaps) {
      maps.push(m.spec);
      mapAt.set(`${btfMapsSection.index}:${m.offset}`, m.spec.name);
    }
  }
  const legacySection = findSection(elf, LEGACY_MAPS_SECTION);
  if (legacySection) {
    mapSections.add(legacySection.index);
    for (const m of parseLegacyMaps(ctx, legacySection)) {
      maps.push(m.spec);
      mapAt.set(`${legacySection.index}:${m.offset}`, m.spec.name);
    }
  }
  const dataMaps = globalDataMaps(ctx);
  const dataMapOf = new Map<number, string>();
  for (const d of dataMaps) {
    maps.push(d.spec);
    dataMapOf.set(d.section.index, d.spec.name);
  }
  const { externs, kconfigMap } = collectExterns(ctx);
  if (kconfigMap) maps.push(kconfigMap);
  const seenNames = new Set<string>();
  for (const m of maps) {
    if (seenNames.has(m.name)) throw objectError(ctx, m.section, undefined, `two maps named '${m.name}'`);
    seenNames.add(m.name);
  }

  // Functions and what each refers to.
  const functions = collectFunctions(ctx);
  const starts = new Map<string, CodeFunction>();
  for (const fn of functions) starts.set(`${fn.section.index}:${fn.sectionSlot}`, fn);
  const resolver: Resolver = {
    functionAt: (shndx, slot) => starts.get(`${shndx}:${slot}`),
    mapAt: (shndx, offset) => mapAt.get(`${shndx}:${offset}`),
    isMapSection: (shndx) => mapSections.has(shndx),
    dataMap: (shndx) => dataMapOf.get(shndx),
    externs: new Map(externs.map((e) => [e.name, e])),
  };
  const refCache = new Map<CodeFunction, Reference[]>();
  const referencesOf = (fn: CodeFunction): Reference[] => {
    let refs = refCache.get(fn);
    if (!refs) {
      refs = resolveReferences(ctx, fn, resolver);
      checkValueOffsets(ctx, fn, refs, maps);
      refCache.set(fn, refs);
    }
    return refs;
  };

  const programs: ProgramSpec[] = [];
  for (const fn of functions) {
    if (!fn.entry) continue;
    const kind = sectionKind(fn.section.name);
    const linked = linkProgram(ctx, fn, referencesOf);
    programs.push({
      name: fn.name,
      section: fn.section.name,
      type: kind.type,
      typeName: progTypeName(kind.type),
      expectedAttachType: kind.expectedAttachType,
      attachTarget: kind.attachTarget,
      sleepable: kind.sleepable,
      ...linked,
      license,
      kernelVersion,
      sourceFile: linked.lineInfo[0]?.fileName,
      autoload: kind.autoload,
      xdpFrags: kind.xdpFrags,
    });
  }
  if (btfMapsSection) collectMapValues(ctx, btfMapsSection, btfMaps, functions);

  const variables = dataMaps.flatMap((d) => globalVariables(ctx, d));
  return {
    name: file,
    programs,
    maps,
    variables,
    externs,
    license,
    kernelVersion,
    littleEndian: elf.littleEndian,
    btf: ctx.btf,
    btfExt: ctx.btfExt,
  };
}

/** The `license` section: a NUL-terminated string ('' when absent). */
function readLicense(ctx: ObjectContext): string {
  const section = findSection(ctx.elf, 'license');
  if (!section) return '';
  const data = section.data;
  const end = data.indexOf(0);
  return new TextDecoder().decode(data.subarray(0, end === -1 ? data.length : end));
}

/** The `version` section: a u32 kernel version old kprobe objects carry (0 when absent). */
function readVersion(ctx: ObjectContext): number {
  const section = findSection(ctx.elf, 'version');
  if (!section) return 0;
  if (section.data.length !== 4) throw objectError(ctx, section, 0, `${section.data.length} bytes, expected 4`);
  const d = section.data;
  return new DataView(d.buffer, d.byteOffset, 4).getUint32(0, ctx.elf.littleEndian);
}

/** A pointer into a global data map must point inside its value. */
function checkValueOffsets(ctx: ObjectContext, fn: CodeFunction, refs: Reference[], maps: MapSpec[]): void {
  for (const ref of refs) {
    if (ref.kind !== 'value') continue;
    const map = maps.find((m) => m.name === ref.map);
    if (map && (ref.offset < 0 || ref.offset > map.valueSize)) {
      const at = (fn.sectionSlot + fn.slotOf[ref.insn]!) * 8;
      throw objectError(
        ctx,
        fn.section,
        at,
        `offset ${ref.offset} is outside map '${map.name}' (${map.valueSize} bytes)`,
      );
    }
  }
}
