/**
 * The access specification of a CO-RE relocation (libbpf's struct bpf_core_spec): clang records `&p->a.b[3]` as the
 * root type plus an access string of indexes, "0:1:2:3". The low-level form (`raw`) keeps every index, including
 * steps through anonymous struct/union members; the high-level form (`access`) keeps only what carries meaning
 * across kernels: named fields and array indexes. Matching against a target works on the high-level form, because
 * anonymous members may be arranged differently there.
 */
import type { Btf } from './btf.js';
import { CoreRelocationError } from './core-errors.js';
import { coreReloKindName, isEnumvalBased, isFieldBased, isTypeBased } from './core-kinds.js';
import { isAnyEnum } from './core-names.js';
import { resolveSize, skipModsAndTypedefs } from './graph.js';
import { BtfKind } from './kinds.js';

/** BPF_CORE_SPEC_MAX_LEN: the deepest access (struct, union and array nesting) libbpf accepts. */
export const CORE_SPEC_MAX_LEN = 64;

/** One high-level step: a named member `idx` of struct/union `typeId`, or element `idx` of an array of `typeId`. */
export interface CoreAccessor {
  /** For a member: the struct/union (modifiers and typedefs skipped). For an index: the element type. */
  typeId: number;
  idx: number;
  /** Member or enumerator name; undefined for array indexes (the first accessor is always one). */
  name?: string;
}

export interface CoreSpec {
  btf: Btf;
  /** The relocation's type: the local root, or the candidate in the target. */
  rootTypeId: number;
  kind: number;
  access: CoreAccessor[];
  raw: number[];
  /** Bit offset of the accessed field from the start of the root object (field-based kinds). */
  bitOffset: number;
}

/** A relocation record as clang wrote it: root type id, access string, kind. */
export interface CoreRelocationInput {
  typeId: number;
  accessString: string;
  kind: number;
}

function fail(detail: string): never {
  throw new CoreRelocationError({}, detail);
}

/** A size that must exist: libbpf fails the relocation when btf__resolve_size does. */
function sizeOrFail(btf: Btf, id: number, what: string): number {
  const sz = resolveSize(btf, id);
  if (sz < 0) fail(`${what} [${id}] has no size`);
  return sz;
}

/** Splits "0:1:2" as libbpf's sscanf loop does, refusing what that loop refuses (empty parts, leading ':'). */
function parseAccessString(s: string): number[] {
  if (s === '' || s[0] === ':') fail(`bad access string '${s}'`);
  const parts = s.split(':');
  if (parts.length > CORE_SPEC_MAX_LEN) fail(`access string '${s}' is deeper than ${CORE_SPEC_MAX_LEN}`);
  return parts.map((p) => {
    // Negative indexes would make libbpf read outside the member table; accept only what clang emits.
    if (!/^\d{1,9}$/.test(p)) fail(`bad access string '${s}'`);
    return Number(p);
  });
}

/**
 * The flexible array rule: an array of zero elements that is the last member of a struct may be indexed past its
 * (zero) bound. `prev` is the accessor before the array step.
 */
export function isFlexArray(btf: Btf, prev: CoreAccessor | undefined, nelems: number): boolean {
  if (prev?.name === undefined || nelems > 0) return false;
  return prev.idx === btf.vlen(prev.typeId) - 1;
}

/**
 * bpf_core_parse_spec: turns the local relocation into a spec, checking every index against the local BTF and
 * computing the field's bit offset. Throws `CoreRelocationError` for anything clang would not have produced.
 */
export function parseCoreSpec(btf: Btf, relo: CoreRelocationInput): CoreSpec {
  const spec: CoreSpec = { btf, rootTypeId: relo.typeId, kind: relo.kind, access: [], raw: [], bitOffset: 0 };
  const str = relo.accessString;
  if (str === '' || str[0] === ':') fail(`bad access string '${str}'`);
  if (isTypeBased(relo.kind)) {
    if (str !== '0') fail(`type-based relocation with access string '${str}' (expected '0')`);
    return spec;
  }
  spec.raw = parseAccessString(str);
  let id = skipModsAndTypedefs(btf, relo.typeId);
  const first = spec.raw[0]!;
  spec.access.push({ typeId: id, idx: first });

  if (isEnumvalBased(relo.kind)) {
    const k = btf.kind(id);
    if (!isAnyEnum(k)) fail(`enum value relocation on [${id}], which is not an enum`);
    if (spec.raw.length > 1) fail(`enum value relocation with access string '${str}'`);
    if (first >= btf.vlen(id)) fail(`enumerator #${first} out of range in enum [${id}]`);
    const stride = k === BtfKind.Enum ? 2 : 3;
    const off = btf.extra(id, first * stride);
    spec.access[0]!.name = off === 0 ? '' : btf.str(off);
    return spec;
  }
  if (!isFieldBased(relo.kind)) fail(`unknown relocation kind ${relo.kind}`);

  spec.bitOffset = first * sizeOrFail(btf, id, 'root type') * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    id = skipModsAndTypedefs(btf, id);
    const idx = spec.raw[i]!;
    const k = btf.kind(id);
    if (k === BtfKind.Struct || k === BtfKind.Union) {
      if (idx >= btf.vlen(id)) fail(`member #${idx} out of range in [${id}] (access string '${str}')`);
      spec.bitOffset += btf.memberBitOffset(id, idx);
      const nameOff = btf.memberNameOffset(id, idx);
      if (nameOff !== 0) {
        const name = btf.str(nameOff);
        if (name === '') fail(`member #${idx} of [${id}] has an empty name`);
        spec.access.push({ typeId: id, idx, name });
      }
      id = btf.memberType(id, idx);
    } else if (k === BtfKind.Array) {
      const nelems = btf.extra(id, 2);
      const elem = skipModsAndTypedefs(btf, btf.extra(id, 0));
      const flex = isFlexArray(btf, spec.access[spec.access.length - 1], nelems);
      if (!flex && idx >= nelems) fail(`index ${idx} out of range of array [${id}] (access string '${str}')`);
      spec.access.push({ typeId: elem, idx });
      spec.bitOffset += idx * sizeOrFail(btf, elem, 'array element') * 8;
      id = elem;
    } else {
      fail(`access string '${str}' (at step ${i}) goes into type [${id}], which is neither struct, union nor array`);
    }
  }
  if (spec.bitOffset > 0xffffffff) fail(`field offset of '${str}' overflows 32 bits`);
  return spec;
}

