/**
 * Register state (struct bpf_reg_state): what the verifier knows about one register. A pointer keeps its fixed
 * offset in `off` and its variable offset in `s` (the same tnum and bounds a scalar has), as the kernel does.
 */
import { copyScalar, formatScalar, isConst, knownScalar, type Scalar, unknownScalar } from './scalar.js';

export type RegType =
  | 'not_init'
  | 'scalar'
  | 'ctx'
  | 'map_ptr'
  | 'map_value'
  | 'map_key'
  | 'stack'
  | 'pkt'
  | 'pkt_meta'
  | 'pkt_end'
  | 'mem'
  | 'ringbuf_mem'
  | 'func'
  | 'sock_common'
  | 'sock'
  | 'tp_buffer'
  | 'btf_id';

export interface Reg {
  type: RegType;
  /** PTR_MAYBE_NULL: the `_or_null` variants. */
  maybeNull: boolean;
  /** Fixed pointer offset. */
  off: number;
  /** Scalar value, or a pointer's variable offset. */
  s: Scalar;
  /** Shared by registers holding the same value (linked scalars, copies of one nullable pointer, pkt pointers). */
  id: number;
  /** Acquired reference this register holds (ringbuf record, socket), 0 for none. */
  refObjId: number;
  /** Packet pointers: bytes known to be in the packet from `off` (r=). */
  range: number;
  /** map_ptr / map_value / map_key: index into the program's maps. */
  map: number;
  /** mem / ringbuf_mem: size of the memory. */
  memSize: number;
  /** stack: frame number the pointer points into. */
  frameno: number;
  /** func: subprogram index. */
  subprog: number;
}

/**
 * Every register is built here, as one literal with every field in the same order: registers are made at nearly
 * every instruction, and one object shape keeps the checker's property accesses monomorphic.
 */
function makeReg(type: RegType, s: Scalar): Reg {
  return {
    type,
    maybeNull: false,
    off: 0,
    s,
    id: 0,
    refObjId: 0,
    range: 0,
    map: -1,
    memSize: 0,
    frameno: 0,
    subprog: -1,
  };
}

export function notInit(): Reg {
  return makeReg('not_init', unknownScalar());
}

export function scalarReg(s: Scalar = unknownScalar()): Reg {
  return makeReg('scalar', s);
}

export function constReg(v: bigint): Reg {
  return scalarReg(knownScalar(v));
}

/** A pointer of `type` with offset 0 and a known-zero variable part (mark_reg_known_zero). */
export function ptrReg(type: RegType, extra?: Partial<Reg>): Reg {
  const r = makeReg(type, knownScalar(0n));
  return extra ? Object.assign(r, extra) : r;
}

/** Field by field rather than a spread: states are copied at every branch, and this keeps one object shape. */
export const copyReg = (r: Reg): Reg => ({
  type: r.type,
  maybeNull: r.maybeNull,
  off: r.off,
  s: copyScalar(r.s),
  id: r.id,
  refObjId: r.refObjId,
  range: r.range,
  map: r.map,
  memSize: r.memSize,
  frameno: r.frameno,
  subprog: r.subprog,
});

export const isPointer = (r: Reg): boolean => r.type !== 'scalar' && r.type !== 'not_init';
export const isPktPointer = (r: Reg): boolean => r.type === 'pkt' || r.type === 'pkt_meta';
export const isPktAny = (r: Reg): boolean => isPktPointer(r) || r.type === 'pkt_end';

const TYPE_NAMES: Record<RegType, string> = {
  not_init: '?',
  scalar: 'scalar',
  ctx: 'ctx',
  map_ptr: 'map_ptr',
  map_value: 'map_value',
  map_key: 'map_key',
  stack: 'fp',
  pkt: 'pkt',
  pkt_meta: 'pkt_meta',
  pkt_end: 'pkt_end',
  mem: 'mem',
  ringbuf_mem: 'mem',
  func: 'func',
  sock_common: 'sock_common',
  sock: 'sock',
  tp_buffer: 'tp_buffer',
  btf_id: 'ptr_',
};

/** The kernel's reg_type_str: `map_value_or_null`, `fp`, `pkt_end`, `scalar`... */
export function regTypeName(r: Reg): string {
  // A map-in-map lookup result is map_value_or_null to the kernel until its null check makes it the inner map.
  if (r.type === 'map_ptr' && r.maybeNull) return 'map_value_or_null';
  const prefix = r.type === 'ringbuf_mem' ? 'ringbuf_' : '';
  return `${prefix}${TYPE_NAMES[r.type]}${r.maybeNull ? '_or_null' : ''}`;
}

/** One register as the kernel's state log prints it (`R1=ctx()`, `R0=map_value(map=m,ks=4,vs=8)`, `R2=pkt(r=14)`). */
export function formatReg(r: Reg, mapName?: (index: number) => string): string {
  if (r.type === 'not_init') return 'not_init';
  if (r.type === 'scalar') {
    const text = formatScalar(r.s);
    return r.id && !isConst(r.s) ? text.replace('scalar(', `scalar(id=${r.id}${text === 'scalar()' ? '' : ','}`) : text;
  }
  if (r.type === 'stack') {
    const varPart = isConst(r.s) ? '' : `,${formatScalar(r.s)}`;
    return `fp${r.off}${varPart}`;
  }
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  if (r.type === 'map_ptr' || r.type === 'map_value' || r.type === 'map_key') {
    parts.push(`map=${mapName ? mapName(r.map) : r.map}`);
  }
  if (r.off) parts.push(`off=${r.off}`);
  if (r.type === 'pkt' || r.type === 'pkt_meta') parts.push(`r=${r.range}`);
  if (r.type === 'mem' || r.type === 'ringbuf_mem') parts.push(`sz=${r.memSize}`);
  if (!isConst(r.s) || r.s.t.value !== 0n) {
    const text = formatScalar(r.s);
    parts.push(text.startsWith('scalar(') ? text.slice(7, -1) : `var_off=${text}`);
  }
  return `${regTypeName(r)}(${parts.filter((p) => p !== '').join(',')})`;
}
