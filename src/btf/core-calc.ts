/**
 * The value a relocation stands for, computed from a spec (libbpf's bpf_core_calc_*_relo): computed once from the
 * local spec (what clang put in the instruction) and once from the target spec (what it must become).
 */
import type { Btf } from './btf.js';
import { intEncoding } from './core-compat.js';
import { CoreRelocationError } from './core-errors.js';
import { CoreReloKind, isEnumvalBased, isFieldBased, isTypeBased } from './core-kinds.js';
import { isAnyEnum } from './core-names.js';
import { type CoreSpec, enumeratorValue } from './core-spec.js';
import { resolveSize, skipModsAndTypedefs } from './graph.js';
import { BTF_INT_SIGNED, BtfKind } from './kinds.js';

/** The outcome of one relocation (libbpf's struct bpf_core_relo_res). Values are u64, as libbpf keeps them. */
export interface CoreValues {
  /** The value clang compiled in (from the local spec). */
  origValue: bigint;
  /** The value for the target. */
  newValue: bigint;
  /** The field or value is missing from the target: the instruction must be poisoned. */
  poison: boolean;
  /** Whether the instruction must hold `origValue` before patching (off for bitfields and type ids). */
  validate: boolean;
  /** The load/store size would change in a way that misreads the field (e.g. a signed int changed width). */
  failMemSizeAdjust: boolean;
  /** Memory access sizes for byte_off on a non-bitfield field (0 when not applicable), local and target. */
  origSize: number;
  newSize: number;
  origTypeId: number;
  newTypeId: number;
}

interface FieldValue {
  value: bigint;
  size: number;
  typeId: number;
  validate: boolean;
}

const POISON = Symbol('poison');

function fail(detail: string): never {
  throw new CoreRelocationError({}, detail);
}

const u32 = (n: number): bigint => BigInt(n >>> 0);

function sizeOrFail(btf: Btf, id: number): number {
  const sz = resolveSize(btf, id);
  if (sz < 0) fail(`type [${id}] has no size`);
  return sz;
}

/** bpf_core_calc_field_relo for one side; `spec` undefined means the field was not found. */
function fieldValue(kind: number, spec: CoreSpec | undefined): FieldValue | typeof POISON {
  if (kind === CoreReloKind.FieldExists) return { value: spec ? 1n : 0n, size: 0, typeId: 0, validate: true };
  if (!spec) return POISON;
  const btf = spec.btf;
  const acc = spec.access[spec.access.length - 1]!;

  if (acc.name === undefined) {
    // The access ends in an array element (or is the root object itself).
    const sz = sizeOrFail(btf, acc.typeId);
    if (kind === CoreReloKind.FieldByteOffset) {
      return { value: u32(Math.floor(spec.bitOffset / 8)), size: sz, typeId: acc.typeId, validate: true };
    }
    if (kind === CoreReloKind.FieldByteSize) return { value: u32(sz), size: 0, typeId: 0, validate: true };
    fail('relocation cannot be applied to an array access');
  }

  const fieldTypeId = skipModsAndTypedefs(btf, btf.memberType(acc.typeId, acc.idx));
  const bitOff = spec.bitOffset;
  let bitSize = btf.memberBitfieldSize(acc.typeId, acc.idx);
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOff: number;
  if (bitfield) {
    // The smallest aligned load, starting from the declared type's size, that holds every bit of the field.
    byteSize = btf.sizeOrType(fieldTypeId);
    if (byteSize === 0) fail(`bitfield of type [${fieldTypeId}] has no size`);
    byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
      if (byteSize >= 8) fail('bitfield cannot be read with a 64-bit load');
      byteSize *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    }
  } else {
    byteSize = sizeOrFail(btf, fieldTypeId);
    byteOff = Math.floor(bitOff / 8);
    bitSize = byteSize * 8;
  }
  // For bitfields clang and libbpf may pick different (equally valid) loads, so only exact kinds are checked.
  let validate = !bitfield;
  let value: bigint;
  let size = 0;
  let typeId = 0;
  switch (kind) {
    case CoreReloKind.FieldByteOffset:
      value = u32(byteOff);
      if (!bitfield) {
        size = byteSize;
        typeId = fieldTypeId;
      }
      break;
    case CoreReloKind.FieldByteSize:
      value = u32(byteSize);
      break;
    case CoreReloKind.FieldSigned: {
      const k = btf.kind(fieldTypeId);
      const signed =
        (isAnyEnum(k) && btf.kindFlag(fieldTypeId)) ||
        (k === BtfKind.Int && (intEncoding(btf, fieldTypeId) & BTF_INT_SIGNED) !== 0);
      value = signed ? 1n : 0n;
      validate = true;
      break;
    }
    case CoreReloKind.FieldLshiftU64:
      // Computed in 32-bit unsigned arithmetic, as libbpf does.
      value = btf.littleEndian
        ? u32(64 - (bitOff + bitSize - byteOff * 8))
        : u32((8 - byteSize) * 8 + (bitOff - byteOff * 8));
      break;
    case CoreReloKind.FieldRshiftU64:
      value = u32(64 - bitSize);
      validate = true;
      break;
    default:
      fail(`unsupported field relocation kind ${kind}`);
  }
  return { value, size, typeId, validate };
}

