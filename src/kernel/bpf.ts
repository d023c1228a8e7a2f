/**
 * One function per bpf() command, taking typed options and returning typed results. Inputs are copied into
 * native memory for the duration of the call (see native.ts); outputs are copied back into fresh Uint8Arrays.
 * Hot paths that must not allocate (map lookups in a loop) live in map.ts with their own preallocated attr.
 */
import {
  BtfLoadAttr,
  beginAttr,
  bpfCall,
  EnableStatsAttr,
  IdAttr,
  LinkCreateAttr,
  LinkDetachAttr,
  MapBatchAttr,
  MapCreateAttr,
  MapElemAttr,
  ObjAttr,
  ProgAttachAttr,
  ProgLoadAttr,
  ProgQueryAttr,
  putName,
  putPtr,
  putU32,
  putU64,
  RawTracepointAttr,
  TestRunAttr,
} from './attr.js';
import { BpfCmd } from './constants.js';
import { isKernelError } from './errors.js';
import { Fd } from './fd.js';
import { withArena } from './native.js';
import { type LoadWithLogResult, loadWithLog } from './verifier-log.js';

export interface MapCreateOptions {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
  innerMapFd?: number;
  numaNode?: number;
  ifindex?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: bigint;
}

export function mapCreate(options: MapCreateOptions): Fd {
  return withArena(() => {
    const attr = beginAttr();
    const a = MapCreateAttr;
    putU32(attr, a.mapType, options.type);
    putU32(attr, a.keySize, options.keySize);
    putU32(attr, a.valueSize, options.valueSize);
    putU32(attr, a.maxEntries, options.maxEntries);
    putU32(attr, a.mapFlags, options.flags ?? 0);
    putU32(attr, a.innerMapFd, options.innerMapFd ?? 0);
    putU32(attr, a.numaNode, options.numaNode ?? 0);
    putName(attr, a.mapName, options.name);
    putU32(attr, a.mapIfindex, options.ifindex ?? 0);
    putU32(attr, a.btfFd, options.btfFd ?? 0);
    putU32(attr, a.btfKeyTypeId, options.btfKeyTypeId ?? 0);
    putU32(attr, a.btfValueTypeId, options.btfValueTypeId ?? 0);
    putU32(attr, a.btfVmlinuxValueTypeId, options.btfVmlinuxValueTypeId ?? 0);
    putU64(attr, a.mapExtra, options.mapExtra ?? 0n);
    return new Fd(bpfCall(BpfCmd.MAP_CREATE, attr));
  });
}

/** The value stored under `key`, or undefined when there is none (ENOENT). `valueSize` is the user-visible size. */
export function mapLookupElem(
  mapFd: number,
  key: Uint8Array | undefined,
  valueSize: number,
  flags = 0,
): Uint8Array | undefined {
  return elemWithValueOut(BpfCmd.MAP_LOOKUP_ELEM, mapFd, key, valueSize, flags);
}

/** Removes and returns an element (queue/stack maps take no key), or undefined when there is none. */
export function mapLookupAndDeleteElem(
  mapFd: number,
  key: Uint8Array | undefined,
  valueSize: number,
  flags = 0,
): Uint8Array | undefined {
  return elemWithValueOut(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM, mapFd, key, valueSize, flags);
}

function elemWithValueOut(cmd: number, mapFd: number, key: Uint8Array | undefined, valueSize: number, flags: number) {
  return withArena((arena) => {
    const attr = beginAttr();
    const value = arena.reserve(valueSize);
    putU32(attr, MapElemAttr.mapFd, mapFd);
    putPtr(attr, MapElemAttr.key, arena.put(key));
    putPtr(attr, MapElemAttr.value, value.address);
    putU64(attr, MapElemAttr.flags, flags);
    if (!tolerateEnoent(() => bpfCall(cmd, attr))) return undefined;
    return value.bytes.slice();
  });
}

export function mapUpdateElem(mapFd: number, key: Uint8Array | undefined, value: Uint8Array, flags = 0): void {
  withArena((arena) => {
    const attr = beginAttr();
    putU32(attr, MapElemAttr.mapFd, mapFd);
    putPtr(attr, MapElemAttr.key, arena.put(key));
    putPtr(attr, MapElemAttr.value, arena.put(value));
    putU64(attr, MapElemAttr.flags, flags);
    bpfCall(BpfCmd.MAP_UPDATE_ELEM, attr);
  });
}

