import { type ChunkSink, ChunkWriter } from './chunk-writer.js';
import { maxSnaplen } from './linktype.js';
import { PCAP_MAGIC_NS, PCAP_MAGIC_US } from './pcap-reader.js';

/** A packet to write: what a `CapturedPacket` has, minus the reader's bookkeeping. */
export interface PacketToWrite {
  readonly seconds: number;
  readonly nanos: number;
  readonly data: Uint8Array;
  /** Wire length; defaults to `data.length`. */
  readonly originalLength?: number;
  /** pcapng interface (index into the writer's interfaces); ignored by the classic writer. */
  readonly interfaceId?: number;
}

export interface PcapWriterOptions {
  /** LINKTYPE_ value for the file header. */
  linkType: number;
  /** Defaults to 262144 (libpcap's maximum), the same as tcpdump -w. */
  snaplen?: number;
  /** 'us' (magic a1b2c3d4, the default) or 'ns' (a1b23c4d). */
  precision?: 'us' | 'ns';
  /** Defaults to true (the byte order every current tool writes on x86 and ARM). */
  littleEndian?: boolean;
  /** FCS length in bytes (even, up to 30) recorded in the link-type field's FCS bits. */
  fcsLength?: number;
  /** Output chunk size; 1 MiB by default. */
  chunkSize?: number;
}

/**
 * Writes classic pcap (version 2.4) to a sink in chunks. Timestamps are stored as libpcap's pcap_dump stores them:
 * seconds modulo 2^32 and, for a µs file, the nanoseconds divided by 1000 (rounded down).
 */
export class PcapWriter {
  private readonly out: ChunkWriter;
  private readonly le: boolean;
  private readonly nano: boolean;
  readonly snaplen: number;
  private started = false;

  constructor(
    private readonly options: PcapWriterOptions,
    sink: ChunkSink,
  ) {
    this.out = new ChunkWriter(sink, options.chunkSize);
    this.le = options.littleEndian ?? true;
    this.nano = options.precision === 'ns';
    this.snaplen = options.snaplen ?? maxSnaplen(options.linkType);
    const fcs = options.fcsLength;
    if (fcs !== undefined && (fcs < 0 || fcs > 30 || fcs % 2 !== 0)) {
      throw new RangeError(`FCS length ${fcs} cannot be recorded in a pcap header (even, 0-30 bytes)`);
    }
  }

  /** Writes every packet of `packets` and returns the whole file (for small captures and tests). */
  static toBytes(packets: Iterable<PacketToWrite>, options: PcapWriterOptions): Uint8Array {
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter(options, (c) => chunks.push(c));
    for (const p of packets) w.write(p);
    w.flush();
    return concat(chunks);
  }

  write(packet: PacketToWrite): void {
    if (!this.started) this.header();
    const data = packet.data;
    if (data.length > this.snaplen) {
      throw new RangeError(`packet of ${data.length} bytes exceeds the writer's snaplen ${this.snaplen}`);
    }
    const out = this.out;
    const at = out.reserve(16 + data.length);
    const v = out.dataView;
    const le = this.le;
    v.setUint32(at, packet.seconds >>> 0, le);
    v.setUint32(at + 4, (this.nano ? packet.nanos : Math.floor(packet.nanos / 1000)) >>> 0, le);
    v.setUint32(at + 8, data.length, le);
    v.setUint32(at + 12, (packet.originalLength ?? data.length) >>> 0, le);
    out.bytes.set(data, at + 16);
  }

  /** Hands everything written so far to the sink (the file header included, even with no packets). */
  flush(): void {
    if (!this.started) this.header();
    this.out.flush();
  }

  private header(): void {
    this.started = true;
    const o = this.options;
    const at = this.out.reserve(24);
    const v = this.out.dataView;
    const le = this.le;
    let field = o.linkType & 0xffff;
    if (o.fcsLength !== undefined) field = (field | 0x04000000 | ((o.fcsLength / 2) << 28)) >>> 0;
    v.setUint32(at, this.nano ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
    v.setUint16(at + 4, 2, le);
    v.setUint16(at + 6, 4, le);
    v.setInt32(at + 8, 0, le);
    v.setUint32(at + 12, 0, le);
    v.setUint32(at + 16, this.snaplen, le);
    v.setUint32(at + 20, field, le);
  }
}

/** Joins chunks into one array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
