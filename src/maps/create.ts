import type { AddressSpace } from '../vm/memory.js';
import { ArrayMap } from './array.js';
import { BloomFilterMap } from './bloom-filter.js';
import { CpuMap } from './cpumap.js';
import { DevMap } from './devmap.js';
import { HashMap } from './hash.js';
import { LpmTrieMap } from './lpm-trie.js';
import { MapDefinitionError, type VmMap, type VmMapOptions } from './map.js';
import { PerfEventArrayMap } from './perf-event-array.js';
import { QueueStackMap } from './queue-stack.js';
import { RefMap } from './ref-array.js';
import { RingBufMap } from './ringbuf.js';
import { StackTraceMap } from './stack-trace.js';
import { XskMap } from './xskmap.js';
import { type MapDefinition, MapType, mapTypeName } from './types.js';

/** Creates a userspace map of any supported type, checking the definition as BPF_MAP_CREATE does. */
export function createMap(def: MapDefinition, space: AddressSpace, options: VmMapOptions = { cpus: 1 }): VmMap {
  switch (def.type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
      return new ArrayMap(def, space, options);
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH:
      return new HashMap(def, space, options);
    case MapType.LPM_TRIE:
      return new LpmTrieMap(def, space, options);
    case MapType.QUEUE:
    case MapType.STACK:
      return new QueueStackMap(def, space, options);
    case MapType.BLOOM_FILTER:
      return new BloomFilterMap(def, space, options);
    case MapType.RINGBUF:
      return new RingBufMap(def, space, options);
    case MapType.PERF_EVENT_ARRAY:
      return new PerfEventArrayMap(def, space, options);
    case MapType.STACK_TRACE:
      return new StackTraceMap(def, space, options);
    case MapType.PROG_ARRAY:
    case MapType.ARRAY_OF_MAPS:
    case MapType.HASH_OF_MAPS:
      return new RefMap(def, space, options);
    case MapType.DEVMAP:
    case MapType.DEVMAP_HASH:
      return new DevMap(def, space, options);
    case MapType.CPUMAP:
      return new CpuMap(def, space, options);
    case MapType.XSKMAP:
      return new XskMap(def, space, options);
    default:
      throw new MapDefinitionError(def, `map type ${mapTypeName(def.type)} is not supported by the userspace VM`);
  }
}
