/**
 * Helper prototypes (struct bpf_func_proto) for the common helpers: argument kinds, return kind, which program
 * types may call them (measured on Linux 6.18 with root: a helper missing for a type is "program of this type
 * cannot use helper"), and which map types their map argument accepts.
 */
import { HELPER_NAMES } from '../isa/helper-ids.js';
import { MapType } from '../maps/types.js';
import type { ProgTypeName } from './prog-types.js';

export type ArgKind =
  | 'anything' // any initialised register
  | 'map' // CONST_PTR_TO_MAP
  | 'map_key' // pointer to key_size readable bytes
  | 'map_value' // pointer to value_size readable bytes
  | 'mem' // pointer to readable memory, size in the next argument
  | 'uninit_mem' // pointer to writable memory, size in the next argument
  | 'size' // ARG_CONST_SIZE: 1..2^29
  | 'size_or_zero' // ARG_CONST_SIZE_OR_ZERO
  | 'alloc_size' // ARG_CONST_ALLOC_SIZE_OR_ZERO: a known constant
  | 'ctx' // PTR_TO_CTX at offset 0
  | 'ringbuf_release' // a ringbuf record from ringbuf_reserve, released by the call
  | 'func' // callback (PTR_TO_FUNC)
  | 'dontcare';

export type RetKind = 'int' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null';

export interface HelperProto {
  readonly id: number;
  readonly name: string;
  readonly args: readonly ArgKind[];
  readonly ret: RetKind;
  /** Program types that may call it; undefined: every type. */
  readonly progTypes?: readonly ProgTypeName[];
  /** Map types the `map` argument accepts; undefined: any map whose type allows it (see MAP_ONLY_HELPERS). */
  readonly mapTypes?: readonly number[];
  /** Only a GPL-compatible program may call it. */
  readonly gplOnly?: boolean;
  /**
   * The helper may be given packet pointers (struct bpf_func_proto's pkt_access). Any other helper refuses them
   * with "helper access to the packet is not allowed", measured on Linux 6.18 for every helper here.
   */
  readonly pktAccess?: boolean;
}

const TRACING: readonly ProgTypeName[] = ['kprobe', 'tracepoint', 'raw_tracepoint', 'perf_event'];
/** Maps without keys that push/peek work on (the bloom filter adds and tests with them). */
const QUEUE_LIKE: readonly number[] = [MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER];
const SKB: readonly ProgTypeName[] = ['socket_filter', 'sched_cls', 'cgroup_skb', 'sk_skb'];