/** Deletes `key`; false when it was not there. */
export function mapDeleteElem(mapFd: number, key: Uint8Array, flags = 0): boolean {
  return withArena((arena) => {
    const attr = beginAttr();
    putU32(attr, MapElemAttr.mapFd, mapFd);
    putPtr(attr, MapElemAttr.key, arena.put(key));
    putU64(attr, MapElemAttr.flags, flags);
    return tolerateEnoent(() => bpfCall(BpfCmd.MAP_DELETE_ELEM, attr));
  });
}

/** The key after `key` (the first key when `key` is undefined), or undefined at the end. */
export function mapGetNextKey(mapFd: number, key: Uint8Array | undefined, keySize: number): Uint8Array | undefined {
  return withArena((arena) => {
    const attr = beginAttr();
    const next = arena.reserve(keySize);
    putU32(attr, MapElemAttr.mapFd, mapFd);
    putPtr(attr, MapElemAttr.key, arena.put(key));
    putPtr(attr, MapElemAttr.nextKey, next.address);
    if (!tolerateEnoent(() => bpfCall(BpfCmd.MAP_GET_NEXT_KEY, attr))) return undefined;
    return next.bytes.slice();
  });
}

export function mapFreeze(mapFd: number): void {
  const attr = beginAttr();
  putU32(attr, MapElemAttr.mapFd, mapFd);
  bpfCall(BpfCmd.MAP_FREEZE, attr);
}

export interface BatchLookupOptions {
  /** Opaque position returned by the previous call (undefined to start). */
  inBatch?: Uint8Array;
  /** Most elements to return. */
  count: number;
  keySize: number;
  /** Size of one value as the kernel copies it (per-CPU maps: rounded up to 8 times the possible CPUs). */
  valueSize: number;
  /** Size of the batch token: the key size for hash maps, 4 for arrays (libbpf uses max(keySize, 4)). */
  batchSize?: number;
  elemFlags?: number;
  flags?: number;
  /** MAP_LOOKUP_AND_DELETE_BATCH instead of MAP_LOOKUP_BATCH. */
  delete?: boolean;
}

export interface BatchLookupResult {
  count: number;
  keys: Uint8Array;
  values: Uint8Array;
  /** Pass as `inBatch` to continue; undefined when the map has been walked to its end. */
  next: Uint8Array | undefined;
}

export function mapLookupBatch(mapFd: number, options: BatchLookupOptions): BatchLookupResult {
  return withArena((arena) => {
    const attr = beginAttr();
    const batchSize = options.batchSize ?? Math.max(options.keySize, 4);
    const keys = arena.reserve(options.count * options.keySize);
    const values = arena.reserve(options.count * options.valueSize);
    const outBatch = arena.reserve(batchSize);
    const b = MapBatchAttr;
    putPtr(attr, b.inBatch, arena.put(options.inBatch));
    putPtr(attr, b.outBatch, outBatch.address);
    putPtr(attr, b.keys, keys.address);
    putPtr(attr, b.values, values.address);
    putU32(attr, b.count, options.count);
    putU32(attr, b.mapFd, mapFd);
    putU64(attr, b.elemFlags, options.elemFlags ?? 0);
    putU64(attr, b.flags, options.flags ?? 0);
    const more = tolerateEnoent(() =>
      bpfCall(options.delete ? BpfCmd.MAP_LOOKUP_AND_DELETE_BATCH : BpfCmd.MAP_LOOKUP_BATCH, attr),
    );
    const count = attr.view.getUint32(b.count, true);
    return {
      count,
      keys: keys.bytes.slice(0, count * options.keySize),
      values: values.bytes.slice(0, count * options.valueSize),
      next: more ? outBatch.bytes.slice() : undefined,
    };
  });
}

/** Writes `count` key/value pairs packed back to back; returns how many the kernel processed. */
export function mapUpdateBatch(
  mapFd: number,
  keys: Uint8Array,
  values: Uint8Array,
  count: number,
  elemFlags = 0,
  flags = 0,
): number {
  return withArena((arena) => {
    const attr = beginAttr();
    const b = MapBatchAttr;
    putPtr(attr, b.keys, arena.put(keys));
    putPtr(attr, b.values, arena.put(values));
    putU32(attr, b.count, count);
    putU32(attr, b.mapFd, mapFd);
    putU64(attr, b.elemFlags, elemFlags);
    putU64(attr, b.flags, flags);
    bpfCall(BpfCmd.MAP_UPDATE_BATCH, attr);
    return attr.view.getUint32(b.count, true);
  });
}

