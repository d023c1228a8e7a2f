/**
 * CO-RE relocation kinds (enum bpf_core_relo_kind in include/uapi/linux/bpf.h) and the three families libbpf
 * sorts them into: field-based (need an access path), type-based (the root type alone) and enum-value-based.
 */
import { CORE_RELO_KIND_NAMES } from './ext.js';

export const CoreReloKind = {
  FieldByteOffset: 0,
  FieldByteSize: 1,
  FieldExists: 2,
  FieldSigned: 3,
  FieldLshiftU64: 4,
  FieldRshiftU64: 5,
  TypeIdLocal: 6,
  TypeIdTarget: 7,
  TypeExists: 8,
  TypeSize: 9,
  EnumvalExists: 10,
  EnumvalValue: 11,
  TypeMatches: 12,
} as const;
export type CoreReloKind = (typeof CoreReloKind)[keyof typeof CoreReloKind];

/** libbpf's name of a kind (`byte_off`, `type_exists`, ...), `unknown` for numbers it does not know. */
export function coreReloKindName(kind: number): string {
  return CORE_RELO_KIND_NAMES[kind] ?? 'unknown';
}

export function isFieldBased(kind: number): boolean {
  return kind >= CoreReloKind.FieldByteOffset && kind <= CoreReloKind.FieldRshiftU64;
}

export function isTypeBased(kind: number): boolean {
  return (kind >= CoreReloKind.TypeIdLocal && kind <= CoreReloKind.TypeSize) || kind === CoreReloKind.TypeMatches;
}

export function isEnumvalBased(kind: number): boolean {
  return kind === CoreReloKind.EnumvalExists || kind === CoreReloKind.EnumvalValue;
}
