/**
 * When a local type and a target type are "the same" for CO-RE. Three relations, as libbpf defines them:
 * - fields are compatible (bpf_core_fields_are_compat): the loose rule used for the field at the end of an access;
 * - types are compatible (bpf_core_types_are_compat): used by type_exists, type_size and the type id relocations;
 * - types match (bpf_core_types_match): the stricter rule behind bpf_core_type_matches().
 * Modifiers and typedefs are skipped everywhere, so `const pid_t` and `int` compare as ints.
 */
import type { Btf } from './btf.js';
import { CoreRelocationError } from './core-errors.js';
import { essentialName, isAnyEnum, kindsCoreCompat, namesMatch } from './core-names.js';
import { skipModsAndTypedefs } from './graph.js';
import { BtfKind } from './kinds.js';

/** The recursion limit libbpf uses for both type relations. */
const MAX_DEPTH = 32;

function tooDeep(localId: number, targetId: number): never {
  throw new CoreRelocationError({}, `types [${localId}] and [${targetId}] nest deeper than ${MAX_DEPTH} levels`);
}

/** The bit offset recorded inside an INT's encoding word (deprecated bitfield-like integers have one). */
function intOffset(btf: Btf, id: number): number {
  return (btf.extra(id, 0) >>> 16) & 0xff;
}

/** The INT encoding bits (BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL). */
export function intEncoding(btf: Btf, id: number): number {
  return (btf.extra(id, 0) >>> 24) & 0x0f;
}

/**
 * bpf_core_fields_are_compat: any two structs/unions, pointers or floats; ints unless bitfield-like; enums and
 * forward declarations whose essential names agree (or either is anonymous); arrays of compatible elements.
 */
export function fieldsAreCompat(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  for (let steps = 0; ; steps++) {
    if (steps > MAX_DEPTH) tooDeep(localId, targetId);
    localId = skipModsAndTypedefs(local, localId);
    targetId = skipModsAndTypedefs(target, targetId);
    if (local.isComposite(localId) && target.isComposite(targetId)) return true;
    if (!kindsCoreCompat(local, localId, target, targetId)) return false;
    switch (local.kind(localId)) {
      case BtfKind.Ptr:
      case BtfKind.Float:
        return true;
      case BtfKind.Fwd:
      case BtfKind.Enum:
      case BtfKind.Enum64: {
        const a = essentialName(local.name(localId));
        const b = essentialName(target.name(targetId));
        return a === '' || b === '' || a === b;
      }
      case BtfKind.Int:
        return intOffset(local, localId) === 0 && intOffset(target, targetId) === 0;
      case BtfKind.Array:
        localId = local.extra(localId, 0);
        targetId = target.extra(targetId, 0);
        break;
      default:
        return false;
    }
  }
}

/**
 * bpf_core_types_are_compat (the caller has already matched the root names): kinds agree level by level through
 * pointers, arrays and function prototypes; structs, unions, enums and forward declarations agree by kind alone.
 */
export function typesAreCompat(local: Btf, localId: number, target: Btf, targetId: number, level = MAX_DEPTH): boolean {
  if (!kindsCoreCompat(local, localId, target, targetId)) return false;
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) tooDeep(localId, targetId);
    localId = skipModsAndTypedefs(local, localId);
    targetId = skipModsAndTypedefs(target, targetId);
    if (!kindsCoreCompat(local, localId, target, targetId)) return false;
    switch (local.kind(localId)) {
      case BtfKind.Unknown:
      case BtfKind.Struct:
      case BtfKind.Union:
      case BtfKind.Enum:
      case BtfKind.Fwd:
      case BtfKind.Enum64:
        return true;
      case BtfKind.Int:
        return intOffset(local, localId) === 0 && intOffset(target, targetId) === 0;
      case BtfKind.Ptr:
        localId = local.sizeOrType(localId);
        targetId = target.sizeOrType(targetId);
        break;
      case BtfKind.Array:
        localId = local.extra(localId, 0);
        targetId = target.extra(targetId, 0);
        break;
      case BtfKind.FuncProto: {
        const n = local.vlen(localId);
        if (n !== target.vlen(targetId)) return false;
        for (let i = 0; i < n; i++) {
          if (level <= 0) tooDeep(localId, targetId);
          const lp = skipModsAndTypedefs(local, local.extra(localId, i * 2 + 1));
          const tp = skipModsAndTypedefs(target, target.extra(targetId, i * 2 + 1));
          if (!typesAreCompat(local, lp, target, tp, level - 1)) return false;
        }
        localId = local.sizeOrType(localId);
        targetId = target.sizeOrType(targetId);
        break;
      }
      default:
        return false;
    }
  }
}