/** Deletes `count` packed keys; returns how many were deleted before the first missing one (if any). */
export function mapDeleteBatch(mapFd: number, keys: Uint8Array, count: number, elemFlags = 0, flags = 0): number {
  return withArena((arena) => {
    const attr = beginAttr();
    const b = MapBatchAttr;
    putPtr(attr, b.keys, arena.put(keys));
    putU32(attr, b.count, count);
    putU32(attr, b.mapFd, mapFd);
    putU64(attr, b.elemFlags, elemFlags);
    putU64(attr, b.flags, flags);
    tolerateEnoent(() => bpfCall(BpfCmd.MAP_DELETE_BATCH, attr));
    return attr.view.getUint32(b.count, true);
  });
}

/** func_info / line_info records as the kernel wants them: packed records of `recordSize` bytes. */
export interface BtfExtRecords {
  recordSize: number;
  count: number;
  data: Uint8Array;
}

export interface ProgLoadOptions {
  type: number;
  /** Encoded instructions (8 bytes per slot). */
  insns: Uint8Array;
  license: string;
  name?: string;
  /** 0 (default: no log unless the load fails), 1, 2; add 4 for statistics. */
  logLevel?: number;
  /** Initial log buffer size; grows on ENOSPC. */
  logSize?: number;
  kernVersion?: number;
  flags?: number;
  expectedAttachType?: number;
  btfFd?: number;
  funcInfo?: BtfExtRecords;
  lineInfo?: BtfExtRecords;
  attachBtfId?: number;
  /** Program to attach to (freplace, fentry on a BPF program), or a module BTF object fd. */
  attachProgFd?: number;
  ifindex?: number;
  /** Map fds referenced by index from ld_imm64 (BPF_PSEUDO_MAP_IDX) and kfunc module BTF fds. */
  fdArray?: readonly number[];
}

/** Loads a program; the result holds its fd and the verifier log (empty at log level 0). */
export function progLoad(options: ProgLoadOptions): LoadWithLogResult {
  const p = ProgLoadAttr;
  return loadWithLog({
    cmd: BpfCmd.PROG_LOAD,
    fields: { level: p.logLevel, size: p.logSize, buf: p.logBuf, trueSize: p.logTrueSize },
    logLevel: options.logLevel ?? 0,
    logSize: options.logSize,
    fill(attr, arena) {
      putU32(attr, p.progType, options.type);
      putU32(attr, p.insnCnt, options.insns.length / 8);
      putPtr(attr, p.insns, arena.put(options.insns));
      putPtr(attr, p.license, arena.putString(options.license));
      putU32(attr, p.kernVersion, options.kernVersion ?? 0);
      putU32(attr, p.progFlags, options.flags ?? 0);
      putName(attr, p.progName, options.name);
      putU32(attr, p.progIfindex, options.ifindex ?? 0);
      putU32(attr, p.expectedAttachType, options.expectedAttachType ?? 0);
      putU32(attr, p.progBtfFd, options.btfFd ?? 0);
      if (options.funcInfo) {
        putU32(attr, p.funcInfoRecSize, options.funcInfo.recordSize);
        putPtr(attr, p.funcInfo, arena.put(options.funcInfo.data));
        putU32(attr, p.funcInfoCnt, options.funcInfo.count);
      }
      if (options.lineInfo) {
        putU32(attr, p.lineInfoRecSize, options.lineInfo.recordSize);
        putPtr(attr, p.lineInfo, arena.put(options.lineInfo.data));
        putU32(attr, p.lineInfoCnt, options.lineInfo.count);
      }
      putU32(attr, p.attachBtfId, options.attachBtfId ?? 0);
      putU32(attr, p.attachProgFd, options.attachProgFd ?? 0);
      if (options.fdArray && options.fdArray.length > 0) {
        const fds = new Uint8Array(options.fdArray.length * 4);
        const view = new DataView(fds.buffer);
        options.fdArray.forEach((fd, i) => {
          view.setInt32(i * 4, fd, true);
        });
        putPtr(attr, p.fdArray, arena.put(fds));
      }
    },
  });
}

export interface BtfLoadOptions {
  data: Uint8Array;
  logLevel?: number;
  logSize?: number;
}

