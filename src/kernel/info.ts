/**
 * BPF_OBJ_GET_INFO_BY_FD: what the kernel knows about a program, map, BTF object or link. The info structs only
 * grow; we pass our struct size and read the fields the kernel says it filled (info_len comes back as the smaller
 * of the two sizes), so older kernels simply leave newer fields at zero.
 */
import { beginAttr, bpfCall, InfoAttr, putPtr, putU32 } from './attr.js';
import { BpfCmd, LinkType } from './constants.js';
import { type NativeBuffer, withArena } from './native.js';
import { readCString } from './verifier-log.js';

export interface ProgInfo {
  type: number;
  id: number;
  /** The program tag (sha1 of the instructions, as bpftool prints it), 16 hex digits. */
  tag: string;
  name: string;
  jitedSize: number;
  xlatedSize: number;
  loadTimeNs: bigint;
  createdByUid: number;
  mapIds: number[];
  btfId: number;
  runTimeNs: bigint;
  runCount: bigint;
  recursionMisses: bigint;
  verifiedInsns: number;
  attachBtfObjId: number;
  attachBtfId: number;
}

export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  ifindex: number;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  btfVmlinuxValueTypeId: number;
  mapExtra: bigint;
}

export interface BtfInfo {
  id: number;
  size: number;
  name: string;
  kernelBtf: boolean;
}

export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
  /** The attach type, for the link types that report one (cgroup, netns, tracing). */
  attachType?: number;
  /** Cgroup links: the cgroup's id (its inode number in cgroupfs); 0 once the link is detached. */
  cgroupId?: bigint;
  /** XDP links: the interface index; 0 once the link is detached (or its interface is gone). */
  ifindex?: number;
  /** Netns links: the namespace's inode number; 0 once detached. */
  netnsIno?: number;
  /** Tracing links: the BTF object (or, for freplace, program) id and the BTF type id attached to. */
  targetObjId?: number;
  targetBtfId?: number;
}

const PROG_INFO_SIZE = 232;
const MAP_INFO_SIZE = 96;
const BTF_INFO_SIZE = 32;
const LINK_INFO_SIZE = 48;
/** Room for the map ids a program uses; programs with more report only the count. */
const MAX_MAP_IDS = 64;

function getInfo(fd: number, info: NativeBuffer): void {
  const attr = beginAttr();
  putU32(attr, InfoAttr.bpfFd, fd);
  putU32(attr, InfoAttr.infoLen, info.size);
  putPtr(attr, InfoAttr.info, info.address);
  bpfCall(BpfCmd.OBJ_GET_INFO_BY_FD, attr);
}

function name(bytes: Uint8Array, offset: number, length: number): string {
  return readCString(bytes.subarray(offset, offset + length));
}

export function progInfo(fd: number): ProgInfo {
  return withArena((arena) => {
    const info = arena.reserve(PROG_INFO_SIZE);
    const mapIds = arena.reserve(MAX_MAP_IDS * 4);
    putU32(info, 52, MAX_MAP_IDS);
    putPtr(info, 56, mapIds.address);
    getInfo(fd, info);
    const v = info.view;
    const mapCount = Math.min(v.getUint32(52, true), MAX_MAP_IDS);
    const ids: number[] = [];
    for (let i = 0; i < mapCount; i++) ids.push(mapIds.view.getUint32(i * 4, true));
    return {
      type: v.getUint32(0, true),
      id: v.getUint32(4, true),
      tag: Array.from(info.bytes.subarray(8, 16), (b) => b.toString(16).padStart(2, '0')).join(''),
      jitedSize: v.getUint32(16, true),
      xlatedSize: v.getUint32(20, true),
      loadTimeNs: v.getBigUint64(40, true),
      createdByUid: v.getUint32(48, true),
      mapIds: ids,
      name: name(info.bytes, 64, 16),
      btfId: v.getUint32(128, true),
      runTimeNs: v.getBigUint64(192, true),
      runCount: v.getBigUint64(200, true),
      recursionMisses: v.getBigUint64(208, true),
      verifiedInsns: v.getUint32(216, true),
      attachBtfObjId: v.getUint32(220, true),
      attachBtfId: v.getUint32(224, true),
    };
  });
}

export function mapInfo(fd: number): MapInfo {
  return withArena((arena) => {
    const info = arena.reserve(MAP_INFO_SIZE);
    getInfo(fd, info);
    const v = info.view;
    return {
      type: v.getUint32(0, true),
      id: v.getUint32(4, true),
      keySize: v.getUint32(8, true),
      valueSize: v.getUint32(12, true),
      maxEntries: v.getUint32(16, true),
      flags: v.getUint32(20, true),
      name: name(info.bytes, 24, 16),
      ifindex: v.getUint32(40, true),
      btfVmlinuxValueTypeId: v.getUint32(44, true),
      btfId: v.getUint32(64, true),
      btfKeyTypeId: v.getUint32(68, true),
      btfValueTypeId: v.getUint32(72, true),
      mapExtra: v.getBigUint64(80, true),
    };
  });
}

export function btfInfo(fd: number): BtfInfo {
  return withArena((arena) => {
    const info = arena.reserve(BTF_INFO_SIZE);
    const nameBuf = arena.reserve(64);
    putU32(info, 24, 64);
    putPtr(info, 16, nameBuf.address);
    getInfo(fd, info);
    const v = info.view;
    return {
      size: v.getUint32(8, true),
      id: v.getUint32(12, true),
      name: readCString(nameBuf.bytes),
      kernelBtf: v.getUint32(28, true) !== 0,
    };
  });
}

/** Raw BTF bytes of a loaded BTF object (e.g. the one a program or map references by btf_id). */
export function btfData(fd: number): Uint8Array {
  const size = btfInfo(fd).size;
  return withArena((arena) => {
    const info = arena.reserve(BTF_INFO_SIZE);
    const data = arena.reserve(size);
    putPtr(info, 0, data.address);
    putU32(info, 8, size);
    getInfo(fd, info);
    return data.bytes.slice(0, Math.min(info.view.getUint32(8, true), size));
  });
}

export function linkInfo(fd: number): LinkInfo {
  return withArena((arena) => {
    const info = arena.reserve(LINK_INFO_SIZE);
    getInfo(fd, info);
    const v = info.view;
    const type = v.getUint32(0, true);
    const base: LinkInfo = { type, id: v.getUint32(4, true), progId: v.getUint32(8, true) };
    // The per-type union starts at byte 16 (struct bpf_link_info is 8-byte aligned).
    switch (type) {
      case LinkType.TRACING:
        return {
          ...base,
          attachType: v.getUint32(16, true),
          targetObjId: v.getUint32(20, true),
          targetBtfId: v.getUint32(24, true),
        };
      case LinkType.CGROUP:
        return { ...base, cgroupId: v.getBigUint64(16, true), attachType: v.getUint32(24, true) };
      case LinkType.NETNS:
        return { ...base, netnsIno: v.getUint32(16, true), attachType: v.getUint32(20, true) };
      case LinkType.XDP:
        return { ...base, ifindex: v.getUint32(16, true) };
      default:
        return base;
    }
  });
}
