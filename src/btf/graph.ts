import type { Btf } from './btf.js';
import { BtfKind, isModifierKind } from './kinds.js';
import type { BtfMember, BtfType } from './types.js';

/** Decodes type `id` (checked by the caller) into a plain object. */
export function decodeType(btf: Btf, id: number): BtfType {
  const kind = btf.kind(id);
  const name = btf.name(id);
  const vlen = btf.vlen(id);
  const kindFlag = btf.kindFlag(id);
  const x = btf.sizeOrType(id);
  switch (kind) {
    case BtfKind.Unknown:
      return { id, name, kind };
    case BtfKind.Int: {
      const v = btf.extra(id, 0);
      return { id, name, kind, size: x, encoding: (v >>> 24) & 0xf, bitOffset: (v >>> 16) & 0xff, bits: v & 0xff };
    }
    case BtfKind.Ptr:
    case BtfKind.Typedef:
    case BtfKind.Volatile:
    case BtfKind.Const:
    case BtfKind.Restrict:
    case BtfKind.TypeTag:
      return { id, name, kind, type: x, kindFlag };
    case BtfKind.Array:
      return { id, name, kind, type: btf.extra(id, 0), indexType: btf.extra(id, 1), nelems: btf.extra(id, 2) };
    case BtfKind.Struct:
    case BtfKind.Union:
      return { id, name, kind, size: x, kindFlag, members: membersOf(btf, id) };
    case BtfKind.Enum: {
      const values = [];
      for (let i = 0; i < vlen; i++) {
        const raw = btf.extra(id, i * 2 + 1);
        values.push({ name: btf.str(btf.extra(id, i * 2)), value: kindFlag ? raw | 0 : raw });
      }
      return { id, name, kind, size: x, signed: kindFlag, values };
    }
    case BtfKind.Enum64: {
      const values = [];
      for (let i = 0; i < vlen; i++) {
        const raw = (BigInt(btf.extra(id, i * 3 + 2)) << 32n) | BigInt(btf.extra(id, i * 3 + 1));
        values.push({ name: btf.str(btf.extra(id, i * 3)), value: kindFlag ? BigInt.asIntN(64, raw) : raw });
      }
      return { id, name, kind, size: x, signed: kindFlag, values };
    }
    case BtfKind.Fwd:
      return { id, name, kind, union: kindFlag };
    case BtfKind.Func:
      return { id, name, kind, type: x, linkage: vlen };
    case BtfKind.FuncProto: {
      const params = [];
      for (let i = 0; i < vlen; i++)
        params.push({ name: btf.str(btf.extra(id, i * 2)), type: btf.extra(id, i * 2 + 1) });
      return { id, name, kind, returnType: x, params };
    }
    case BtfKind.Var:
      return { id, name, kind, type: x, linkage: btf.extra(id, 0) };
    case BtfKind.Datasec: {
      const vars = [];
      for (let i = 0; i < vlen; i++) {
        vars.push({ type: btf.extra(id, i * 3), offset: btf.extra(id, i * 3 + 1), size: btf.extra(id, i * 3 + 2) });
      }
      return { id, name, kind, size: x, vars };
    }
    case BtfKind.Float:
      return { id, name, kind, size: x };
    case BtfKind.DeclTag:
      return { id, name, kind, type: x, componentIdx: btf.extra(id, 0) | 0, kindFlag };
  }
}

/** Members of a struct/union; [] for other kinds. */
export function membersOf(btf: Btf, id: number): BtfMember[] {
  btf.checkId(id);
  if (!btf.isComposite(id)) return [];
  const n = btf.vlen(id);
  const out: BtfMember[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      name: btf.memberName(id, i),
      type: btf.memberType(id, i),
      bitOffset: btf.memberBitOffset(id, i),
      bitfieldSize: btf.memberBitfieldSize(id, i),
    };
  }
  return out;
}

/**
 * Follows modifiers and typedefs. Parsing rejects cycles along these edges, so the walk ends; the step bound is a
 * second line of defence, not a limit legitimate BTF can reach.
 */