/** Loads raw BTF (header, types, strings); the result holds its fd and the log. */
export function btfLoad(options: BtfLoadOptions): LoadWithLogResult {
  const b = BtfLoadAttr;
  return loadWithLog({
    cmd: BpfCmd.BTF_LOAD,
    fields: { level: b.btfLogLevel, size: b.btfLogSize, buf: b.btfLogBuf, trueSize: b.btfLogTrueSize },
    logLevel: options.logLevel ?? 0,
    logSize: options.logSize,
    fill(attr, arena) {
      putPtr(attr, b.btf, arena.put(options.data));
      putU32(attr, b.btfSize, options.data.length);
    },
  });
}

/** Pins the object behind `fd` at `path` (inside a bpf filesystem). */
export function objPin(fd: number, path: string): void {
  withArena((arena) => {
    const attr = beginAttr();
    putPtr(attr, ObjAttr.pathname, arena.putString(path));
    putU32(attr, ObjAttr.bpfFd, fd);
    bpfCall(BpfCmd.OBJ_PIN, attr);
  });
}

/** Opens the object pinned at `path`. `fileFlags`: BPF_F_RDONLY / BPF_F_WRONLY. */
export function objGet(path: string, fileFlags = 0): Fd {
  return withArena((arena) => {
    const attr = beginAttr();
    putPtr(attr, ObjAttr.pathname, arena.putString(path));
    putU32(attr, ObjAttr.fileFlags, fileFlags);
    return new Fd(bpfCall(BpfCmd.OBJ_GET, attr));
  });
}

export interface TestRunOptions {
  progFd: number;
  data?: Uint8Array;
  /** Room for the output packet (default: data length + 256, enough for XDP/skb head adjustments). */
  dataSizeOut?: number;
  ctx?: Uint8Array;
  /** Room for the output context (default: ctx length; 0 for none). */
  ctxSizeOut?: number;
  repeat?: number;
  flags?: number;
  cpu?: number;
  batchSize?: number;
  /**
   * Return the context as the kernel left it in ctx_in. BPF_PROG_TYPE_SYSCALL test runs refuse ctx_out and
   * instead copy the (possibly modified) context back over ctx_in.
   */
  ctxInPlace?: boolean;
}

export interface TestRunResult {
  /** The program's return value (the kernel reports the low 32 bits). */
  retval: number;
  /** Output packet (as long as the kernel said it is). */
  data: Uint8Array;
  /** Output context, if one was asked for. */
  ctx: Uint8Array;
  /** Average run time per repetition in nanoseconds, as measured by the kernel. */
  durationNs: number;
}

export function progTestRun(options: TestRunOptions): TestRunResult {
  return withArena((arena) => {
    const attr = beginAttr();
    const t = TestRunAttr;
    const data = options.data ?? new Uint8Array(0);
    const dataOutSize = options.dataSizeOut ?? (data.length > 0 ? data.length + 256 : 0);
    const ctxOutSize = options.ctxSizeOut ?? options.ctx?.length ?? 0;
    const dataOut = dataOutSize > 0 ? arena.reserve(dataOutSize) : undefined;
    const ctxOut = ctxOutSize > 0 && !options.ctxInPlace ? arena.reserve(ctxOutSize) : undefined;
    const ctxIn = options.ctx && options.ctx.length > 0 ? arena.reserve(options.ctx.length) : undefined;
    if (ctxIn && options.ctx) ctxIn.bytes.set(options.ctx);
    putU32(attr, t.progFd, options.progFd);
    putU32(attr, t.dataSizeIn, data.length);
    putU32(attr, t.dataSizeOut, dataOutSize);
    putPtr(attr, t.dataIn, arena.put(data));
    putPtr(attr, t.dataOut, dataOut?.address ?? 0);
    putU32(attr, t.repeat, options.repeat ?? 0);
    putU32(attr, t.ctxSizeIn, options.ctx?.length ?? 0);
    putU32(attr, t.ctxSizeOut, ctxOut ? ctxOutSize : 0);
    putPtr(attr, t.ctxIn, ctxIn?.address ?? 0);
    putPtr(attr, t.ctxOut, ctxOut?.address ?? 0);
    putU32(attr, t.flags, options.flags ?? 0);
    putU32(attr, t.cpu, options.cpu ?? 0);
    putU32(attr, t.batchSize, options.batchSize ?? 0);
    bpfCall(BpfCmd.PROG_TEST_RUN, attr);
    const dataLen = Math.min(attr.view.getUint32(t.dataSizeOut, true), dataOutSize);
    const ctxLen = Math.min(attr.view.getUint32(t.ctxSizeOut, true), ctxOutSize);
    let ctx = new Uint8Array(0);
    if (options.ctxInPlace && ctxIn) ctx = ctxIn.bytes.slice();
    else if (ctxOut) ctx = ctxOut.bytes.slice(0, ctxLen);
    return {
      retval: attr.view.getUint32(t.retval, true),
      data: dataOut ? dataOut.bytes.slice(0, dataLen) : new Uint8Array(0),
      ctx,
      durationNs: attr.view.getUint32(t.duration, true),
    };
  });
}

