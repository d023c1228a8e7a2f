/**
 * Creating an object's maps in the kernel, in libbpf's order: reuse a compatible pinned map (LIBBPF_PIN_BY_NAME)
 * or create the map (with its BTF key/value types when the object has them; global data maps mmapable), fill
 * global data from the section bytes, freeze `.rodata`/`.kconfig`, then pin what must be pinned. Map-in-map slots
 * and prog-array slots are filled later (`fillReferences`), once every map and program exists.
 */
import { existsSync } from 'node:fs';
import type { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/kinds.js';
import type { MapSpec, ObjectSpec } from '../object/types.js';
import { MapFlags, MapType } from './constants.js';
import { possibleCpus } from './cpus.js';
import { isKernelError } from './errors.js';
import { CollectionLoadError } from './load-errors.js';
import { KernelLoadedMap } from './loaded-map.js';
import { KernelMap, type KernelMapOptions } from './map.js';

export interface MapLoadContext {
  spec: ObjectSpec;
  btf: Btf | undefined;
  btfFd: number | undefined;
  /** Directory for LIBBPF_PIN_BY_NAME maps. */
  pinRoot: string;
  /** Values for `.kconfig` externs (name -> bytes), when the object has that map. */
  kconfig?: Uint8Array;
}

const PIN_BY_NAME = 1;

/** The kernel's name for a map: libbpf's `<object prefix>.<section>` for global data, else the map's own name. */
export function kernelMapName(objectName: string, map: MapSpec): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9_.]/g, '_');
  if (map.globalData) {
    const base = objectName.replace(/^.*\//, '').replace(/\.o$/, '');
    const prefix = clean(base)
      .slice(0, Math.max(0, 15 - map.name.length))
      .slice(0, 8);
    return `${prefix}${map.name}`.slice(0, 15);
  }
  return clean(map.name).slice(0, 15);
}

/** Creates (or reuses) every map; on failure closes what it made and rethrows with the map named. */
export function loadMaps(context: MapLoadContext): Map<string, KernelLoadedMap> {
  const loaded = new Map<string, KernelLoadedMap>();
  try {
    for (const spec of context.spec.maps) loaded.set(spec.name, loadMap(context, spec));
  } catch (error) {
    for (const map of loaded.values()) map.closeAndUnpinIfCreated();
    throw error;
  }
  return loaded;
}

