import type { Btf } from '../btf/btf.js';
import { BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_STATIC, BtfKind } from '../btf/kinds.js';
import type { ElfSection } from '../elf/types.js';
import { MapType } from '../uapi/bpf.js';
import { datasecVars, findDatasec } from './btf-helpers.js';
import { type ObjectContext, objectError } from './context.js';
import type { MapSpec } from './types.js';

/** A map defined in `.maps`, with where its definition sits (to match relocations and `values` initialisers). */
export interface BtfMapDef {
  spec: MapSpec;
  /** Offset of the map's variable in `.maps` and its size (including a `values` array). */
  offset: number;
  size: number;
  /** Byte offset of the `values` member inside the definition, when there is one. */
  valuesOffset?: number;
}

/** Pinning values libbpf accepts: LIBBPF_PIN_NONE and LIBBPF_PIN_BY_NAME. */
const MAX_PINNING = 1;

/**
 * Maps declared the libbpf way (`struct { __uint(type, ...); __type(key, ...); ... } name SEC(".maps")`): each VAR
 * of the `.maps` DATASEC is a struct whose members encode the attributes in their types, which is how libbpf's
 * parse_btf_map_def reads them. Unknown attributes are errors, as in libbpf 1.0.
 */
export function parseBtfMaps(ctx: ObjectContext, section: ElfSection): BtfMapDef[] {
  const btf = ctx.btf;
  if (!btf) throw objectError(ctx, section, undefined, 'BTF-defined maps need a .BTF section');
  const datasec = findDatasec(btf, section.name);
  if (datasec === undefined) throw objectError(ctx, section, undefined, 'no BTF DATASEC describes the maps');
  const out: BtfMapDef[] = [];
  for (const v of datasecVars(btf, datasec)) {
    const fail = (detail: string): never => {
      throw objectError(ctx, section, v.offset, `map '${v.name}': ${detail}`);
    };
    if (v.kind !== BtfKind.Var) fail('not a variable');
    if (v.linkage !== BTF_VAR_GLOBAL_ALLOCATED && v.linkage !== BTF_VAR_STATIC)
      fail(`unsupported linkage ${v.linkage}`);
    if (v.offset + v.size > section.size) fail('definition runs past the end of the section');
    const def = btf.resolve(v.type);
    if (btf.kind(def) !== BtfKind.Struct) fail('definition is not a struct');
    out.push(parseDefinition(btf, v.name, def, v.offset, v.size, section.name, false, fail));
  }
  return out;
}