export interface LinkCreateOptions {
  progFd: number;
  /** Target fd (cgroup, netns, map) or ifindex, depending on the attach type. */
  target: number;
  attachType: number;
  flags?: number;
  targetBtfId?: number;
  /** bpf_cookie for perf-event links (kprobe, uprobe, tracepoint). */
  perfEventCookie?: bigint;
  /** bpf_iter_link_info bytes for iterators. */
  iterInfo?: Uint8Array;
}

export function linkCreate(options: LinkCreateOptions): Fd {
  return withArena((arena) => {
    const attr = beginAttr();
    const l = LinkCreateAttr;
    putU32(attr, l.progFd, options.progFd);
    putU32(attr, l.targetFd, options.target);
    putU32(attr, l.attachType, options.attachType);
    putU32(attr, l.flags, options.flags ?? 0);
    if (options.targetBtfId !== undefined) putU32(attr, l.targetBtfId, options.targetBtfId);
    if (options.perfEventCookie !== undefined) putU64(attr, l.perfEventCookie, options.perfEventCookie);
    if (options.iterInfo) {
      putPtr(attr, l.iterInfo, arena.put(options.iterInfo));
      putU32(attr, l.iterInfoLen, options.iterInfo.length);
    }
    return new Fd(bpfCall(BpfCmd.LINK_CREATE, attr));
  });
}

export function linkDetach(linkFd: number): void {
  const attr = beginAttr();
  putU32(attr, LinkDetachAttr.linkFd, linkFd);
  bpfCall(BpfCmd.LINK_DETACH, attr);
}

export interface ProgAttachOptions {
  targetFd: number;
  progFd: number;
  attachType: number;
  flags?: number;
  replaceFd?: number;
}

/** Legacy attachment (cgroups, sockmaps, flow dissector, lirc). */
export function progAttach(options: ProgAttachOptions): void {
  const attr = beginAttr();
  const p = ProgAttachAttr;
  putU32(attr, p.targetFd, options.targetFd);
  putU32(attr, p.attachBpfFd, options.progFd);
  putU32(attr, p.attachType, options.attachType);
  putU32(attr, p.attachFlags, options.flags ?? 0);
  putU32(attr, p.replaceBpfFd, options.replaceFd ?? 0);
  bpfCall(BpfCmd.PROG_ATTACH, attr);
}

export function progDetach(options: { targetFd: number; progFd?: number; attachType: number }): void {
  const attr = beginAttr();
  const p = ProgAttachAttr;
  putU32(attr, p.targetFd, options.targetFd);
  putU32(attr, p.attachBpfFd, options.progFd ?? 0);
  putU32(attr, p.attachType, options.attachType);
  bpfCall(BpfCmd.PROG_DETACH, attr);
}

/** BPF_F_QUERY_EFFECTIVE: for cgroups, the programs that run (inherited from ancestors too), not just attached here. */
export const QUERY_EFFECTIVE = 1;

export interface ProgQueryOptions {
  /** The cgroup (or netns, or other target) fd; an ifindex for tcx/netkit. */
  targetFd: number;
  attachType: number;
  /** QUERY_EFFECTIVE or 0. */
  queryFlags?: number;
}

export interface ProgQueryResult {
  /** The target's attach flags (BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI) for this attach type. */
  attachFlags: number;
  /** Ids of the attached programs, in the order they run. */
  progIds: number[];
  /** Per-program attach flags (kernels since 5.19; empty for effective queries, where the kernel refuses them). */
  progAttachFlags: number[];
  /** Bumped by every attach and detach on the target (kernels since 6.6; 0 before and where unsupported). */
  revision: bigint;
}

/** Room for program ids in the first BPF_PROG_QUERY attempt; a longer list retries with the count the kernel gave. */
const QUERY_ROOM = 64;