function loadMap(context: MapLoadContext, spec: MapSpec): KernelLoadedMap {
  const pinPath = spec.pinning === PIN_BY_NAME ? `${context.pinRoot}/${spec.name}` : undefined;
  if (pinPath && existsSync(pinPath)) {
    const pinned = KernelMap.fromPin(pinPath);
    const mismatch = pinMismatch(spec, pinned);
    if (mismatch) {
      pinned.close();
      throw new CollectionLoadError(`map "${spec.name}": the map pinned at ${pinPath} differs (${mismatch})`);
    }
    return new KernelLoadedMap(spec, pinned, context.btf, pinPath);
  }
  let map: KernelMap;
  try {
    map = createMap(context, spec);
  } catch (error) {
    throw new CollectionLoadError(`map "${spec.name}" (${typeName(spec.type)}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  const loaded = new KernelLoadedMap(spec, map, context.btf, pinPath, pinPath !== undefined);
  try {
    initialise(context, spec, loaded);
    if (pinPath) map.pin(pinPath);
  } catch (error) {
    loaded.close();
    throw new CollectionLoadError(`map "${spec.name}": ${(error as Error).message}`, { cause: error });
  }
  return loaded;
}

/** max_entries as the kernel needs it: perf event arrays default to one slot per possible CPU. */
function maxEntriesOf(spec: MapSpec): number {
  if (spec.type === MapType.PERF_EVENT_ARRAY && spec.maxEntries === 0) return possibleCpus();
  return spec.maxEntries;
}

function createMap(context: MapLoadContext, spec: MapSpec): KernelMap {
  let inner: KernelMap | undefined;
  if (spec.inner) inner = createMap({ ...context, btfFd: undefined }, { ...spec.inner, name: `${spec.name}.inner` });
  try {
    const ids = btfIds(context, spec);
    // Global data is mmapable (libbpf does the same), so variables are read and written without syscalls.
    const mmapable = spec.globalData !== undefined && spec.globalData !== '.kconfig';
    const options: KernelMapOptions = {
      type: spec.type,
      keySize: spec.keySize,
      valueSize: spec.valueSize,
      maxEntries: maxEntriesOf(spec),
      flags: spec.flags | (mmapable ? MapFlags.MMAPABLE : 0),
      name: kernelMapName(context.spec.name, spec),
      innerMap: inner,
      numaNode: spec.numaNode,
      mapExtra: spec.extra !== undefined ? BigInt(spec.extra) : undefined,
    };
    // A kernel that refuses the BTF description (or mmapable data) still gets the map, as libbpf retries.
    const attempts: KernelMapOptions[] = [];
    if (ids) attempts.push({ ...options, btf: ids });
    attempts.push(options);
    if (mmapable) attempts.push({ ...options, flags: spec.flags });
    let lastError: unknown;
    for (const attempt of attempts) {
      try {
        return KernelMap.create(attempt);
      } catch (error) {
        lastError = error;
        const retryable =
          isKernelError(error, 'EINVAL') || isKernelError(error, 'ENOTSUPP') || isKernelError(error, 'EOPNOTSUPP');
        if (!retryable) throw error;
      }
    }
    throw lastError;
  } finally {
    inner?.close();
  }
}

/** BTF key and value ids for the map, when the object's BTF describes it. */
function btfIds(
  context: MapLoadContext,
  spec: MapSpec,
): { fd: number; keyTypeId: number; valueTypeId: number } | undefined {
  if (context.btfFd === undefined || !context.btf) return undefined;
  if (spec.globalData) {
    const id = spec.valueTypeId ?? context.btf.find(spec.name, BtfKind.Datasec);
    return id ? { fd: context.btfFd, keyTypeId: 0, valueTypeId: id } : undefined;
  }
  if (!spec.keyTypeId && !spec.valueTypeId) return undefined;
  // Maps whose key or value is not data (ring buffers, fd maps) take no BTF description.
  if (NO_BTF_TYPES.has(spec.type)) return undefined;
  return { fd: context.btfFd, keyTypeId: spec.keyTypeId ?? 0, valueTypeId: spec.valueTypeId ?? 0 };
}

const NO_BTF_TYPES = new Set<number>([
  MapType.PERF_EVENT_ARRAY,
  MapType.RINGBUF,
  MapType.USER_RINGBUF,
  MapType.PROG_ARRAY,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
  MapType.CGROUP_ARRAY,
  MapType.STACK_TRACE,
  MapType.SOCKMAP,
  MapType.SOCKHASH,
  MapType.DEVMAP,
  MapType.DEVMAP_HASH,
  MapType.CPUMAP,
  MapType.XSKMAP,
  MapType.QUEUE,
  MapType.STACK,
  MapType.BLOOM_FILTER,
]);

/** Global data contents, then freezing of read-only data. */
function initialise(context: MapLoadContext, spec: MapSpec, loaded: KernelLoadedMap): void {
  if (!spec.globalData) return;
  const data = spec.globalData === '.kconfig' ? context.kconfig : spec.initialData;
  if (data?.some((byte) => byte !== 0)) {
    if (data.length > spec.valueSize) {
      throw new Error(`initial data is ${data.length} bytes but the value is ${spec.valueSize}`);
    }
    const value = new Uint8Array(spec.valueSize);
    value.set(data);
    loaded.map.update(new Uint8Array(4), value);
  }
  if (spec.readOnly) loaded.map.freeze();
}

/** Why a pinned map cannot stand in for `spec`, or undefined when it can. */
function pinMismatch(spec: MapSpec, pinned: KernelMap): string | undefined {
  const want = maxEntriesOf(spec);
  if (pinned.type !== spec.type) return `type ${typeName(pinned.type)}, expected ${typeName(spec.type)}`;
  if (pinned.keySize !== spec.keySize) return `key size ${pinned.keySize}, expected ${spec.keySize}`;
  if (pinned.valueSize !== spec.valueSize) return `value size ${pinned.valueSize}, expected ${spec.valueSize}`;
  if (pinned.maxEntries !== want) return `max_entries ${pinned.maxEntries}, expected ${want}`;
  const relevant = ~MapFlags.MMAPABLE;
  if ((pinned.flags & relevant) !== (spec.flags & relevant))
    return `flags 0x${pinned.flags.toString(16)}, expected 0x${spec.flags.toString(16)}`;
  return undefined;
}

function typeName(type: number): string {
  for (const [name, value] of Object.entries(MapType)) if (value === type) return name.toLowerCase();
  return `type ${type}`;
}

/** Prog-array and map-in-map slots named in the object (`.values = { [i] = &prog }`). */
export function fillReferences(
  maps: ReadonlyMap<string, KernelLoadedMap>,
  programFd: (name: string) => number | undefined,
  /** Programs of the object left unloaded on purpose: their slots stay empty. */
  unloaded: ReadonlySet<string> = new Set(),
): void {
  for (const loaded of maps.values()) {
    const refs = loaded.spec.initialReferences;
    if (!refs || refs.length === 0) continue;
    for (const ref of refs) {
      let fd: number | undefined;
      if (loaded.spec.type === MapType.PROG_ARRAY) {
        if (unloaded.has(ref.name)) continue;
        fd = programFd(ref.name);
      } else {
        fd = maps.get(ref.name)?.fd;
      }
      if (fd === undefined) {
        throw new CollectionLoadError(
          `map "${loaded.name}": slot ${ref.index} names "${ref.name}", which is not in the object`,
        );
      }
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, ref.index, true);
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, fd, true);
      loaded.map.update(key, value);
    }
  }
}
