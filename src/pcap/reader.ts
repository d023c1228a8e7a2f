import type { CapturedPacket, CaptureFormat, CaptureInterface } from './packet.js';
import { CaptureParser, type CaptureParserOptions } from './parser.js';

/** Byte chunks: a stream (file, fetch body), an array of buffers, or a generator. */
export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Streams packets out of a pcap or pcapng source held as chunks. Memory stays constant: chunks are dropped as soon
 * as their packets have been handed out (unless the caller keeps the packets, whose data are views into them).
 *
 * `for await (const p of reader)` is the convenient form; `forEach(fn)` is the fast one, it calls `fn`
 * synchronously for every packet of a chunk and awaits only between chunks. Either way a corrupt record raises a
 * `PcapError` after every packet before it was delivered.
 */
export class CaptureReader implements AsyncIterable<CapturedPacket> {
  readonly parser: CaptureParser;
  private used = false;

  constructor(
    private readonly source: ChunkSource,
    options: CaptureParserOptions = {},
  ) {
    this.parser = new CaptureParser(options);
  }

  /** Shorthand for `new CaptureReader(source, options)` used as an async iterable. */
  static packets(source: ChunkSource, options: CaptureParserOptions = {}): AsyncIterable<CapturedPacket> {
    return new CaptureReader(source, options);
  }

  /** Known once the first header has been read (that is, after the first packet or the end). */
  get format(): CaptureFormat | undefined {
    return this.parser.format;
  }

  get interfaces(): readonly CaptureInterface[] {
    return this.parser.interfaces;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CapturedPacket> {
    const parser = this.claim();
    for await (const chunk of this.source) {
      parser.push(chunk);
      for (let p = parser.next(); p !== null; p = parser.next()) yield p;
    }
    parser.end();
    for (let p = parser.next(); p !== null; p = parser.next()) yield p;
  }

  /** Calls `fn` for each packet in order; resolves to the number of packets. */
  async forEach(fn: (packet: CapturedPacket) => void): Promise<number> {
    const parser = this.claim();
    for await (const chunk of this.source) {
      parser.push(chunk);
      for (let p = parser.next(); p !== null; p = parser.next()) fn(p);
    }
    parser.end();
    for (let p = parser.next(); p !== null; p = parser.next()) fn(p);
    return parser.packetCount;
  }

  private claim(): CaptureParser {
    if (this.used) throw new Error('a CaptureReader can be iterated once');
    this.used = true;
    return this.parser;
  }
}

/**
 * Synchronous packets of a capture already in memory (one array or several chunks), for tests, browsers with a
 * whole file, and small inputs. Pass a `parser` to read `format` and `interfaces` afterwards.
 */
export function* capturePackets(
  input: Uint8Array | Iterable<Uint8Array>,
  options: CaptureParserOptions & { parser?: CaptureParser } = {},
): Generator<CapturedPacket> {
  const parser = options.parser ?? new CaptureParser(options);
  const chunks = input instanceof Uint8Array ? [input] : input;
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let p = parser.next(); p !== null; p = parser.next()) yield p;
  }
  parser.end();
  for (let p = parser.next(); p !== null; p = parser.next()) yield p;
}
