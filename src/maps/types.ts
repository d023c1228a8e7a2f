/** Map types, flags and errno values with the kernel UAPI's numbers (include/uapi/linux/bpf.h). */

import { MapType, type MapTypeName } from '../uapi/bpf.js';

export { MapType, type MapTypeName };

const NAMES = new Map<number, MapTypeName>(Object.entries(MapType).map(([k, v]) => [v, k as MapTypeName]));

/** `BPF_MAP_TYPE_HASH` -> 1, `hash` -> 1, `lru_hash` -> 9; undefined when unknown. */
export function mapTypeFromName(name: string): number | undefined {
  const key = name.replace(/^BPF_MAP_TYPE_/i, '').toUpperCase() as MapTypeName;
  return MapType[key];
}

/** 1 -> `hash` (bpftool's spelling). */
export function mapTypeName(type: number): string {
  return NAMES.get(type)?.toLowerCase() ?? `type ${type}`;
}

/** Update flags. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

/** Map creation flags. */
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_MMAPABLE = 1 << 10;

/** perf_event_output flags. */
export const BPF_F_CURRENT_CPU = 0xffffffff;

/** Errno values returned (negated) by map operations and helpers. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EBADF: 9,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ENOTSUPP: 524,
} as const;

const ERRNO_NAMES = new Map<number, string>(Object.entries(Errno).map(([k, v]) => [v, k]));
export const errnoName = (errno: number): string => ERRNO_NAMES.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;

/** What a map is: the fields of BPF_MAP_CREATE. */
export interface MapDefinition {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** map_extra: number of hash functions of a bloom filter (low 4 bits). */
  extra?: number;
  /** For map-in-map: the inner map's definition. */
  inner?: MapDefinition;
}
