/**
 * Consumer of a BPF_MAP_TYPE_RINGBUF map, as libbpf's ring_buffer__poll: the map is mmap'ed (the consumer page
 * read-write at offset 0; the producer page and the data area, mapped twice back to back so a record that wraps is
 * still contiguous, read-only at one page), records are read straight from shared memory, and epoll says when the
 * producer has written. Reading costs no syscall per record.
 *
 * Each record starts with an 8-byte header: u32 length (bit 31: still being written, bit 30: discarded), u32 page
 * offset. Records are 8-byte aligned. Positions only grow, and stay below 2^53 for the life of any process, so they
 * are read as two u32 halves. On x86-64 (TSO) plain loads and stores give the ordering libbpf gets from its
 * acquire/release atomics; weaker architectures rely on the syscall barriers around epoll.
 */
import type { RecordReader } from '../object/collection.js';
import { Epoll } from './epoll.js';
import { KernelError } from './errors.js';
import { getU64, setU64 } from './native.js';
import { lastErrno, MAP_SHARED, type MappedRegion, PROT_READ, PROT_WRITE, sysMmap, sysPageSize } from './syscall.js';

const BUSY = 0x8000_0000;
const DISCARD = 0x4000_0000;
const HEADER = 8;

export interface RingBufferSource {
  /** The map's fd (kept open by its owner for as long as the reader lives). */
  fd: number;
  /** The map's max_entries: the data area's size, a power of two multiple of the page size. */
  size: number;
  name: string;
}

export class RingBufferReader implements RecordReader<Uint8Array> {
  private readonly consumer: MappedRegion;
  private readonly producer: MappedRegion;
  private readonly consumerView: DataView;
  private readonly producerView: DataView;
  private readonly data: Uint8Array;
  private readonly dataView: DataView;
  private readonly mask: number;
  private readonly epoll: Epoll;
  private closed = false;
  /** How long one epoll wait blocks a worker thread; bounds how late close() is noticed. */
  waitTimeoutMs = 100;

  constructor(source: RingBufferSource) {
    const page = sysPageSize();
    const consumer = sysMmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, source.fd, 0);
    if (!consumer) throw new KernelError(`mmap of ring buffer "${source.name}" (consumer page)`, lastErrno());
    const producer = sysMmap(page + 2 * source.size, PROT_READ, MAP_SHARED, source.fd, page);
    if (!producer) {
      const errno = lastErrno();
      consumer.unmap();
      throw new KernelError(`mmap of ring buffer "${source.name}" (data)`, errno);
    }
    this.consumer = consumer;
    this.producer = producer;
    this.consumerView = new DataView(consumer.bytes.buffer, consumer.bytes.byteOffset, page);
    this.producerView = new DataView(producer.bytes.buffer, producer.bytes.byteOffset, page);
    this.data = producer.bytes.subarray(page);
    this.dataView = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    this.mask = source.size - 1;
    try {
      this.epoll = new Epoll(1);
      this.epoll.add(source.fd, 0);
    } catch (error) {
      consumer.unmap();
      producer.unmap();
      throw error;
    }
  }

  /** Bytes written but not yet consumed. */
  pending(): number {
    if (this.closed) return 0;
    return getU64(this.producerView, 0) - getU64(this.consumerView, 0);
  }

  /** Delivers every complete record waiting now; returns how many. Records are copies the caller may keep. */
  poll(onRecord: (record: Uint8Array) => void): number {
    if (this.closed) return 0;
    let consumed = getU64(this.consumerView, 0);
    const produced = getU64(this.producerView, 0);
    let count = 0;
    while (consumed < produced) {
      const at = consumed & this.mask;
      const header = this.dataView.getUint32(at, true);
      if (header & BUSY) break;
      const length = header & 0x3fff_ffff;
      const record = header & DISCARD ? undefined : this.data.slice(at + HEADER, at + HEADER + length);
      consumed += Math.ceil((length + HEADER) / 8) * 8;
      // Release the space before handing the record out: the callback may close the reader (and unmap).
      setU64(this.consumerView, 0, consumed);
      if (record) {
        count++;
        onRecord(record);
        if (this.closed) break;
      }
    }
    return count;
  }

  /** Waits (without blocking the event loop) until records arrive or `timeoutMs` passes; returns whether any did. */
  async wait(timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    if (this.pending() > 0) return true;
    await this.epoll.wait(timeoutMs);
    return this.pending() > 0;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const queue: Uint8Array[] = [];
    while (!this.closed) {
      this.poll((record) => queue.push(record));
      while (queue.length > 0) yield queue.shift()!;
      if (this.closed) return;
      await this.wait(this.waitTimeoutMs);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.epoll.close();
    this.consumer.unmap();
    this.producer.unmap();
  }
}