export function skipModsAndTypedefs(btf: Btf, id: number): number {
  btf.checkId(id);
  for (let steps = 0; steps < btf.typeCount; steps++) {
    const k = btf.kind(id);
    if (!isModifierKind(k) && k !== BtfKind.Typedef) return id;
    id = btf.sizeOrType(id);
  }
  throw btf.error('type chain does not end (cycle)', id);
}

export function skipModifiers(btf: Btf, id: number): number {
  btf.checkId(id);
  for (let steps = 0; steps < btf.typeCount; steps++) {
    if (!isModifierKind(btf.kind(id))) return id;
    id = btf.sizeOrType(id);
  }
  throw btf.error('type chain does not end (cycle)', id);
}

const U32_MAX = 0xffffffff;

/**
 * btf__resolve_size: the size of a type in bytes, or a negative number when it has none (void, forward
 * declarations, functions) or it overflows 32 bits. Arrays multiply, typedefs/modifiers/vars/decl tags follow.
 */
export function resolveSize(btf: Btf, id: number): number {
  let nelems = 1;
  for (let steps = 0; steps <= btf.typeCount; steps++) {
    if (id === 0) return -1;
    switch (btf.kind(id)) {
      case BtfKind.Int:
      case BtfKind.Struct:
      case BtfKind.Union:
      case BtfKind.Enum:
      case BtfKind.Enum64:
      case BtfKind.Datasec:
      case BtfKind.Float: {
        const size = btf.sizeOrType(id);
        if (nelems && size > U32_MAX / nelems) return -2;
        return nelems * size;
      }
      case BtfKind.Ptr: {
        const size = btf.pointerSize();
        if (nelems && size > U32_MAX / nelems) return -2;
        return nelems * size;
      }
      case BtfKind.Typedef:
      case BtfKind.Volatile:
      case BtfKind.Const:
      case BtfKind.Restrict:
      case BtfKind.Var:
      case BtfKind.DeclTag:
      case BtfKind.TypeTag:
        id = btf.sizeOrType(id);
        break;
      case BtfKind.Array: {
        const n = btf.extra(id, 2);
        if (nelems && n > U32_MAX / nelems) return -2;
        nelems *= n;
        id = btf.extra(id, 0);
        break;
      }
      default:
        return -1;
    }
  }
  return -1;
}

/** `resolveSize` that throws a `BtfError` saying why a type has no size. */
export function sizeOf(btf: Btf, id: number): number {
  btf.checkId(id);
  const size = resolveSize(btf, id);
  if (size === -2) throw btf.error('size overflows 32 bits', id);
  if (size < 0) throw btf.error(`${kindName(btf, id)} has no size`, id);
  return size;
}

function kindName(btf: Btf, id: number): string {
  return id === 0
    ? 'void'
    : `${['?', 'int', 'pointer', 'array', 'struct', 'union', 'enum', 'forward declaration', 'typedef', 'volatile', 'const', 'restrict', 'function', 'function prototype', 'variable', 'datasec', 'float', 'decl tag', 'type tag', 'enum64'][btf.kind(id)]}`;
}

const alignCache = new WeakMap<Btf, Int32Array>();
const IN_PROGRESS = -2;

/**
 * btf__align_of: natural alignment in bytes; 0 for types that have none (void, forward declarations, functions).
 * A struct whose layout shows it is packed (a misaligned member, or a size that is not a multiple of its
 * alignment) has alignment 1. Results are memoized per type, which also detects a struct that contains itself.
 */
export function alignOfRaw(btf: Btf, id: number): number {
  let cache = alignCache.get(btf);
  if (!cache) {
    cache = new Int32Array(btf.typeCount).fill(-1);
    alignCache.set(btf, cache);
  }
  return align(btf, id, cache);
}