/** bpf_core_calc_type_relo for one side; a missing type gives 0, never poison. */
function typeValue(kind: number, spec: CoreSpec | undefined): { value: bigint; validate: boolean } {
  if (!spec) return { value: 0n, validate: true };
  switch (kind) {
    case CoreReloKind.TypeIdTarget:
      // Type ids in the instruction may have changed when objects were linked: not worth checking.
      return { value: u32(spec.rootTypeId), validate: false };
    case CoreReloKind.TypeExists:
    case CoreReloKind.TypeMatches:
      return { value: 1n, validate: true };
    case CoreReloKind.TypeSize:
      return { value: u32(sizeOrFail(spec.btf, spec.rootTypeId)), validate: true };
    default:
      return fail(`unsupported type relocation kind ${kind}`);
  }
}

/** bpf_core_calc_enumval_relo for one side. */
function enumValue(kind: number, spec: CoreSpec | undefined): bigint | typeof POISON {
  if (kind === CoreReloKind.EnumvalExists) return spec ? 1n : 0n;
  if (kind !== CoreReloKind.EnumvalValue) fail(`unsupported enum value relocation kind ${kind}`);
  if (!spec) return POISON;
  const acc = spec.access[0]!;
  return enumeratorValue(spec.btf, acc.typeId, acc.idx).value;
}

function isUnsignedInt(btf: Btf, id: number): boolean {
  return btf.kind(id) === BtfKind.Int && intEncoding(btf, id) !== BTF_INT_SIGNED;
}

/**
 * bpf_core_calc_relo: local and target values of one relocation. `targetSpec` undefined means no candidate
 * matched, which gives 0 for existence kinds and poison for the others.
 */
export function calcCoreValues(localSpec: CoreSpec, targetSpec: CoreSpec | undefined): CoreValues {
  const kind = localSpec.kind;
  const res: CoreValues = {
    origValue: 0n,
    newValue: 0n,
    poison: false,
    validate: true,
    failMemSizeAdjust: false,
    origSize: 0,
    newSize: 0,
    origTypeId: 0,
    newTypeId: 0,
  };
  if (isFieldBased(kind)) {
    const orig = fieldValue(kind, localSpec);
    if (orig === POISON) throw new Error('unreachable: the local spec always exists');
    res.origValue = orig.value;
    res.origSize = orig.size;
    res.origTypeId = orig.typeId;
    res.validate = orig.validate;
    const next = fieldValue(kind, targetSpec);
    if (next === POISON) {
      res.poison = true;
      return res;
    }
    res.newValue = next.value;
    res.newSize = next.size;
    res.newTypeId = next.typeId;
    if (res.origSize !== res.newSize) {
      // Changing the access size is only safe when zero extension keeps the value: pointers (32-bit kernels)
      // and unsigned integers. Anything else would read the field wrong.
      const local = localSpec.btf;
      const target = targetSpec!.btf;
      const bothPtr = local.kind(res.origTypeId) === BtfKind.Ptr && target.kind(res.newTypeId) === BtfKind.Ptr;
      const bothUnsigned = isUnsignedInt(local, res.origTypeId) && isUnsignedInt(target, res.newTypeId);
      if (!bothPtr && !bothUnsigned) res.failMemSizeAdjust = true;
    }
  } else if (isTypeBased(kind)) {
    const orig = typeValue(kind, localSpec);
    res.origValue = orig.value;
    res.validate = orig.validate;
    res.newValue = typeValue(kind, targetSpec).value;
  } else if (isEnumvalBased(kind)) {
    const orig = enumValue(kind, localSpec);
    if (orig === POISON) throw new Error('unreachable: the local spec always exists');
    res.origValue = orig;
    const next = enumValue(kind, targetSpec);
    if (next === POISON) res.poison = true;
    else res.newValue = next;
  } else {
    fail(`unrecognized CO-RE relocation kind ${kind}`);
  }
  return res;
}
