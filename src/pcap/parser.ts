import { ByteQueue } from './byte-queue.js';
import { fail, hex32, type ReaderContext } from './context.js';
import type { PcapError } from './errors.js';
import type { CapturedPacket, CaptureFormat, CaptureInterface } from './packet.js';
import { PCAP_MAGIC_KUZNETZOV, PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapReader } from './pcap-reader.js';
import { BT_SHB, PcapngReader } from './pcapng-reader.js';

export interface CaptureParserOptions {
  /** Name used in error messages (usually the file path). */
  source?: string;
}

/**
 * Incremental reader for pcap and pcapng, fed byte chunks of any size: `push(chunk)` as data arrives, `next()`
 * until it returns null, `end()` after the last chunk, then `next()` until null once more. The format is detected
 * from the first four bytes.
 *
 * Synchronous and allocation-light by design: it is the engine under the async and file helpers and the
 * benchmark, and a browser can drive it from a `ReadableStream`. Packet `data` are views into the pushed chunks,
 * so a caller that reuses its chunk buffers must copy what it keeps before pushing again.
 *
 * A corrupt record throws a `PcapError` naming its byte offset; packets before it were already returned. The
 * error is sticky: later calls throw it again rather than resynchronise on garbage.
 */
export class CaptureParser implements ReaderContext {
  readonly queue = new ByteQueue();
  readonly interfaces: CaptureInterface[] = [];
  readonly source?: string;
  ended = false;
  packetIndex = 0;
  private reader?: PcapReader | PcapngReader;
  private error?: PcapError;

  constructor(options: CaptureParserOptions = {}) {
    if (options.source !== undefined) this.source = options.source;
  }

  /** Format facts, once the first header has been parsed. */
  get format(): CaptureFormat | undefined {
    return this.reader?.format;
  }

  /** Packets returned so far. */
  get packetCount(): number {
    return this.packetIndex;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('CaptureParser.push after end()');
    this.queue.push(chunk);
  }

  /** Declares that no more input follows; a file cut inside a record then fails at the next `next()`. */
  end(): void {
    this.ended = true;
  }

  /** The next packet; null when more input is needed or, after `end()`, when the input is finished. */
  next(): CapturedPacket | null {
    if (this.error) throw this.error;
    try {
      if (this.reader === undefined && !this.start()) return null;
      return this.reader!.next();
    } catch (e) {
      if ((e as Error).name === 'PcapError') this.error = e as PcapError;
      throw e;
    }
  }

  /** Reads the magic number and the fixed file header; false when more input is needed. */
  private start(): boolean {
    const q = this.queue;
    if (!q.ensure(4)) {
      if (!this.ended) return false;
      throw fail(this, 'not a capture file', 0, q.available === 0 ? 'the input is empty' : `only ${q.available} bytes`);
    }
    const magic = q.view.getUint32(q.pos, true);
    if (magic === BT_SHB) {
      this.reader = new PcapngReader(this);
      return true;
    }
    let le: boolean;
    let m: number;
    if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_KUZNETZOV) {
      le = true;
      m = magic;
    } else {
      const swapped = q.view.getUint32(q.pos, false);
      if (swapped !== PCAP_MAGIC_US && swapped !== PCAP_MAGIC_NS && swapped !== PCAP_MAGIC_KUZNETZOV) {
        throw fail(
          this,
          'not a capture file',
          0,
          `unknown magic number ${hex32(magic)} (pcap starts with a1b2c3d4 or a1b23c4d, pcapng with 0a0d0d0a)`,
        );
      }
      le = false;
      m = swapped;
    }
    if (!q.ensure(24)) {
      if (!this.ended) return false;
      throw fail(this, 'truncated file', 0, `pcap file header needs 24 bytes, only ${q.available}`);
    }
    this.reader = new PcapReader(this, m, le);
    return true;
  }
}