function align(btf: Btf, id: number, cache: Int32Array): number {
  const cached = cache[id]!;
  if (cached >= 0) return cached;
  if (cached === IN_PROGRESS) throw btf.error('type contains itself (cycle through members or array elements)', id);
  cache[id] = IN_PROGRESS;
  let result = 0;
  switch (btf.kind(id)) {
    case BtfKind.Int:
    case BtfKind.Enum:
    case BtfKind.Enum64:
    case BtfKind.Float:
      result = Math.min(btf.pointerSize(), btf.sizeOrType(id));
      break;
    case BtfKind.Ptr:
      result = btf.pointerSize();
      break;
    case BtfKind.Typedef:
    case BtfKind.Volatile:
    case BtfKind.Const:
    case BtfKind.Restrict:
    case BtfKind.TypeTag:
      result = align(btf, btf.sizeOrType(id), cache);
      break;
    case BtfKind.Array:
      result = align(btf, btf.extra(id, 0), cache);
      break;
    case BtfKind.Struct:
    case BtfKind.Union: {
      const n = btf.vlen(id);
      let max = 1;
      result = -1;
      for (let i = 0; i < n; i++) {
        const a = align(btf, btf.memberType(id, i), cache);
        if (a <= 0) {
          result = a;
          break;
        }
        max = Math.max(max, a);
        // A member that is not naturally aligned means the struct is packed.
        if (btf.memberBitfieldSize(id, i) === 0 && btf.memberBitOffset(id, i) % (8 * a) !== 0) {
          result = 1;
          break;
        }
      }
      if (result === -1) result = btf.sizeOrType(id) % max !== 0 ? 1 : max;
      break;
    }
    default:
      result = 0;
  }
  cache[id] = result;
  return result;
}

/** `alignOfRaw` that throws a `BtfError` for types without an alignment. */
export function alignOf(btf: Btf, id: number): number {
  btf.checkId(id);
  const a = alignOfRaw(btf, id);
  if (a <= 0) throw btf.error(`${kindName(btf, id)} has no alignment`, id);
  return a;
}

const LONG_NAMES = new Set([
  'long',
  'long int',
  'int long',
  'unsigned long',
  'long unsigned',
  'unsigned long int',
  'unsigned int long',
  'long unsigned int',
  'long int unsigned',
  'int unsigned long',
  'int long unsigned',
]);

/** libbpf's determine_ptr_size: the size of the first 4- or 8-byte INT named like `long`; 8 if there is none. */
export function guessPointerSize(btf: Btf): number {
  if (btf.base) return btf.base.pointerSize();
  for (let id = 1; id < btf.typeCount; id++) {
    if (btf.kind(id) !== BtfKind.Int) continue;
    const size = btf.sizeOrType(id);
    if (size !== 4 && size !== 8) continue;
    if (LONG_NAMES.has(btf.name(id))) return size;
  }
  return 8;
}

/**
 * Resolves a dotted member path (`a.b.c`) from a struct/union, looking through anonymous members as C does.
 * Returns the bit offset from the start of the outer type, the bitfield size and the member's type.
 */
export function memberPath(
  btf: Btf,
  id: number,
  path: string,
): { bitOffset: number; bitfieldSize: number; type: number } {
  let type = id;
  let bitOffset = 0;
  let bitfieldSize = 0;
  for (const part of path.split('.')) {
    const outer = skipModsAndTypedefs(btf, type);
    if (!btf.isComposite(outer)) throw btf.error(`'${part}' is not a member: type is not a struct or union`, outer);
    const found = findMember(btf, outer, part, 0);
    if (!found) throw btf.error(`no member '${part}' in ${btf.name(outer) || '(anon)'}`, outer);
    bitOffset += found.bitOffset;
    bitfieldSize = found.bitfieldSize;
    type = found.type;
  }
  return { bitOffset, bitfieldSize, type };
}

function findMember(
  btf: Btf,
  id: number,
  name: string,
  depth: number,
): { bitOffset: number; bitfieldSize: number; type: number } | undefined {
  if (depth > 64) throw btf.error('anonymous members nested too deeply', id);
  const n = btf.vlen(id);
  for (let i = 0; i < n; i++) {
    const memberName = btf.memberName(id, i);
    const type = btf.memberType(id, i);
    if (memberName === name) {
      return { bitOffset: btf.memberBitOffset(id, i), bitfieldSize: btf.memberBitfieldSize(id, i), type };
    }
    if (memberName === '') {
      const inner = skipModsAndTypedefs(btf, type);
      if (!btf.isComposite(inner)) continue;
      const found = findMember(btf, inner, name, depth + 1);
      if (found) return { ...found, bitOffset: found.bitOffset + btf.memberBitOffset(id, i) };
    }
  }
  return undefined;
}
