import { fail, hex32, needMore, type ReaderContext } from './context.js';
import { linkTypeName, maxSnaplen } from './linktype.js';
import type { CapturedPacket, CaptureFormat, CaptureInterface } from './packet.js';

/** Classic pcap magic numbers, as read little-endian from the first four bytes. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Alexey Kuznetzov's patched format: µs, with 8 more bytes in each record header. */
export const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;

const FILE_HEADER_SIZE = 24;
/** Link-type field layout (pcap spec): bits 0-15 type, 16-25 reserved, 26 "FCS length present", 28-31 FCS length. */
const LT_RESERVED = 0x03ff0000;
const LT_FCS_PRESENT = 0x04000000;

/** Whether caplen and len are in the pre-2.3 order (libpcap's lengths_swapped). */
enum LengthOrder {
  Normal,
  Swapped,
  /** Version 2.3 files were written both ways: swap when caplen > len. */
  Maybe,
}

/**
 * Reads a classic pcap file after its magic number: the 24-byte file header, then 16-byte record headers each
 * followed by the captured bytes. Tolerance follows libpcap's savefile reader, so counts match tcpdump's: versions
 * 2.0-2.4 and 543.0 (DG/UX), pre-2.3 swapped length fields, snaplen 0 meaning "maximum", and a captured length
 * above the snaplen but within the link type's maximum is accepted with the data cut to the snaplen. A captured
 * length above the link type's maximum is a corrupt record: reading on would mean trusting a garbage length.
 */
export class PcapReader {
  readonly format: CaptureFormat;
  private readonly le: boolean;
  private readonly recordHeaderSize: number;
  /** Multiplier turning the stored fraction into nanoseconds. */
  private readonly fracToNanos: number;
  private readonly order: LengthOrder;
  private readonly linkType: number;
  private readonly snap: number;
  private readonly maxCaplen: number;

  /** Parses the file header; the queue holds the magic at `pos` and at least 24 bytes (caller ensured). */
  constructor(
    private readonly ctx: ReaderContext,
    magic: number,
    le: boolean,
  ) {
    const q = ctx.queue;
    const v = q.view;
    const p = q.pos;
    const start = q.offset;
    const major = v.getUint16(p + 4, le);
    const minor = v.getUint16(p + 6, le);
    const snaplen = v.getUint32(p + 16, le);
    const field = v.getUint32(p + 20, le);
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      throw fail(ctx, 'unsupported file', start, `unsupported pcap savefile version ${major}.${minor}`);
    }
    if ((field & LT_RESERVED) !== 0) {
      throw fail(
        ctx,
        'bad file header',
        start + 20,
        `link-type field ${hex32(field)} has reserved bits set (${hex32(field & LT_RESERVED)})`,
      );
    }
    this.le = le;
    this.linkType = field & 0xffff;
    this.maxCaplen = maxSnaplen(this.linkType);
    let snap = snaplen === 0 || snaplen > this.maxCaplen ? this.maxCaplen : snaplen;
    if (magic === PCAP_MAGIC_KUZNETZOV) {
      // libpcap: such captures may be cooked-mode with a fake 14-byte Ethernet header added to snaplen bytes.
      if (this.linkType === 1) snap += 14;
      this.recordHeaderSize = 24;
    } else {
      this.recordHeaderSize = 16;
    }
    this.snap = snap;
    this.fracToNanos = magic === PCAP_MAGIC_NS ? 1 : 1000;
    this.order =
      major === 543 || minor < 3 ? LengthOrder.Swapped : minor === 3 ? LengthOrder.Maybe : LengthOrder.Normal;
    this.format = {
      format: 'pcap',
      versionMajor: major,
      versionMinor: minor,
      littleEndian: le,
      precision: magic === PCAP_MAGIC_NS ? 'ns' : 'us',
      linkTypeField: field >>> 0,
    };
    const iface: CaptureInterface = {
      id: 0,
      section: 0,
      linkType: this.linkType,
      snaplen,
      effectiveSnaplen: snap,
      ...((field & LT_FCS_PRESENT) !== 0 ? { fcsLength: ((field >>> 28) & 0xf) * 2 } : {}),
      ticksPerSecond: magic === PCAP_MAGIC_NS ? 1e9 : 1e6,
      tsOffset: 0,
      littleEndian: le,
    };
    ctx.interfaces.push(iface);
    q.consume(FILE_HEADER_SIZE);
  }

  /** The next packet, or null when more input is needed (or the input is finished). */
  next(): CapturedPacket | null {
    const ctx = this.ctx;
    const q = ctx.queue;
    const hdr = this.recordHeaderSize;
    if (q.head.length - q.pos < hdr && !q.ensure(hdr)) return needMore(ctx, hdr, 'record header');
    const v = q.view;
    let p = q.pos;
    const le = this.le;
    const seconds = v.getUint32(p, le);
    const frac = v.getUint32(p + 4, le);
    let caplen = v.getUint32(p + 8, le);
    let len = v.getUint32(p + 12, le);
    if (this.order !== LengthOrder.Normal && (this.order === LengthOrder.Swapped || caplen > len)) {
      const t = caplen;
      caplen = len;
      len = t;
    }
    if (caplen > this.maxCaplen) {
      throw fail(
        ctx,
        'corrupt record',
        q.offset,
        `captured length ${caplen} exceeds the maximum ${this.maxCaplen} for link type ${linkTypeName(this.linkType)}` +
          (caplen > this.snap ? ` (snaplen ${this.snap})` : ''),
      );
    }
    const total = hdr + caplen;
    if (q.head.length - p < total) {
      if (!q.ensure(total)) return needMore(ctx, total, `record of ${caplen} captured bytes`);
      p = q.pos;
    }
    const offset = q.offset;
    const start = p + hdr;
    const data = q.head.subarray(start, start + Math.min(caplen, this.snap));
    q.consume(total);
    return {
      index: ctx.packetIndex++,
      offset,
      interfaceId: 0,
      linkType: this.linkType,
      seconds,
      nanos: frac * this.fracToNanos,
      capturedLength: data.length,
      originalLength: len,
      data,
    };
  }
}
