import type { AddressSpace, Region } from '../vm/memory.js';
import { MapDefinitionError, roundUp8, VmMap, type VmMapOptions } from './map.js';
import { Errno, type MapDefinition } from './types.js';

export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;
export const BPF_RB_NO_WAKEUP = 1;
export const BPF_RB_FORCE_WAKEUP = 2;
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;
const EAGAIN = 11;

/**
 * BPF_MAP_TYPE_RINGBUF: a multi-producer, single-consumer ring of variable-size records in the VM address space.
 * Each record has the kernel's 8-byte header (length with BUSY and DISCARD bits, then a page offset). The kernel maps
 * the data area twice so a record can wrap around the end; linear memory cannot, so a record that would wrap is
 * preceded by a discarded padding record filling the rest of the ring. A reservation that does not fit returns NULL
 * and is counted in `dropped`; committed records are never overwritten before the consumer passes them.
 */
export class RingBufMap extends VmMap {
  readonly data: Region;
  readonly size: number;
  private consumerPos = 0;
  private producerPos = 0;
  /** Reservations that failed because the ring was full. */
  dropped = 0;
  private readonly waiters = new Set<() => void>();

  constructor(def: MapDefinition, space: AddressSpace, options: VmMapOptions) {
    super(def, space, options);
    if (def.keySize !== 0 || def.valueSize !== 0) throw new MapDefinitionError(def, 'key and value size must be 0');
    const n = def.maxEntries;
    if (n < 4096 || (n & (n - 1)) !== 0) {
      throw new MapDefinitionError(def, `max_entries ${n} must be a power of 2 and a multiple of the page size (4096)`);
    }
    this.size = n;
    this.data = space.alloc(n, `${def.name} ring`, 'map');
  }

  /** bpf_ringbuf_reserve: address of the record's data, or 0. */
  reserve(size: number, flags: number): number {
    if (flags !== 0 || size <= 0) return 0;
    const total = roundUp8(size + BPF_RINGBUF_HDR_SZ);
    const offset = this.producerPos % this.size;
    const padding = offset + total > this.size ? this.size - offset : 0;
    if (total > this.size || this.producerPos + padding + total - this.consumerPos > this.size) {
      this.dropped++;
      return 0;
    }
    const view = this.space.view;
    if (padding) {
      view.setUint32(this.data.start + offset, (padding - BPF_RINGBUF_HDR_SZ) | BPF_RINGBUF_DISCARD_BIT, true);
      view.setUint32(this.data.start + offset + 4, 0, true);
      this.producerPos += padding;
    }
    const at = this.data.start + (this.producerPos % this.size);
    view.setUint32(at, size | BPF_RINGBUF_BUSY_BIT, true);
    view.setUint32(at + 4, 0, true);
    this.producerPos += total;
    return at + BPF_RINGBUF_HDR_SZ;
  }

  /** bpf_ringbuf_submit / bpf_ringbuf_discard on a reserved record's data address; false if it is not one. */
  commit(dataAddress: number, discard: boolean, flags: number): boolean {
    const header = dataAddress - BPF_RINGBUF_HDR_SZ;
    if (header < this.data.start || header >= this.data.start + this.size) return false;
    const view = this.space.view;
    const len = view.getUint32(header, true);
    if (!(len & BPF_RINGBUF_BUSY_BIT)) return false;
    view.setUint32(header, (len & ~BPF_RINGBUF_BUSY_BIT) | (discard ? BPF_RINGBUF_DISCARD_BIT : 0), true);
    if (!(flags & BPF_RB_NO_WAKEUP)) this.wake();
    return true;
  }

  /** bpf_ringbuf_output: 0 or -EAGAIN when the ring is full. */
  output(bytes: Uint8Array, flags: number): number {
    const copy = bytes.slice();
    const at = this.reserve(copy.length, 0);
    if (!at) return -EAGAIN;
    this.space.u8.set(copy, at);
    this.commit(at, false, flags);
    return 0;
  }

  /** bpf_ringbuf_query. */
  query(flag: number): number {
    switch (flag) {
      case BPF_RB_AVAIL_DATA:
        return this.producerPos - this.consumerPos;
      case BPF_RB_RING_SIZE:
        return this.size;
      case BPF_RB_CONS_POS:
        return this.consumerPos;
      case BPF_RB_PROD_POS:
        return this.producerPos;
      default:
        return 0;
    }
  }

  /**
   * Consumes committed records in order, calling `onRecord` with a copy of each record's data; stops at the first
   * record still being written. Returns the number of records delivered.
   */
  consume(onRecord: (data: Uint8Array) => void, limit = Number.POSITIVE_INFINITY): number {
    let n = 0;
    const view = this.space.view;
    while (this.consumerPos < this.producerPos && n < limit) {
      const at = this.data.start + (this.consumerPos % this.size);
      const word = view.getUint32(at, true);
      if (word & BPF_RINGBUF_BUSY_BIT) break;
      const len = word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      if (!(word & BPF_RINGBUF_DISCARD_BIT)) {
        onRecord(this.space.u8.slice(at + BPF_RINGBUF_HDR_SZ, at + BPF_RINGBUF_HDR_SZ + len));
        n++;
      }
      this.consumerPos += roundUp8(len + BPF_RINGBUF_HDR_SZ);
    }
    return n;
  }

  /** Resolves when a record is committed with a wakeup (or immediately if data is waiting). */
  waitForData(signal?: AbortSignal): Promise<void> {
    if (this.consumerPos < this.producerPos) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Yields records as programs commit them, until `signal` aborts. */
  async *records(signal?: AbortSignal): AsyncIterableIterator<Uint8Array> {
    while (!signal?.aborted) {
      const batch: Uint8Array[] = [];
      this.consume((r) => batch.push(r));
      yield* batch;
      if (batch.length === 0) await this.waitForData(signal);
    }
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  lookupElem(): number {
    return 0;
  }
  updateElem(): number {
    return -Errno.ENOTSUPP;
  }
  deleteElem(): number {
    return -Errno.ENOTSUPP;
  }
  nextKey(): Uint8Array | undefined {
    return undefined;
  }
  lookup(): Uint8Array | undefined {
    return undefined;
  }
  close(): void {
    this.space.free(this.data);
    this.wake();
  }
}