function parseDefinition(
  btf: Btf,
  name: string,
  def: number,
  offset: number,
  size: number,
  sectionName: string,
  inner: boolean,
  fail: (detail: string) => never,
): BtfMapDef {
  const spec: MapSpec = {
    name,
    type: 0,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    pinning: 0,
    readOnly: false,
    section: sectionName,
  };
  let valuesOffset: number | undefined;
  const members = btf.members(def);
  members.forEach((m, i) => {
    const where = `attribute '${m.name}'`;
    switch (m.name) {
      case 'type':
        spec.type = intAttribute(btf, m.type, where, fail);
        break;
      case 'max_entries':
        spec.maxEntries = intAttribute(btf, m.type, where, fail);
        break;
      case 'map_flags':
        spec.flags = intAttribute(btf, m.type, where, fail);
        break;
      case 'numa_node':
        spec.numaNode = intAttribute(btf, m.type, where, fail);
        break;
      case 'map_extra':
        spec.extra = intAttribute(btf, m.type, where, fail);
        break;
      case 'key_size':
      case 'value_size': {
        const n = intAttribute(btf, m.type, where, fail);
        const key = m.name === 'key_size';
        const current = key ? spec.keySize : spec.valueSize;
        if (current !== 0 && current !== n) fail(`conflicting ${m.name} ${current} != ${n}`);
        if (key) spec.keySize = n;
        else spec.valueSize = n;
        break;
      }
      case 'key':
      case 'value': {
        const ptr = btf.resolve(m.type);
        if (btf.kind(ptr) !== BtfKind.Ptr) fail(`${where}: expected a pointer (__type)`);
        const target = btf.sizeOrType(ptr);
        const n = sizeOf(btf, target, where, fail);
        const key = m.name === 'key';
        const current = key ? spec.keySize : spec.valueSize;
        if (current !== 0 && current !== n) fail(`conflicting ${m.name} size ${current} != ${n}`);
        if (key) {
          spec.keySize = n;
          spec.keyTypeId = target;
        } else {
          spec.valueSize = n;
          spec.valueTypeId = target;
        }
        break;
      }
      case 'pinning': {
        const n = intAttribute(btf, m.type, where, fail);
        if (n > MAX_PINNING) fail(`invalid pinning value ${n}`);
        spec.pinning = n;
        break;
      }
      case 'values': {
        const mapInMap = spec.type === MapType.ARRAY_OF_MAPS || spec.type === MapType.HASH_OF_MAPS;
        const progArray = spec.type === MapType.PROG_ARRAY;
        if (inner) fail('multi-level inner maps are not supported');
        if (i !== members.length - 1) fail("'values' must be the last member");
        if (!mapInMap && !progArray) fail("'values' needs a map-in-map or a prog array type declared before it");
        if (spec.valueSize !== 0 && spec.valueSize !== 4) fail(`conflicting value size ${spec.valueSize} != 4`);
        spec.valueSize = 4;
        const array = btf.skipModifiers(m.type);
        if (btf.kind(array) !== BtfKind.Array || btf.extra(array, 2) !== 0) {
          fail("'values' must be a zero-length array of pointers (__array)");
        }
        const ptr = btf.resolve(btf.extra(array, 0));
        if (btf.kind(ptr) !== BtfKind.Ptr) fail("'values' elements must be pointers");
        const target = btf.resolve(btf.sizeOrType(ptr));
        if (m.bitOffset % 8 !== 0) fail("'values' is not byte aligned");
        valuesOffset = m.bitOffset / 8;
        if (progArray) {
          if (btf.kind(target) !== BtfKind.FuncProto) fail("prog array 'values' must point to functions");
          break;
        }
        if (btf.kind(target) !== BtfKind.Struct) fail("map-in-map 'values' must point to a map definition struct");
        const innerName = `${name}.inner`;
        const innerFail = (detail: string): never => fail(`inner map: ${detail}`);
        spec.inner = parseDefinition(btf, innerName, target, 0, 0, sectionName, true, innerFail).spec;
        break;
      }
      default:
        fail(`unknown attribute '${m.name}'`);
    }
  });
  return { spec, offset, size, valuesOffset };
}

/** `__uint(name, N)` is `int (*name)[N]`: N is the array's length. `__ulong` uses a one-value enum instead. */
function intAttribute(btf: Btf, type: number, where: string, fail: (detail: string) => never): number {
  const t = btf.resolve(type);
  const kind = btf.kind(t);
  if (kind === BtfKind.Ptr) {
    const array = btf.resolve(btf.sizeOrType(t));
    if (btf.kind(array) !== BtfKind.Array) fail(`${where}: expected a pointer to an array (__uint)`);
    return btf.extra(array, 2);
  }
  if ((kind === BtfKind.Enum || kind === BtfKind.Enum64) && btf.vlen(t) === 1) {
    if (kind === BtfKind.Enum) return btf.extra(t, 1) >>> 0;
    const value = btf.extra(t, 1) + btf.extra(t, 2) * 2 ** 32;
    if (!Number.isSafeInteger(value)) fail(`${where}: value does not fit a safe integer`);
    return value;
  }
  return fail(`${where}: expected __uint or __ulong`);
}

function sizeOf(btf: Btf, type: number, where: string, fail: (detail: string) => never): number {
  try {
    return btf.sizeof(type);
  } catch {
    return fail(`${where}: type [${type}] has no size`);
  }
}
