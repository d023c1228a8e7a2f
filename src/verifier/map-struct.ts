/**
 * The kernel struct behind a map pointer, by map type (each map's ops->map_btf_id): root programs may read it
 * through a map pointer, and the verifier names it in its messages ("only read from bpf_array is supported").
 * Every entry was read back from Linux 6.18's messages; types not listed fall back to the generic struct bpf_map.
 */
import { MapType } from '../maps/types.js';

const BY_TYPE: ReadonlyMap<number, string> = new Map([
  [MapType.ARRAY, 'bpf_array'],
  [MapType.PERCPU_ARRAY, 'bpf_array'],
  [MapType.PROG_ARRAY, 'bpf_array'],
  [MapType.PERF_EVENT_ARRAY, 'bpf_array'],
  [MapType.CGROUP_ARRAY, 'bpf_array'],
  [MapType.HASH, 'bpf_htab'],
  [MapType.PERCPU_HASH, 'bpf_htab'],
  [MapType.LRU_HASH, 'bpf_htab'],
  [MapType.LRU_PERCPU_HASH, 'bpf_htab'],
  [MapType.RINGBUF, 'bpf_ringbuf_map'],
  [MapType.QUEUE, 'bpf_queue_stack'],
  [MapType.STACK, 'bpf_queue_stack'],
  [MapType.LPM_TRIE, 'lpm_trie'],
  [MapType.STACK_TRACE, 'bpf_stack_map'],
  [MapType.DEVMAP, 'bpf_dtab'],
  [MapType.DEVMAP_HASH, 'bpf_dtab'],
  [MapType.CPUMAP, 'bpf_cpu_map'],
  [MapType.XSKMAP, 'xsk_map'],
  [MapType.SOCKMAP, 'bpf_stab'],
  [MapType.SOCKHASH, 'bpf_shtab'],
  [MapType.BLOOM_FILTER, 'bpf_bloom_filter'],
  [MapType.REUSEPORT_SOCKARRAY, 'reuseport_array'],
]);

/** `bpf_array`, `bpf_htab`, ... for a map type; `bpf_map` when tsbpf has not measured it. */
export const mapStructName = (type: number): string => BY_TYPE.get(type) ?? 'bpf_map';
