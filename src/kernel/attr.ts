/**
 * `union bpf_attr`: byte offsets of the fields each command reads, from include/uapi/linux/bpf.h (checked with
 * offsetof() against the installed header and against this kernel's BTF for the newer tail fields).
 *
 * The attr is written into a zeroed native buffer: the kernel rejects non-zero bytes beyond the fields a command
 * uses, so zeroing first is what makes "unset" mean "default". ATTR_SIZE covers every field below; a kernel with
 * a smaller union accepts it as long as the extra tail is zero.
 */

import { bpfCmdName } from './constants.js';
import { KernelError } from './errors.js';
import { NativeBuffer, setU64 } from './native.js';
import { lastErrno, sysBpf } from './syscall.js';

export const ATTR_SIZE = 168;

/** BPF_MAP_CREATE */
export const MapCreateAttr = {
  mapType: 0,
  keySize: 4,
  valueSize: 8,
  maxEntries: 12,
  mapFlags: 16,
  innerMapFd: 20,
  numaNode: 24,
  mapName: 28,
  mapIfindex: 44,
  btfFd: 48,
  btfKeyTypeId: 52,
  btfValueTypeId: 56,
  btfVmlinuxValueTypeId: 60,
  mapExtra: 64,
  valueTypeBtfObjFd: 72,
  mapTokenFd: 76,
} as const;

/** BPF_MAP_*_ELEM (lookup, update, delete, get next key, lookup and delete). */
export const MapElemAttr = { mapFd: 0, key: 8, value: 16, nextKey: 16, flags: 24, size: 32 } as const;

/** BPF_MAP_*_BATCH */
export const MapBatchAttr = {
  inBatch: 0,
  outBatch: 8,
  keys: 16,
  values: 24,
  count: 32,
  mapFd: 36,
  elemFlags: 40,
  flags: 48,
} as const;

/** BPF_PROG_LOAD */
export const ProgLoadAttr = {
  progType: 0,
  insnCnt: 4,
  insns: 8,
  license: 16,
  logLevel: 24,
  logSize: 28,
  logBuf: 32,
  kernVersion: 40,
  progFlags: 44,
  progName: 48,
  progIfindex: 64,
  expectedAttachType: 68,
  progBtfFd: 72,
  funcInfoRecSize: 76,
  funcInfo: 80,
  funcInfoCnt: 88,
  lineInfoRecSize: 92,
  lineInfo: 96,
  lineInfoCnt: 104,
  attachBtfId: 108,
  attachProgFd: 112,
  coreReloCnt: 116,
  fdArray: 120,
  coreRelos: 128,
  coreReloRecSize: 136,
  logTrueSize: 140,
  progTokenFd: 144,
  fdArrayCnt: 148,
} as const;

/** BPF_OBJ_PIN, BPF_OBJ_GET */
export const ObjAttr = { pathname: 0, bpfFd: 8, fileFlags: 12, pathFd: 16 } as const;

/** BPF_PROG_ATTACH, BPF_PROG_DETACH */
export const ProgAttachAttr = {
  targetFd: 0,
  attachBpfFd: 4,
  attachType: 8,
  attachFlags: 12,
  replaceBpfFd: 16,
} as const;

/**
 * BPF_PROG_QUERY. `progCnt` is in/out (room given, programs attached); `progAttachFlags` (5.19+) and the link
 * fields (6.6+) are output arrays; `revision` (6.6+) changes with every attach or detach on the target.
 */
export const ProgQueryAttr = {
  targetFd: 0,
  attachType: 4,
  queryFlags: 8,
  attachFlags: 12,
  progIds: 16,
  progCnt: 24,
  progAttachFlags: 32,
  linkIds: 40,
  linkAttachFlags: 48,
  revision: 56,
} as const;

/** BPF_PROG_TEST_RUN */
export const TestRunAttr = {
  progFd: 0,
  retval: 4,
  dataSizeIn: 8,
  dataSizeOut: 12,
  dataIn: 16,
  dataOut: 24,
  repeat: 32,
  duration: 36,
  ctxSizeIn: 40,
  ctxSizeOut: 44,
  ctxIn: 48,
  ctxOut: 56,
  flags: 64,
  cpu: 68,
  batchSize: 72,
} as const;

/** BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID */
export const IdAttr = { startId: 0, id: 0, nextId: 4, openFlags: 8 } as const;

/** BPF_OBJ_GET_INFO_BY_FD */
export const InfoAttr = { bpfFd: 0, infoLen: 4, info: 8 } as const;

/** BPF_RAW_TRACEPOINT_OPEN */
export const RawTracepointAttr = { name: 0, progFd: 8 } as const;

/** BPF_BTF_LOAD */
export const BtfLoadAttr = {
  btf: 0,
  btfLogBuf: 8,
  btfSize: 16,
  btfLogSize: 20,
  btfLogLevel: 24,
  btfLogTrueSize: 28,
} as const;

/** BPF_LINK_CREATE (target_btf_id / iter_info / perf_event.bpf_cookie overlay at 16). */
export const LinkCreateAttr = {
  progFd: 0,
  targetFd: 4,
  attachType: 8,
  flags: 12,
  targetBtfId: 16,
  iterInfo: 16,
  iterInfoLen: 24,
  perfEventCookie: 16,
  tracingCookie: 24,
} as const;

/** BPF_LINK_DETACH */
export const LinkDetachAttr = { linkFd: 0 } as const;

/** BPF_ENABLE_STATS */
export const EnableStatsAttr = { type: 0 } as const;

/**
 * The attr buffer shared by all non-hot-path commands. JavaScript runs one call at a time and every command
 * completes synchronously, so one buffer serves them all; `begin()` zeroes it for the next command.
 */
let shared: NativeBuffer | undefined;

export function beginAttr(): NativeBuffer {
  shared ??= new NativeBuffer(ATTR_SIZE);
  shared.bytes.fill(0);
  return shared;
}

/** Writes a u32 field. */
export function putU32(attr: NativeBuffer, offset: number, value: number): void {
  attr.view.setUint32(offset, value >>> 0, true);
}

/** Writes an address (or 0 for NULL). */
export function putPtr(attr: NativeBuffer, offset: number, address: number): void {
  setU64(attr.view, offset, address);
}

/** Writes a u64 field given as a bigint (flags, cookies). */
export function putU64(attr: NativeBuffer, offset: number, value: bigint | number): void {
  attr.view.setBigUint64(offset, BigInt.asUintN(64, BigInt(value)), true);
}

/** Writes a NUL-padded object name (at most 15 bytes, the kernel's BPF_OBJ_NAME_LEN - 1). */
export function putName(attr: NativeBuffer, offset: number, name: string | undefined): void {
  if (!name) return;
  const encoded = new TextEncoder().encode(name).subarray(0, 15);
  attr.bytes.set(encoded, offset);
}

/** Issues bpf(cmd, attr): the non-negative result, or a KernelError naming the command. */
export function bpfCall(cmd: number, attr: NativeBuffer, size = ATTR_SIZE): number {
  const result = sysBpf(cmd, attr.address, size);
  if (result < 0) throw new KernelError(bpfCmdName(cmd), lastErrno());
  return result;
}
