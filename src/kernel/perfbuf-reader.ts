/**
 * Consumer of a BPF_MAP_TYPE_PERF_EVENT_ARRAY, as libbpf's perf_buffer: one PERF_COUNT_SW_BPF_OUTPUT event per
 * online CPU, each with its own mmap'ed ring, stored in the map at its CPU's index so bpf_perf_event_output()
 * (BPF_F_CURRENT_CPU) writes to the ring of the CPU the program ran on. Samples come out with their CPU; lost
 * records (the ring was full) are reported as counts.
 *
 * Ring layout (struct perf_event_mmap_page): data_head at byte 1024 (written by the kernel), data_tail at 1032
 * (ours), data_offset/data_size at 1040/1048; records are a perf_event_header {u32 type, u16 misc, u16 size}
 * followed by PERF_RECORD_SAMPLE {u32 size; raw data} or PERF_RECORD_LOST {u64 id; u64 lost}; a record may wrap.
 */
import { InputError } from '../errors.js';
import type { RecordReader } from '../object/collection.js';
import { onlineCpus } from './cpus.js';
import { Epoll } from './epoll.js';
import { KernelError } from './errors.js';
import type { Fd } from './fd.js';
import type { KernelMap } from './map.js';
import { getU64, setU64 } from './native.js';
import {
  PERF_EVENT_IOC_ENABLE,
  PERF_SAMPLE_RAW,
  PerfSwConfig,
  PerfType,
  perfEventOpen,
  perfIoctl,
} from './perf-event.js';
import { lastErrno, MAP_SHARED, type MappedRegion, PROT_READ, PROT_WRITE, sysMmap, sysPageSize } from './syscall.js';

const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;

export interface PerfRecord {
  cpu: number;
  /** The raw sample (bpf_perf_event_output's data, padded by the kernel to keep records 8-byte aligned). */
  data: Uint8Array;
  /** Set on loss reports instead of data: how many records the kernel dropped on this CPU. */
  lost?: number;
}

interface CpuRing {
  cpu: number;
  perf: Fd;
  region: MappedRegion;
  meta: DataView;
  data: Uint8Array;
  dataSize: number;
}

export interface PerfBufferOptions {
  /** Pages of ring per CPU (a power of two; default 8). */
  pages?: number;
  /** Wake the reader after this many samples (default 1). */
  wakeupEvents?: number;
}

export class PerfBufferReader implements RecordReader<PerfRecord> {
  private readonly rings: CpuRing[] = [];
  private readonly epoll: Epoll;
  private closed = false;
  /** Total records reported lost so far. */
  lost = 0;
  waitTimeoutMs = 100;

  constructor(
    private readonly map: KernelMap,
    options: PerfBufferOptions = {},
  ) {
    const pages = options.pages ?? 8;
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
      throw new InputError(`perf buffer pages must be a power of two, got ${pages}`);
    }
    const page = sysPageSize();
    this.epoll = new Epoll(64);
    try {
      for (const cpu of onlineCpus()) {
        if (cpu >= map.maxEntries) break;
        this.rings.push(this.openRing(cpu, pages, page, options.wakeupEvents ?? 1));
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private openRing(cpu: number, pages: number, page: number, wakeupEvents: number): CpuRing {
    const perf = perfEventOpen({
      type: PerfType.SOFTWARE,
      config: PerfSwConfig.BPF_OUTPUT,
      sampleType: PERF_SAMPLE_RAW,
      samplePeriod: 1,
      wakeupEvents,
      pid: -1,
      cpu,
    });
    const length = (pages + 1) * page;
    const region = sysMmap(length, PROT_READ | PROT_WRITE, MAP_SHARED, perf.fd, 0);
    if (!region) {
      const errno = lastErrno();
      perf.close();
      throw new KernelError(`mmap of perf buffer for CPU ${cpu}`, errno);
    }
    const meta = new DataView(region.bytes.buffer, region.bytes.byteOffset, page);
    const dataOffset = getU64(meta, 1040) || page;
    const dataSize = getU64(meta, 1048) || pages * page;
    const ring: CpuRing = {
      cpu,
      perf,
      region,
      meta,
      data: region.bytes.subarray(dataOffset, dataOffset + dataSize),
      dataSize,
    };
    try {
      const key = new Uint8Array(4);
      const value = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, cpu, true);
      new DataView(value.buffer).setUint32(0, perf.fd, true);
      this.map.update(key, value);
      perfIoctl(perf, PERF_EVENT_IOC_ENABLE, 0);
      this.epoll.add(perf.fd, this.rings.length);
    } catch (error) {
      region.unmap();
      perf.close();
      throw error;
    }
    return ring;
  }

  /** Bytes written to any ring and not yet read. */
  pending(): number {
    let total = 0;
    for (const ring of this.rings) total += getU64(ring.meta, 1024) - getU64(ring.meta, 1032);
    return total;
  }

  poll(onRecord: (record: PerfRecord) => void): number {
    let count = 0;
    for (const ring of this.rings) {
      if (this.closed) break;
      count += this.drain(ring, onRecord);
    }
    return count;
  }

  private drain(ring: CpuRing, onRecord: (record: PerfRecord) => void): number {
    const head = getU64(ring.meta, 1024);
    let tail = getU64(ring.meta, 1032);
    let count = 0;
    const records: PerfRecord[] = [];
    while (tail < head) {
      const header = this.copy(ring, tail, 8);
      const view = new DataView(header.buffer);
      const type = view.getUint32(0, true);
      const size = view.getUint16(6, true);
      if (size < 8) break;
      const body = this.copy(ring, tail + 8, size - 8);
      const bodyView = new DataView(body.buffer);
      if (type === PERF_RECORD_SAMPLE && body.length >= 4) {
        const rawSize = Math.min(bodyView.getUint32(0, true), body.length - 4);
        records.push({ cpu: ring.cpu, data: body.slice(4, 4 + rawSize) });
      } else if (type === PERF_RECORD_LOST && body.length >= 16) {
        const lost = Number(bodyView.getBigUint64(8, true));
        this.lost += lost;
        records.push({ cpu: ring.cpu, data: new Uint8Array(0), lost });
      }
      tail += size;
    }
    // Give the space back before callbacks run: they may close the reader.
    setU64(ring.meta, 1032, tail);
    for (const record of records) {
      count++;
      onRecord(record);
      if (this.closed) break;
    }
    return count;
  }

  /** `length` bytes at ring position `position`, unwrapped. */
  private copy(ring: CpuRing, position: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const start = position % ring.dataSize;
    const first = Math.min(length, ring.dataSize - start);
    out.set(ring.data.subarray(start, start + first));
    if (first < length) out.set(ring.data.subarray(0, length - first), first);
    return out;
  }

  async wait(timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    if (this.pending() > 0) return true;
    await this.epoll.wait(timeoutMs);
    return !this.closed && this.pending() > 0;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PerfRecord> {
    const queue: PerfRecord[] = [];
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
    for (const ring of this.rings) {
      try {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, ring.cpu, true);
        if (!this.map.fd.closed) this.map.delete(key);
      } catch {
        // The map may already be gone with its collection; the entry went with it.
      }
      ring.region.unmap();
      ring.perf.close();
    }
    this.rings.length = 0;
  }
}
