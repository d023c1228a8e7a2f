import type { AddressSpace } from '../vm/memory.js';
import { MapDefinitionError, VmMap, type VmMapOptions } from './map.js';
import { Errno, type MapDefinition } from './types.js';

export interface PerfRecord {
  cpu: number;
  data: Uint8Array;
}

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY as bpf_perf_event_output sees it: one buffer per CPU of a fixed byte capacity
 * (like the kernel's per-CPU perf rings), records dropped and counted per CPU when a buffer is full. Readers drain
 * the buffers in CPU order or iterate asynchronously.
 */
export class PerfEventArrayMap extends VmMap {
  /** Bytes each CPU's buffer holds (default 64 pages, the libbpf perf_buffer default of 8 pages ×8). */
  capacity = 64 * 4096;
  readonly lost: number[];
  private readonly buffers: Uint8Array[][];
  private readonly used: number[];
  private readonly waiters = new Set<() => void>();

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    if (def.keySize !== 4 || def.valueSize !== 4) throw new MapDefinitionError(def, 'key and value size must be 4');
    const n = Math.max(this.cpus, 1);
    this.lost = new Array(n).fill(0);
    this.buffers = Array.from({ length: n }, () => []);
    this.used = new Array(n).fill(0);
  }

  /** bpf_perf_event_output into CPU `cpu`'s buffer: 0, -E2BIG for a bad index, -ENOSPC when full. */
  output(cpu: number, bytes: Uint8Array): number {
    if (cpu < 0 || cpu >= this.buffers.length || cpu >= this.maxEntries) return -Errno.E2BIG;
    // perf records carry an 8-byte header and a 4-byte size, padded to 8
    const cost = 8 + ((bytes.length + 4 + 7) & ~7);
    if (this.used[cpu]! + cost > this.capacity) {
      this.lost[cpu]!++;
      return -Errno.ENOSPC;
    }
    this.buffers[cpu]!.push(bytes.slice());
    this.used[cpu]! += cost;
    for (const w of [...this.waiters]) w();
    return 0;
  }

  /** Delivers every buffered record (CPU by CPU) and frees the space. */
  consume(onRecord: (record: PerfRecord) => void): number {
    let n = 0;
    this.buffers.forEach((records, cpu) => {
      for (const data of records.splice(0)) {
        onRecord({ cpu, data });
        n++;
      }
      this.used[cpu] = 0;
    });
    return n;
  }

  waitForData(signal?: AbortSignal): Promise<void> {
    if (this.buffers.some((b) => b.length > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async *records(signal?: AbortSignal): AsyncIterableIterator<PerfRecord> {
    while (!signal?.aborted) {
      const batch: PerfRecord[] = [];
      this.consume((r) => batch.push(r));
      yield* batch;
      if (batch.length === 0) await this.waitForData(signal);
    }
  }

  lookupElem(): number {
    return 0;
  }
  updateElem(): number {
    return 0;
  }
  deleteElem(): number {
    return 0;
  }
  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const i = key === undefined ? 0 : new DataView(key.buffer, key.byteOffset).getUint32(0, true) + 1;
    return i < this.maxEntries ? Uint8Array.of(i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24) : undefined;
  }
  lookup(): Uint8Array | undefined {
    return undefined;
  }
  close(): void {
    for (const b of this.buffers) b.length = 0;
  }
}
