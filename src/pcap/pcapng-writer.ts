import { type ChunkSink, ChunkWriter } from './chunk-writer.js';
import { maxSnaplen } from './linktype.js';
import { concat, type PacketToWrite } from './pcap-writer.js';
import { BT_EPB, BT_IDB, BT_SHB, BYTE_ORDER_MAGIC } from './pcapng-reader.js';
import { joinTicks, type TickResolution } from './timestamp.js';

export interface PcapngInterfaceOptions {
  /** LINKTYPE_ value. */
  linkType: number;
  /** Defaults to the link type's maximum (262144 for most). */
  snaplen?: number;
  /** if_name option. */
  name?: string;
  /** Timestamp resolution: 'us' (the pcapng default, no option written) or 'ns' (if_tsresol 9). */
  precision?: 'us' | 'ns';
}

export interface PcapngWriterOptions {
  interfaces: readonly PcapngInterfaceOptions[];
  /** Defaults to true. */
  littleEndian?: boolean;
  /** shb_userappl option; defaults to "tsbpf". */
  application?: string;
  chunkSize?: number;
}

const ENCODER = new TextEncoder();

/**
 * Writes one pcapng section: a Section Header Block, an Interface Description Block per interface, then an
 * Enhanced Packet Block per packet (no per-packet options), in chunks handed to a sink.
 */
export class PcapngWriter {
  private readonly out: ChunkWriter;
  private readonly le: boolean;
  private readonly res: TickResolution[];
  private readonly snaplens: number[];
  private started = false;

  constructor(
    private readonly options: PcapngWriterOptions,
    sink: ChunkSink,
  ) {
    if (options.interfaces.length === 0) throw new RangeError('a pcapng file needs at least one interface');
    this.out = new ChunkWriter(sink, options.chunkSize);
    this.le = options.littleEndian ?? true;
    this.res = options.interfaces.map((i) => ({ binary: false, exponent: i.precision === 'ns' ? 9 : 6 }));
    this.snaplens = options.interfaces.map((i) => i.snaplen ?? maxSnaplen(i.linkType));
  }

  static toBytes(packets: Iterable<PacketToWrite>, options: PcapngWriterOptions): Uint8Array {
    const chunks: Uint8Array[] = [];
    const w = new PcapngWriter(options, (c) => chunks.push(c));
    for (const p of packets) w.write(p);
    w.flush();
    return concat(chunks);
  }

  write(packet: PacketToWrite): void {
    if (!this.started) this.headers();
    const id = packet.interfaceId ?? 0;
    const res = this.res[id];
    if (res === undefined) throw new RangeError(`interface ${id} was not declared to the writer`);
    const data = packet.data;
    if (data.length > this.snaplens[id]!) {
      throw new RangeError(`packet of ${data.length} bytes exceeds interface ${id}'s snaplen ${this.snaplens[id]}`);
    }
    const total = 32 + pad4(data.length);
    const out = this.out;
    const at = out.reserve(total);
    const v = out.dataView;
    const le = this.le;
    const [hi, lo] = joinTicks(packet.seconds, packet.nanos, res);
    v.setUint32(at, BT_EPB, le);
    v.setUint32(at + 4, total, le);
    v.setUint32(at + 8, id, le);
    v.setUint32(at + 12, hi, le);
    v.setUint32(at + 16, lo, le);
    v.setUint32(at + 20, data.length, le);
    v.setUint32(at + 24, (packet.originalLength ?? data.length) >>> 0, le);
    out.bytes.set(data, at + 28);
    out.bytes.fill(0, at + 28 + data.length, at + total - 4);
    v.setUint32(at + total - 4, total, le);
  }

  flush(): void {
    if (!this.started) this.headers();
    this.out.flush();
  }

  private headers(): void {
    this.started = true;
    const app = ENCODER.encode(this.options.application ?? 'tsbpf');
    this.block(BT_SHB, 16, [[4, app]], (v, at) => {
      v.setUint32(at, BYTE_ORDER_MAGIC, this.le);
      v.setUint16(at + 4, 1, this.le);
      v.setUint16(at + 6, 0, this.le);
      v.setInt32(at + 8, -1, this.le); // section length unknown
      v.setInt32(at + 12, -1, this.le);
    });
    this.options.interfaces.forEach((iface, i) => {
      const opts: Array<[number, Uint8Array]> = [];
      if (iface.name !== undefined) opts.push([2, ENCODER.encode(iface.name)]);
      if (iface.precision === 'ns') opts.push([9, Uint8Array.of(9)]);
      this.block(BT_IDB, 8, opts, (v, at) => {
        v.setUint16(at, iface.linkType, this.le);
        v.setUint16(at + 2, 0, this.le);
        v.setUint32(at + 4, this.snaplens[i]!, this.le);
      });
    });
  }

  /** Writes a block: header, `fixed` bytes filled by `body`, options (with opt_endofopt), trailer. */
  private block(
    type: number,
    fixed: number,
    options: ReadonlyArray<[number, Uint8Array]>,
    body: (v: DataView, at: number) => void,
  ): void {
    let optBytes = 0;
    for (const [, value] of options) optBytes += 4 + pad4(value.length);
    if (options.length > 0) optBytes += 4;
    const total = 12 + fixed + optBytes;
    const at = this.out.reserve(total);
    const v = this.out.dataView;
    const bytes = this.out.bytes;
    bytes.fill(0, at, at + total);
    v.setUint32(at, type, this.le);
    v.setUint32(at + 4, total, this.le);
    body(v, at + 8);
    let o = at + 8 + fixed;
    for (const [code, value] of options) {
      v.setUint16(o, code, this.le);
      v.setUint16(o + 2, value.length, this.le);
      bytes.set(value, o + 4);
      o += 4 + pad4(value.length);
    }
    v.setUint32(at + total - 4, total, this.le);
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}
