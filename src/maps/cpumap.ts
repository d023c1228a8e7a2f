import type { AddressSpace } from '../vm/memory.js';
import { readIndex } from './array.js';
import { MapDefinitionError, type VmMapOptions } from './map.js';
import { SlotRedirectMap } from './slot-redirect-map.js';
import { BPF_EXIST, BPF_NOEXIST, Errno, type MapDefinition } from './types.js';

/** BPF_F_NUMA_NODE: the only creation flag cpu_map_alloc takes. */
const BPF_F_NUMA_NODE = 1 << 2;
/** sizeof(struct bpf_cpumap_val): { u32 qsize; union { int fd; u32 id; } bpf_prog; }. */
const CPUMAP_VAL_SIZE = 8;
/** The kernel's sanity limit on a CPU's queue size. */
const MAX_QSIZE = 16384;
/** CONFIG_NR_CPUS of the distribution kernels (Debian, Ubuntu): max_entries above it is -E2BIG. */
export const NR_CPUS = 256;

/**
 * BPF_MAP_TYPE_CPUMAP: CPUs that XDP programs redirect frames to, keyed by CPU number. A value is the queue size
 * (value_size 4) or struct bpf_cpumap_val (8: the queue size and a program to run on the remote CPU). As in
 * kernel/bpf/cpumap.c: qsize 0 empties the slot, qsize above 16384 is -EOVERFLOW, a CPU the machine (the VM's
 * `cpus`) does not have is -ENODEV. The VM has no program fds: a value naming one (fd > 0) fails as the kernel's
 * entry allocation does with a bad fd, -ENOMEM.
 */
export class CpuMap extends SlotRedirectMap {
  readonly redirectFlags = 0;

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options, CPUMAP_VAL_SIZE);
    if (def.valueSize !== 4 && def.valueSize !== CPUMAP_VAL_SIZE) {
      throw new MapDefinitionError(
        def,
        `value size must be 4 (qsize) or 8 (struct bpf_cpumap_val), not ${def.valueSize}`,
      );
    }
    if ((def.flags ?? 0) & ~BPF_F_NUMA_NODE) {
      throw new MapDefinitionError(def, `flags 0x${(def.flags ?? 0).toString(16)} are not allowed`);
    }
    if (def.maxEntries > NR_CPUS) throw new MapDefinitionError(def, `max_entries must be at most NR_CPUS (${NR_CPUS})`);
  }

  protected override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    const cpu = readIndex(key);
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    const qsize = view.getUint32(0, true);
    const progFd = value.length >= CPUMAP_VAL_SIZE ? view.getInt32(4, true) : 0;
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    if (cpu >= this.maxEntries) return -Errno.E2BIG;
    if (flags === BPF_NOEXIST) return -Errno.EEXIST;
    if (qsize > MAX_QSIZE) return -Errno.EOVERFLOW;
    if (cpu >= this.cpus) return -Errno.ENODEV;
    if (qsize === 0) {
      this.slots.remove(cpu);
      return 0;
    }
    if (progFd > 0) return -Errno.ENOMEM;
    const entry = new Uint8Array(CPUMAP_VAL_SIZE);
    new DataView(entry.buffer).setUint32(0, qsize, true);
    this.slots.store(cpu, entry);
    return 0;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    return this.slots.read(readIndex(key), this.valueSize);
  }

  close(): void {
    this.slots.clear();
  }
}
