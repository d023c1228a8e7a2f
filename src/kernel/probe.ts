/**
 * Feature probes, as libbpf's libbpf_probe_bpf_{prog_type,map_type,helper} do them: try the smallest program or
 * map of a kind and read the kernel's answer. Results are cached for the life of the process (the running
 * kernel does not change). Permission errors are not answers: they propagate, so "unsupported" never hides
 * "not root".
 */
import { btfLoad, mapCreate, progLoad } from './bpf.js';
import { AttachType, MapFlags, MapType, ProgFlags, ProgType } from './constants.js';
import { isKernelError, VerifierError } from './errors.js';
import type { Fd } from './fd.js';

const progCache = new Map<number, boolean>();
const mapCache = new Map<number, boolean>();
const helperCache = new Map<string, boolean>();

/** `r0 = 0; exit` */
const RETURN_ZERO = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

/** Load attributes some program types need before the verifier even looks at the code. */
function loadExtras(type: number): { expectedAttachType?: number; flags?: number } {
  switch (type) {
    case ProgType.CGROUP_SOCK_ADDR:
      return { expectedAttachType: AttachType.CGROUP_INET4_CONNECT };
    case ProgType.CGROUP_SOCKOPT:
      return { expectedAttachType: AttachType.CGROUP_GETSOCKOPT };
    case ProgType.SK_LOOKUP:
      return { expectedAttachType: AttachType.SK_LOOKUP };
    case ProgType.NETFILTER:
      return { expectedAttachType: AttachType.NETFILTER };
    case ProgType.SYSCALL:
      return { flags: ProgFlags.SLEEPABLE };
    default:
      return {};
  }
}

/** Types that only load with a BTF attach target: a verifier complaint about the target means the type exists. */
const NEEDS_BTF_TARGET = new Set<number>([ProgType.TRACING, ProgType.EXT, ProgType.LSM, ProgType.STRUCT_OPS]);

function tryLoad(type: number, insns: Uint8Array): { fd?: Fd; error?: unknown } {
  try {
    const { fd } = progLoad({ type, insns, license: 'GPL', ...loadExtras(type), logLevel: 0 });
    return { fd };
  } catch (error) {
    // EPERM is the answer for some types (EXT without a target); it is "not root" only if the plainest
    // program cannot load either.
    if (isKernelError(error, 'EPERM') && (type === ProgType.SOCKET_FILTER || !probeProgType(ProgType.SOCKET_FILTER))) {
      throw error;
    }
    return { error };
  }
}

/** Does this kernel know program type `type`? */
export function probeProgType(type: number): boolean {
  const cached = progCache.get(type);
  if (cached !== undefined) return cached;
  const { fd, error } = tryLoad(type, RETURN_ZERO);
  fd?.close();
  // An unknown type fails before the verifier runs (EINVAL, no log); a known type that needs more context
  // (an attach target) reaches the verifier or its attach-target check.
  const supported =
    fd !== undefined ||
    (NEEDS_BTF_TARGET.has(type) && (error instanceof VerifierError || isKernelError(error, 'EPERM')));
  progCache.set(type, supported);
  return supported;
}

const LOCAL_STORAGES = new Set<number>([
  MapType.SK_STORAGE,
  MapType.INODE_STORAGE,
  MapType.TASK_STORAGE,
  MapType.CGRP_STORAGE,
]);

/** BTF with one type, [1] INT "int" size 4 signed: header (24 bytes), one 16-byte type, strings "\0int\0". */
const INT_ONLY_BTF = new Uint8Array([
  0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0,
  32, 0, 0, 1, 0, 0x69, 0x6e, 0x74, 0,
]);

/** Creation parameters that make a minimal map of each type valid. */
function mapShape(type: number): { keySize: number; valueSize: number; maxEntries: number; flags: number } {
  switch (type) {
    case MapType.LPM_TRIE:
      return { keySize: 8, valueSize: 8, maxEntries: 1, flags: MapFlags.NO_PREALLOC };
    case MapType.QUEUE:
    case MapType.STACK:
    case MapType.BLOOM_FILTER:
      return { keySize: 0, valueSize: 4, maxEntries: 1, flags: 0 };
    case MapType.RINGBUF:
    case MapType.USER_RINGBUF:
      return { keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 };
    case MapType.CGROUP_STORAGE:
    case MapType.PERCPU_CGROUP_STORAGE:
      return { keySize: 16, valueSize: 8, maxEntries: 0, flags: 0 };
    case MapType.SK_STORAGE:
    case MapType.INODE_STORAGE:
    case MapType.TASK_STORAGE:
    case MapType.CGRP_STORAGE:
      return { keySize: 4, valueSize: 4, maxEntries: 0, flags: MapFlags.NO_PREALLOC };
    case MapType.STACK_TRACE:
      return { keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };
    case MapType.ARENA:
      return { keySize: 0, valueSize: 0, maxEntries: 1, flags: MapFlags.MMAPABLE };
    default:
      return { keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 };
  }
}

/**
 * Does this kernel know map type `type`? Types whose value must be described by BTF (local storages, struct_ops)
 * count as supported when the kernel asks for that BTF rather than rejecting the type.
 */
export function probeMapType(type: number): boolean {
  const cached = mapCache.get(type);
  if (cached !== undefined) return cached;
  let supported: boolean;
  let btf: Fd | undefined;
  try {
    // Local storages insist on BTF for key and value; a one-type BTF ("int") satisfies them.
    if (LOCAL_STORAGES.has(type)) btf = btfLoad({ data: INT_ONLY_BTF }).fd;
    const ids = btf ? { btfFd: btf.fd, btfKeyTypeId: 1, btfValueTypeId: 1 } : {};
    mapCreate({ type, name: 'tsbpf_probe', ...mapShape(type), ...ids }).close();
    supported = true;
  } catch (error) {
    if (isKernelError(error, 'EPERM')) throw error;
    // Map types that need BTF or an inner map fail with a different errno than an unknown type (EINVAL).
    supported = !isKernelError(error, 'EINVAL') && !isKernelError(error, 'E2BIG');
    if (type === MapType.STRUCT_OPS || type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS) {
      supported = type < 34 && isKernelError(error);
    }
  } finally {
    btf?.close();
  }
  mapCache.set(type, supported);
  return supported;
}

/**
 * May programs of type `progType` call helper `helperId`? Loads `call helper; r0 = 0; exit`: the verifier
 * names an unknown or forbidden helper ("invalid func", "unknown func", "cannot call"); any other complaint
 * (bad arguments) means the call itself is allowed.
 */
export function probeHelper(progType: number, helperId: number): boolean {
  const key = `${progType}:${helperId}`;
  const cached = helperCache.get(key);
  if (cached !== undefined) return cached;
  const insns = new Uint8Array([
    0x85,
    0,
    0,
    0,
    helperId & 0xff,
    (helperId >> 8) & 0xff,
    0,
    0,
    0xb7,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x95,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  const { fd, error } = tryLoad(progType, insns);
  fd?.close();
  let supported = fd !== undefined;
  if (error instanceof VerifierError) {
    supported = !/invalid func|unknown func|cannot call|program of this type cannot use helper/.test(error.log);
  }
  helperCache.set(key, supported);
  return supported;
}