/** BPF_PROG_QUERY: which programs a target (cgroup, netns...) runs for `attachType`. */
export function progQuery(options: ProgQueryOptions): ProgQueryResult {
  const effective = ((options.queryFlags ?? 0) & QUERY_EFFECTIVE) !== 0;
  let room = QUERY_ROOM;
  for (;;) {
    const result = withArena((arena) => {
      const attr = beginAttr();
      const q = ProgQueryAttr;
      const ids = arena.reserve(room * 4);
      const flags = effective ? undefined : arena.reserve(room * 4);
      putU32(attr, q.targetFd, options.targetFd);
      putU32(attr, q.attachType, options.attachType);
      putU32(attr, q.queryFlags, options.queryFlags ?? 0);
      putPtr(attr, q.progIds, ids.address);
      putU32(attr, q.progCnt, room);
      putPtr(attr, q.progAttachFlags, flags?.address ?? 0);
      let full = false;
      try {
        bpfCall(BpfCmd.PROG_QUERY, attr);
      } catch (error) {
        // ENOSPC: more programs than room; prog_cnt now holds how many there are.
        if (!isKernelError(error, 'ENOSPC')) throw error;
        full = true;
      }
      const count = attr.view.getUint32(q.progCnt, true);
      if (full) return count;
      const read = (buffer: { view: DataView } | undefined) =>
        buffer ? Array.from({ length: count }, (_, i) => buffer.view.getUint32(i * 4, true)) : [];
      return {
        attachFlags: attr.view.getUint32(q.attachFlags, true),
        progIds: read(ids),
        progAttachFlags: read(flags),
        revision: attr.view.getBigUint64(q.revision, true),
      };
    });
    if (typeof result !== 'number') return result;
    room = Math.max(result, room * 2);
  }
}

export type ObjectKind = 'prog' | 'map' | 'btf' | 'link';

const NEXT_ID_CMD: Record<ObjectKind, number> = {
  prog: BpfCmd.PROG_GET_NEXT_ID,
  map: BpfCmd.MAP_GET_NEXT_ID,
  btf: BpfCmd.BTF_GET_NEXT_ID,
  link: BpfCmd.LINK_GET_NEXT_ID,
};

const FD_BY_ID_CMD: Record<ObjectKind, number> = {
  prog: BpfCmd.PROG_GET_FD_BY_ID,
  map: BpfCmd.MAP_GET_FD_BY_ID,
  btf: BpfCmd.BTF_GET_FD_BY_ID,
  link: BpfCmd.LINK_GET_FD_BY_ID,
};

/** The next id of a loaded object of `kind` after `startId`, or undefined after the last. */
export function getNextId(kind: ObjectKind, startId: number): number | undefined {
  const attr = beginAttr();
  putU32(attr, IdAttr.startId, startId);
  if (!tolerateEnoent(() => bpfCall(NEXT_ID_CMD[kind], attr))) return undefined;
  return attr.view.getUint32(IdAttr.nextId, true);
}

/** Every id of loaded objects of `kind`, ascending. */
export function listIds(kind: ObjectKind): number[] {
  const ids: number[] = [];
  for (let id = getNextId(kind, 0); id !== undefined; id = getNextId(kind, id)) ids.push(id);
  return ids;
}

/** Opens a loaded object by id (needs CAP_SYS_ADMIN). */
export function getFdById(kind: ObjectKind, id: number, openFlags = 0): Fd {
  const attr = beginAttr();
  putU32(attr, IdAttr.id, id);
  putU32(attr, IdAttr.openFlags, kind === 'btf' ? 0 : openFlags);
  return new Fd(bpfCall(FD_BY_ID_CMD[kind], attr));
}

/** Attaches a raw tracepoint program to tracepoint `name` (or, with no name, a tracing program to its BTF target). */
export function rawTracepointOpen(progFd: number, name?: string): Fd {
  return withArena((arena) => {
    const attr = beginAttr();
    putPtr(attr, RawTracepointAttr.name, name ? arena.putString(name) : 0);
    putU32(attr, RawTracepointAttr.progFd, progFd);
    return new Fd(bpfCall(BpfCmd.RAW_TRACEPOINT_OPEN, attr));
  });
}

/** Turns on run-time statistics (run_cnt, run_time_ns) for as long as the returned fd stays open. */
export function enableStats(type = 0): Fd {
  const attr = beginAttr();
  putU32(attr, EnableStatsAttr.type, type);
  return new Fd(bpfCall(BpfCmd.ENABLE_STATS, attr));
}

/** Runs a command; false when it failed with ENOENT ("no such element"/"end of iteration"), other errors rethrow. */
function tolerateEnoent(call: () => number): boolean {
  try {
    call();
    return true;
  } catch (error) {
    if (isKernelError(error, 'ENOENT')) return false;
    throw error;
  }
}