const table: HelperProto[] = [
  { id: 1, name: 'map_lookup_elem', args: ['map', 'map_key'], ret: 'map_value_or_null', pktAccess: true },
  { id: 2, name: 'map_update_elem', args: ['map', 'map_key', 'map_value', 'anything'], ret: 'int', pktAccess: true },
  { id: 3, name: 'map_delete_elem', args: ['map', 'map_key'], ret: 'int', pktAccess: true },
  { id: 4, name: 'probe_read', args: ['uninit_mem', 'size_or_zero', 'anything'], ret: 'int', progTypes: TRACING },
  { id: 5, name: 'ktime_get_ns', args: [], ret: 'int' },
  { id: 6, name: 'trace_printk', args: ['mem', 'size'], ret: 'int', gplOnly: true },
  { id: 7, name: 'get_prandom_u32', args: [], ret: 'int' },
  { id: 8, name: 'get_smp_processor_id', args: [], ret: 'int' },
  {
    id: 9,
    name: 'skb_store_bytes',
    args: ['ctx', 'anything', 'mem', 'size', 'anything'],
    ret: 'int',
    progTypes: ['sched_cls', 'sk_skb'],
  },
  {
    id: 10,
    name: 'l3_csum_replace',
    args: ['ctx', 'anything', 'anything', 'anything', 'anything'],
    ret: 'int',
    progTypes: ['sched_cls'],
  },
  {
    id: 11,
    name: 'l4_csum_replace',
    args: ['ctx', 'anything', 'anything', 'anything', 'anything'],
    ret: 'int',
    progTypes: ['sched_cls'],
  },
  { id: 12, name: 'tail_call', args: ['ctx', 'map', 'anything'], ret: 'void', mapTypes: [MapType.PROG_ARRAY] },
  { id: 14, name: 'get_current_pid_tgid', args: [], ret: 'int' },
  { id: 15, name: 'get_current_uid_gid', args: [], ret: 'int' },
  { id: 16, name: 'get_current_comm', args: ['uninit_mem', 'size'], ret: 'int' },
  { id: 23, name: 'redirect', args: ['anything', 'anything'], ret: 'int', progTypes: ['sched_cls', 'xdp'] },
  {
    id: 25,
    name: 'perf_event_output',
    args: ['ctx', 'map', 'anything', 'mem', 'size_or_zero'],
    ret: 'int',
    mapTypes: [MapType.PERF_EVENT_ARRAY],
  },
  { id: 26, name: 'skb_load_bytes', args: ['ctx', 'anything', 'uninit_mem', 'size'], ret: 'int', progTypes: SKB },
  {
    id: 27,
    name: 'get_stackid',
    args: ['ctx', 'map', 'anything'],
    ret: 'int',
    progTypes: TRACING,
    mapTypes: [MapType.STACK_TRACE],
  },
  {
    id: 28,
    name: 'csum_diff',
    args: ['mem', 'size_or_zero', 'mem', 'size_or_zero', 'anything'],
    ret: 'int',
    progTypes: ['sched_cls', 'xdp'],
    pktAccess: true,
  },
  { id: 35, name: 'get_current_task', args: [], ret: 'int' },
  { id: 44, name: 'xdp_adjust_head', args: ['ctx', 'anything'], ret: 'int', progTypes: ['xdp'] },
  { id: 45, name: 'probe_read_str', args: ['uninit_mem', 'size_or_zero', 'anything'], ret: 'int', progTypes: TRACING },
  {
    id: 51,
    name: 'redirect_map',
    args: ['map', 'anything', 'anything'],
    ret: 'int',
    progTypes: ['xdp'],
    mapTypes: [MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP],
  },
  { id: 54, name: 'xdp_adjust_meta', args: ['ctx', 'anything'], ret: 'int', progTypes: ['xdp'] },
  { id: 65, name: 'xdp_adjust_tail', args: ['ctx', 'anything'], ret: 'int', progTypes: ['xdp'] },
  { id: 112, name: 'probe_read_user', args: ['uninit_mem', 'size_or_zero', 'anything'], ret: 'int' },
  { id: 113, name: 'probe_read_kernel', args: ['uninit_mem', 'size_or_zero', 'anything'], ret: 'int' },
  { id: 114, name: 'probe_read_user_str', args: ['uninit_mem', 'size_or_zero', 'anything'], ret: 'int' },
  { id: 115, name: 'probe_read_kernel_str', args: ['uninit_mem', 'size_or_zero', 'anything'], ret: 'int' },
  { id: 125, name: 'ktime_get_boot_ns', args: [], ret: 'int' },
  {
    id: 130,
    name: 'ringbuf_output',
    args: ['map', 'mem', 'size_or_zero', 'anything'],
    ret: 'int',
    mapTypes: [MapType.RINGBUF],
  },
  {
    id: 131,
    name: 'ringbuf_reserve',
    args: ['map', 'alloc_size', 'anything'],
    ret: 'ringbuf_mem_or_null',
    mapTypes: [MapType.RINGBUF],
  },
  { id: 132, name: 'ringbuf_submit', args: ['ringbuf_release', 'anything'], ret: 'void' },
  { id: 133, name: 'ringbuf_discard', args: ['ringbuf_release', 'anything'], ret: 'void' },
  { id: 134, name: 'ringbuf_query', args: ['map', 'anything'], ret: 'int', mapTypes: [MapType.RINGBUF] },
  { id: 42, name: 'get_numa_node_id', args: [], ret: 'int' },
  { id: 118, name: 'jiffies64', args: [], ret: 'int' },
  { id: 80, name: 'get_current_cgroup_id', args: [], ret: 'int' },
  { id: 208, name: 'ktime_get_tai_ns', args: [], ret: 'int' },
  {
    id: 87,
    name: 'map_push_elem',
    args: ['map', 'map_value', 'anything'],
    ret: 'int',
    mapTypes: QUEUE_LIKE,
    pktAccess: true,
  },
  // The kernel lets pop/peek fill uninitialised stack (ARG_PTR_TO_MAP_VALUE | MEM_UNINIT); tsbpf asks for
  // readable bytes, which root programs have anyway (uninitialised stack reads are allowed to them).
  { id: 88, name: 'map_pop_elem', args: ['map', 'map_value'], ret: 'int', mapTypes: [MapType.QUEUE, MapType.STACK] },
  { id: 89, name: 'map_peek_elem', args: ['map', 'map_value'], ret: 'int', mapTypes: QUEUE_LIKE },
  // XDP multi-buffer access (Linux 5.18): the frame's whole length, and copies to/from it across fragments
  { id: 188, name: 'xdp_get_buff_len', args: ['ctx'], ret: 'int', progTypes: ['xdp'] },
  { id: 189, name: 'xdp_load_bytes', args: ['ctx', 'anything', 'uninit_mem', 'size'], ret: 'int', progTypes: ['xdp'] },
  { id: 190, name: 'xdp_store_bytes', args: ['ctx', 'anything', 'mem', 'size'], ret: 'int', progTypes: ['xdp'] },
];