/** libbpf's btf_kind_str: the lower-case kind name used in its CO-RE messages. */
export function kindString(btf: Btf, id: number): string {
  return (
    [
      'void',
      'int',
      'ptr',
      'array',
      'struct',
      'union',
      'enum',
      'fwd',
      'typedef',
      'volatile',
      'const',
      'restrict',
      'func',
      'func_proto',
      'var',
      'datasec',
      'float',
      'decl_tag',
      'type_tag',
      'enum64',
    ][btf.kind(id)] ?? 'unknown'
  );
}

/**
 * The access as C would write it: `task_struct.pid`, `task_struct.comm[3]`, `mm_struct.mm_users.counter`,
 * `pid_type::PIDTYPE_TGID`, or just the type name for type-based relocations.
 */
export function formatAccess(spec: CoreSpec): string {
  const root = spec.btf.name(spec.rootTypeId) || '<anon>';
  if (isTypeBased(spec.kind)) return root;
  if (isEnumvalBased(spec.kind)) return `${root}::${spec.access[0]?.name ?? '?'}`;
  let s = root;
  spec.access.forEach((acc, i) => {
    if (acc.name !== undefined) s += `.${acc.name}`;
    else if (i > 0 || acc.idx > 0) s += `[${acc.idx}]`;
  });
  return s;
}

/**
 * libbpf's bpf_core_format_spec, character for character, so our specs can be compared with libbpf's debug log:
 * `<byte_off> [5] struct task_struct.pid (0:92 @ offset 1264)`.
 */
export function formatCoreSpec(spec: CoreSpec): string {
  const { btf } = spec;
  let s = `<${coreReloKindName(spec.kind)}> [${spec.rootTypeId}] ${kindString(btf, spec.rootTypeId)} ${
    btf.name(spec.rootTypeId) || '<anon>'
  }`;
  if (isTypeBased(spec.kind)) return s;
  if (isEnumvalBased(spec.kind)) {
    const t = skipModsAndTypedefs(btf, spec.rootTypeId);
    const idx = spec.raw[0] ?? 0;
    const v = enumeratorValue(btf, t, idx);
    const signed = btf.kindFlag(t);
    const shown = btf.kind(t) === BtfKind.Enum ? (signed ? v.signed32 : v.unsigned32) : signed ? v.signed64 : v.value;
    return `${s}::${enumeratorName(btf, t, idx)} = ${shown}`;
  }
  if (isFieldBased(spec.kind)) {
    spec.access.forEach((acc, i) => {
      if (acc.name !== undefined) s += `.${acc.name}`;
      else if (i > 0 || acc.idx > 0) s += `[${acc.idx}]`;
    });
    s += ` (${spec.raw.join(':')}`;
    const bits = spec.bitOffset % 8;
    s += bits !== 0 ? ` @ offset ${Math.floor(spec.bitOffset / 8)}.${bits})` : ` @ offset ${spec.bitOffset / 8})`;
  }
  return s;
}

export function enumeratorName(btf: Btf, enumId: number, idx: number): string {
  const off = btf.extra(enumId, idx * (btf.kind(enumId) === BtfKind.Enum ? 2 : 3));
  return off === 0 ? '' : btf.str(off);
}

/**
 * Enumerator `idx`'s value in the ways libbpf uses it: `value` is the u64 libbpf relocates with (a 32-bit enum's
 * value is an s32 widened with its sign, as C's conversion of `btf_enum.val` to `__u64` does).
 */
export function enumeratorValue(
  btf: Btf,
  enumId: number,
  idx: number,
): { value: bigint; signed32: number; unsigned32: number; signed64: bigint } {
  if (btf.kind(enumId) === BtfKind.Enum) {
    const raw = btf.extra(enumId, idx * 2 + 1);
    const value = BigInt.asUintN(64, BigInt(raw | 0));
    return { value, signed32: raw | 0, unsigned32: raw >>> 0, signed64: BigInt(raw | 0) };
  }
  const lo = btf.extra(enumId, idx * 3 + 1) >>> 0;
  const hi = btf.extra(enumId, idx * 3 + 2) >>> 0;
  const value = (BigInt(hi) << 32n) | BigInt(lo);
  return { value, signed32: lo | 0, unsigned32: lo, signed64: BigInt.asIntN(64, value) };
}