/** Enumerator name offsets of an ENUM or ENUM64, by index. */
function enumeratorNameAt(btf: Btf, id: number, i: number): string {
  const off = btf.extra(id, i * (btf.kind(id) === BtfKind.Enum ? 2 : 3));
  return off === 0 ? '' : btf.str(off);
}

/** bpf_core_enums_match: same size, and every local enumerator name exists in the target (values may differ). */
function enumsMatch(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  if (local.sizeOrType(localId) !== target.sizeOrType(targetId)) return false;
  const ln = local.vlen(localId);
  const tn = target.vlen(targetId);
  if (ln > tn) return false;
  const targetNames: string[] = [];
  for (let j = 0; j < tn; j++) targetNames.push(enumeratorNameAt(target, targetId, j));
  for (let i = 0; i < ln; i++) {
    const name = enumeratorNameAt(local, localId, i);
    if (!targetNames.some((t) => namesMatch(name, t))) return false;
  }
  return true;
}

/** bpf_core_composites_match: every local member has a same-named target member whose type matches. */
function compositesMatch(
  local: Btf,
  localId: number,
  target: Btf,
  targetId: number,
  behindPtr: boolean,
  level: number,
): boolean {
  const ln = local.vlen(localId);
  const tn = target.vlen(targetId);
  if (ln > tn) return false;
  for (let i = 0; i < ln; i++) {
    const name = local.memberName(localId, i);
    let matched = false;
    for (let j = 0; j < tn && !matched; j++) {
      if (!namesMatch(name, target.memberName(targetId, j))) continue;
      matched = typesMatchAt(
        local,
        local.memberType(localId, i),
        target,
        target.memberType(targetId, j),
        behindPtr,
        level - 1,
      );
    }
    if (!matched) return false;
  }
  return true;
}

/**
 * __bpf_core_types_match. Behind a pointer, a struct or union only has to agree in kind (or match a forward
 * declaration of the same kind); elsewhere members are compared recursively. Ints match by size and signedness,
 * arrays by length and element type, enums by size and enumerator names.
 */
function typesMatchAt(
  local: Btf,
  localId: number,
  target: Btf,
  targetId: number,
  behindPtr: boolean,
  level: number,
): boolean {
  if (level <= 0) tooDeep(localId, targetId);
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) tooDeep(localId, targetId);
    localId = skipModsAndTypedefs(local, localId);
    targetId = skipModsAndTypedefs(target, targetId);
    if (!namesMatch(local.name(localId), target.name(targetId))) return false;
    const lk = local.kind(localId);
    const tk = target.kind(targetId);
    switch (lk) {
      case BtfKind.Unknown:
        return lk === tk;
      case BtfKind.Fwd: {
        const lf = local.kindFlag(localId);
        if (behindPtr && lk !== tk) {
          return (tk === BtfKind.Struct && !lf) || (tk === BtfKind.Union && lf);
        }
        return lk === tk && lf === target.kindFlag(targetId);
      }
      case BtfKind.Enum:
      case BtfKind.Enum64:
        return isAnyEnum(tk) && enumsMatch(local, localId, target, targetId);
      case BtfKind.Struct:
      case BtfKind.Union:
        if (behindPtr) {
          if (lk === tk) return true;
          if (tk !== BtfKind.Fwd) return false;
          return (lk === BtfKind.Union) === target.kindFlag(targetId);
        }
        return lk === tk && compositesMatch(local, localId, target, targetId, behindPtr, level);
      case BtfKind.Int:
        return (
          lk === tk &&
          local.sizeOrType(localId) === target.sizeOrType(targetId) &&
          (intEncoding(local, localId) & 1) === (intEncoding(target, targetId) & 1)
        );
      case BtfKind.Ptr:
        if (lk !== tk) return false;
        behindPtr = true;
        localId = local.sizeOrType(localId);
        targetId = target.sizeOrType(targetId);
        break;
      case BtfKind.Array:
        if (lk !== tk || local.extra(localId, 2) !== target.extra(targetId, 2)) return false;
        localId = local.extra(localId, 0);
        targetId = target.extra(targetId, 0);
        break;
      case BtfKind.FuncProto: {
        if (lk !== tk) return false;
        const n = local.vlen(localId);
        if (n !== target.vlen(targetId)) return false;
        for (let i = 0; i < n; i++) {
          const lp = local.extra(localId, i * 2 + 1);
          const tp = target.extra(targetId, i * 2 + 1);
          if (!typesMatchAt(local, lp, target, tp, behindPtr, level - 1)) return false;
        }
        localId = local.sizeOrType(localId);
        targetId = target.sizeOrType(targetId);
        break;
      }
      default:
        return false;
    }
  }
}

/** bpf_core_types_match for a relocation's root type and a candidate (whose names already agree). */
export function typesMatch(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  return typesMatchAt(local, localId, target, targetId, false, MAX_DEPTH);
}