export const HELPER_PROTOS: ReadonlyMap<number, HelperProto> = new Map(table.map((h) => [h.id, h]));

/** Helper ids by name (the UAPI's order), for tables written with names. */
const ids = (...names: string[]): number[] =>
  names.map((n) => {
    const id = HELPER_NAMES.indexOf(n);
    if (id < 0) throw new Error(`unknown helper ${n}`);
    return id;
  });

/** Sockmap and sockhash: redirects, updates from sock_ops, reuseport and lookups (updates: see SOCKMAP_UPDATERS). */
const SOCK_MAP_HELPERS = ids(
  'sk_redirect_map',
  'sock_map_update',
  'msg_redirect_map',
  'sk_select_reuseport',
  'map_lookup_elem',
);
const SOCK_HASH_HELPERS = ids(
  'sk_redirect_hash',
  'sock_hash_update',
  'msg_redirect_hash',
  'sk_select_reuseport',
  'map_lookup_elem',
);

/**
 * Map types that only some helpers accept (check_map_func_compatibility, Linux 6.12/6.18): a ring buffer only
 * with the ringbuf helpers, a prog array only with tail_call, local storages only with their own get/delete...
 */
export const MAP_ONLY_HELPERS: ReadonlyMap<number, readonly number[]> = new Map([
  [MapType.PROG_ARRAY, ids('tail_call')],
  [
    MapType.PERF_EVENT_ARRAY,
    ids('perf_event_read', 'perf_event_output', 'skb_output', 'perf_event_read_value', 'xdp_output'),
  ],
  [
    MapType.RINGBUF,
    ids(
      'ringbuf_output',
      'ringbuf_reserve',
      'ringbuf_query',
      'ringbuf_reserve_dynptr',
      'ringbuf_submit_dynptr',
      'ringbuf_discard_dynptr',
    ),
  ],
  [MapType.USER_RINGBUF, ids('user_ringbuf_drain')],
  [MapType.STACK_TRACE, ids('get_stackid')],
  [MapType.CGROUP_ARRAY, ids('skb_under_cgroup', 'current_task_under_cgroup')],
  [MapType.CGROUP_STORAGE, ids('get_local_storage')],
  [MapType.PERCPU_CGROUP_STORAGE, ids('get_local_storage')],
  [MapType.DEVMAP, ids('redirect_map', 'map_lookup_elem')],
  [MapType.DEVMAP_HASH, ids('redirect_map', 'map_lookup_elem')],
  [MapType.CPUMAP, ids('redirect_map')],
  [MapType.XSKMAP, ids('redirect_map', 'map_lookup_elem')],
  [MapType.ARRAY_OF_MAPS, ids('map_lookup_elem')],
  [MapType.HASH_OF_MAPS, ids('map_lookup_elem')],
  [MapType.SOCKMAP, SOCK_MAP_HELPERS],
  [MapType.SOCKHASH, SOCK_HASH_HELPERS],
  [MapType.REUSEPORT_SOCKARRAY, ids('sk_select_reuseport')],
  [MapType.QUEUE, ids('map_peek_elem', 'map_pop_elem', 'map_push_elem')],
  [MapType.STACK, ids('map_peek_elem', 'map_pop_elem', 'map_push_elem')],
  [MapType.SK_STORAGE, ids('sk_storage_get', 'sk_storage_delete', 'kptr_xchg')],
  [MapType.INODE_STORAGE, ids('inode_storage_get', 'inode_storage_delete', 'kptr_xchg')],
  [MapType.TASK_STORAGE, ids('task_storage_get', 'task_storage_delete', 'kptr_xchg')],
  [MapType.CGRP_STORAGE, ids('cgrp_storage_get', 'cgrp_storage_delete', 'kptr_xchg')],
  [MapType.BLOOM_FILTER, ids('map_peek_elem', 'map_push_elem')],
]);

/**
 * may_update_sockmap: program types (of those tsbpf models) that may update or delete sockmap/sockhash entries,
 * because no locked socket is reachable from them. Everywhere else: "cannot update sockmap in this context".
 */
export const SOCKMAP_UPDATERS: ReadonlySet<ProgTypeName> = new Set(['socket_filter', 'sched_cls', 'sched_act', 'xdp']);
