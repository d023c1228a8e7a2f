/**
 * Matching a local access spec against one candidate target type (libbpf's bpf_core_spec_match): every named
 * field must exist in the target under the same name, possibly inside differently arranged anonymous members,
 * with a compatible type; every array index must be within the target array. The result is the target's spec,
 * whose bit offset is what the instruction gets patched with.
 */
import type { Btf } from './btf.js';
import { fieldsAreCompat, typesAreCompat, typesMatch } from './core-compat.js';
import { CoreRelocationError } from './core-errors.js';
import { CoreReloKind, isEnumvalBased, isFieldBased, isTypeBased } from './core-kinds.js';
import { essentialName, isAnyEnum } from './core-names.js';
import { CORE_SPEC_MAX_LEN, type CoreAccessor, type CoreSpec, enumeratorName, isFlexArray } from './core-spec.js';
import { resolveSize, skipModsAndTypedefs } from './graph.js';
import { BtfKind } from './kinds.js';

function tooDeep(): never {
  throw new CoreRelocationError({}, `target access is deeper than ${CORE_SPEC_MAX_LEN} levels`);
}

/**
 * bpf_core_match_member: looks for the local accessor's field by name in target struct/union `targetId`, descending
 * into anonymous members. Pushes the raw steps and bit offsets it takes onto `spec`; on success also the named
 * accessor, and returns the member's type id (the next step's target). Undefined when there is no compatible field.
 */
function matchMember(
  local: Btf,
  localAcc: CoreAccessor,
  target: Btf,
  targetId: number,
  spec: CoreSpec,
): number | undefined {
  targetId = skipModsAndTypedefs(target, targetId);
  if (!target.isComposite(targetId)) return undefined;
  const localName = localAcc.name!;
  const localMemberType = local.memberType(localAcc.typeId, localAcc.idx);
  const n = target.vlen(targetId);
  for (let i = 0; i < n; i++) {
    if (spec.raw.length === CORE_SPEC_MAX_LEN) tooDeep();
    const bitOffset = target.memberBitOffset(targetId, i);
    spec.bitOffset += bitOffset;
    spec.raw.push(i);
    const name = target.memberName(targetId, i);
    const memberType = target.memberType(targetId, i);
    if (name === '') {
      // An embedded struct/union: its members belong to this level in C, so look inside.
      const found = matchMember(local, localAcc, target, memberType, spec);
      if (found !== undefined) return found;
    } else if (name === localName) {
      if (!fieldsAreCompat(local, localMemberType, target, memberType)) {
        spec.bitOffset -= bitOffset;
        spec.raw.pop();
        return undefined;
      }
      spec.access.push({ typeId: targetId, idx: i, name });
      return memberType;
    }
    spec.bitOffset -= bitOffset;
    spec.raw.pop();
  }
  return undefined;
}

/** An empty target spec for candidate `targetId`. */
function emptySpec(target: Btf, targetId: number, kind: number): CoreSpec {
  return { btf: target, rootTypeId: targetId, kind, access: [], raw: [], bitOffset: 0 };
}

/**
 * Matches `localSpec` against candidate `targetId` of `target`. Returns the target spec, or undefined when the
 * candidate does not fit. Throws `CoreRelocationError` where libbpf fails the relocation outright.
 */
export function matchCoreSpec(localSpec: CoreSpec, target: Btf, targetId: number): CoreSpec | undefined {
  const local = localSpec.btf;
  const kind = localSpec.kind;
  const spec = emptySpec(target, targetId, kind);

  if (isTypeBased(kind)) {
    const ok =
      kind === CoreReloKind.TypeMatches
        ? typesMatch(local, localSpec.rootTypeId, target, targetId)
        : typesAreCompat(local, localSpec.rootTypeId, target, targetId);
    return ok ? spec : undefined;
  }

  if (isEnumvalBased(kind)) {
    const enumId = skipModsAndTypedefs(target, targetId);
    if (!isAnyEnum(target.kind(enumId))) return undefined;
    const wanted = essentialName(localSpec.access[0]!.name ?? '');
    const n = target.vlen(enumId);
    for (let i = 0; i < n; i++) {
      const name = enumeratorName(target, enumId, i);
      if (essentialName(name) !== wanted) continue;
      spec.access.push({ typeId: enumId, idx: i, name });
      spec.raw.push(i);
      return spec;
    }
    return undefined;
  }

  if (!isFieldBased(kind)) throw new CoreRelocationError({}, `unknown relocation kind ${kind}`);

  let id = targetId;
  for (let i = 0; i < localSpec.access.length; i++) {
    const localAcc = localSpec.access[i]!;
    id = skipModsAndTypedefs(target, id);
    if (localAcc.name !== undefined) {
      const next = matchMember(local, localAcc, target, id, spec);
      if (next === undefined) return undefined;
      id = next;
      continue;
    }
    // An index: the root's (the object is element `idx` of an implicit array) or a real array's.
    if (i > 0) {
      if (target.kind(id) !== BtfKind.Array) return undefined;
      const nelems = target.extra(id, 2);
      const flex = isFlexArray(target, spec.access[spec.access.length - 1], nelems);
      if (!flex && localAcc.idx >= nelems) return undefined;
      id = skipModsAndTypedefs(target, target.extra(id, 0));
    }
    if (spec.raw.length === CORE_SPEC_MAX_LEN) tooDeep();
    spec.access.push({ typeId: id, idx: localAcc.idx });
    spec.raw.push(localAcc.idx);
    const sz = resolveSize(target, id);
    if (sz < 0) throw new CoreRelocationError({}, `target type [${id}] has no size`);
    spec.bitOffset += localAcc.idx * sz * 8;
  }
  return spec;
}
