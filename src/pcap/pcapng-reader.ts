import { fail, hex32, needMore, type ReaderContext } from './context.js';
import { maxSnaplen } from './linktype.js';
import type { CapturedPacket, CaptureFormat, CaptureInterface } from './packet.js';
import { decodeTsresol, TickSplitter } from './timestamp.js';

/** Block types (pcapng spec, draft-ietf-opsawg-pcapng). */
export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 1;
export const BT_PB = 2;
export const BT_SPB = 3;
export const BT_NRB = 4;
export const BT_ISB = 5;
export const BT_EPB = 6;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** libpcap's initial cap on a block it must hold in memory; raised for link types with larger packets. */
const DEFAULT_MAX_BLOCK = 16 * 1024 * 1024;
const DECODER = new TextDecoder('utf-8', { fatal: false });

/** Per-interface state the hot path needs. */
interface Iface {
  readonly id: number;
  readonly linkType: number;
  readonly snap: number;
  readonly ticks: TickSplitter;
  readonly tsOffset: number;
}

/**
 * Reads a pcapng file block by block. Packets come from Enhanced, Simple and (obsolete) Packet Blocks; Interface
 * Description Blocks define interfaces (link type, snaplen, if_tsresol, if_tsoffset, if_fcslen, name); a new
 * Section Header Block starts a section with its own interfaces and byte order. Every other block (name
 * resolution, interface statistics, decryption secrets, custom, unknown) is skipped without being held in memory,
 * after checking that its trailer repeats its length.
 *
 * Checks follow libpcap where it has them (block lengths, trailers, option lengths, versions 1.0 and 1.2, a
 * captured length within the snaplen), so files tcpdump rejects are rejected here. Unlike libpcap, interfaces may
 * differ in link type and snaplen, and sections may differ in byte order: each packet carries its own link type.
 */
export class PcapngReader {
  format?: CaptureFormat;
  private le = true;
  private section = -1;
  private ifaces: Iface[] = [];
  private maxBlock = DEFAULT_MAX_BLOCK;
  /** Streaming skip of a large uninteresting block: bytes still to discard before its trailer. */
  private skipLeft = 0;
  /** Total length and offset of the block being skipped; 0 when not skipping. */
  private skipTotal = 0;
  private skipOffset = 0;

  constructor(private readonly ctx: ReaderContext) {}

  /** The next packet, or null when more input is needed (or the input is finished). */
  next(): CapturedPacket | null {
    const ctx = this.ctx;
    const q = ctx.queue;
    for (;;) {
      if (this.skipTotal !== 0 && !this.continueSkip()) return null;
      if (q.head.length - q.pos < 8 && !q.ensure(8)) return needMore(ctx, 8, 'block header');
      let v = q.view;
      let p = q.pos;
      const type = v.getUint32(p, this.le);
      if (type === BT_SHB) {
        // The type reads the same in both byte orders; the byte-order magic after the length decides.
        if (!q.ensure(12)) return needMore(ctx, 12, 'section header block');
        v = q.view;
        p = q.pos;
        const magic = v.getUint32(p + 8, true);
        if (magic === BYTE_ORDER_MAGIC) this.le = true;
        else if (magic === 0x4d3c2b1a) this.le = false;
        else throw fail(ctx, 'corrupt block', q.offset + 8, `section header has byte-order magic ${hex32(magic)}`);
      }
      const le = this.le;
      const total = v.getUint32(p + 4, le);
      if (total < 12 || total % 4 !== 0) {
        throw fail(
          ctx,
          'corrupt block',
          q.offset,
          `block of type ${type} has length ${total}` +
            (total < 12 ? ', less than the 12-byte minimum' : ', not a multiple of 4'),
        );
      }
      if (type !== BT_EPB && type !== BT_IDB && type !== BT_SHB && type !== BT_SPB && type !== BT_PB) {
        this.skipBlock(total);
        continue;
      }
      if (total > this.maxBlock) {
        throw fail(
          ctx,
          'corrupt block',
          q.offset,
          `block of type ${type} has length ${total}, above the maximum ${this.maxBlock}`,
        );
      }
      if (q.head.length - p < total) {
        if (!q.ensure(total)) return needMore(ctx, total, `block of type ${type}`);
        v = q.view;
        p = q.pos;
      }
      const trailer = v.getUint32(p + total - 4, le);
      if (trailer !== total) {
        throw fail(
          ctx,
          'corrupt block',
          q.offset,
          `block length ${total} in the header differs from ${trailer} in the trailer`,
        );
      }
      if (type === BT_EPB) return this.packet(v, p, total, v.getUint32(p + 8, le), 12, 28);
      if (type === BT_PB) return this.packet(v, p, total, v.getUint16(p + 8, le), 12, 28);
      if (type === BT_SPB) return this.simplePacket(v, p, total);
      if (type === BT_IDB) this.interfaceDescription(v, p, total);
      else this.sectionHeader(v, p, total);
      q.consume(total);
    }
  }

  /** Enhanced (and obsolete Packet) Block: interface, 64-bit timestamp at `tsAt`, caplen, len, data at `dataAt`. */
  private packet(v: DataView, p: number, total: number, ifId: number, tsAt: number, dataAt: number): CapturedPacket {
    const ctx = this.ctx;
    const q = ctx.queue;
    const le = this.le;
    const room = total - 4 - dataAt;
    if (room < 0) throw fail(ctx, 'corrupt block', q.offset, `packet block of ${total} bytes is too short`);
    const iface = this.ifaces[ifId];
    if (iface === undefined) {
      throw fail(
        ctx,
        'corrupt block',
        q.offset,
        `packet on interface ${ifId}, but the section describes ${this.ifaces.length}`,
      );
    }
    const caplen = v.getUint32(p + tsAt + 8, le);
    if (caplen > room) {
      throw fail(ctx, 'corrupt block', q.offset, `captured length ${caplen} exceeds the ${room} bytes in the block`);
    }
    if (caplen > iface.snap) {
      throw fail(
        ctx,
        'corrupt block',
        q.offset,
        `captured length ${caplen} exceeds the snaplen ${iface.snap} of interface ${ifId}`,
      );
    }
    const ticks = iface.ticks;
    ticks.split(v.getUint32(p + tsAt, le), v.getUint32(p + tsAt + 4, le));
    const offset = q.offset;
    const data = q.head.subarray(p + dataAt, p + dataAt + caplen);
    const originalLength = v.getUint32(p + tsAt + 12, le);
    q.consume(total);
    return {
      index: ctx.packetIndex++,
      offset,
      interfaceId: iface.id,
      linkType: iface.linkType,
      seconds: ticks.seconds + iface.tsOffset,
      nanos: ticks.nanos,
      capturedLength: caplen,
      originalLength,
      data,
    };
  }

  /** Simple Packet Block: only the original length; interface 0, no timestamp, caplen = min(len, snaplen). */
  private simplePacket(v: DataView, p: number, total: number): CapturedPacket {
    const ctx = this.ctx;
    const q = ctx.queue;
    const room = total - 16;
    if (room < 0) throw fail(ctx, 'corrupt block', q.offset, `simple packet block of ${total} bytes is too short`);
    const iface = this.ifaces[0];
    if (iface === undefined) throw fail(ctx, 'corrupt block', q.offset, 'simple packet block before any interface');
    const originalLength = v.getUint32(p + 8, this.le);
    const caplen = Math.min(originalLength, iface.snap);
    if (caplen > room) {
      throw fail(
        ctx,
        'corrupt block',
        q.offset,
        `packet of ${caplen} bytes does not fit the ${room} bytes in the block`,
      );
    }
    const offset = q.offset;
    const data = q.head.subarray(p + 12, p + 12 + caplen);
    q.consume(total);
    return {
      index: ctx.packetIndex++,
      offset,
      interfaceId: iface.id,
      linkType: iface.linkType,
      seconds: 0,
      nanos: 0,
      capturedLength: caplen,
      originalLength,
      data,
    };
  }

  private sectionHeader(v: DataView, p: number, total: number): void {
    const ctx = this.ctx;
    const offset = ctx.queue.offset;
    if (total < 28) throw fail(ctx, 'corrupt block', offset, `section header block of ${total} bytes is too short`);
    const major = v.getUint16(p + 12, this.le);
    const minor = v.getUint16(p + 14, this.le);
    if (!(major === 1 && (minor === 0 || minor === 2))) {
      throw fail(ctx, 'unsupported file', offset, `unsupported pcapng savefile version ${major}.${minor}`);
    }
    this.forEachOption(v, p + 24, p + total - 4, 'section header', () => {});
    this.section++;
    this.ifaces = [];
    this.format ??= { format: 'pcapng', versionMajor: major, versionMinor: minor, littleEndian: this.le };
  }

  private interfaceDescription(v: DataView, p: number, total: number): void {
    const ctx = this.ctx;
    const le = this.le;
    const offset = ctx.queue.offset;
    if (total < 20)
      throw fail(ctx, 'corrupt block', offset, `interface description block of ${total} bytes is too short`);
    const linkType = v.getUint16(p + 8, le);
    const snaplen = v.getUint32(p + 12, le);
    let tsresol: number | undefined;
    let tsOffset: number | undefined;
    let fcsLength: number | undefined;
    let name: string | undefined;
    let description: string | undefined;
    this.forEachOption(v, p + 16, p + total - 4, 'interface description', (code, at, len) => {
      const where = ctx.queue.offset + (at - p) - 4;
      const single = (what: string, want: number, seen: unknown): void => {
        if (len !== want) throw fail(ctx, 'corrupt block', where, `${what} option has length ${len}, not ${want}`);
        if (seen !== undefined) throw fail(ctx, 'corrupt block', where, `interface has more than one ${what} option`);
      };
      switch (code) {
        case 2:
          name = DECODER.decode(ctx.queue.head.subarray(at, at + len));
          break;
        case 3:
          description = DECODER.decode(ctx.queue.head.subarray(at, at + len));
          break;
        case 9: {
          single('if_tsresol', 1, tsresol);
          tsresol = v.getUint8(at);
          const res = decodeTsresol(tsresol);
          if (res.exponent > (res.binary ? 63 : 19)) {
            throw fail(ctx, 'corrupt block', where, `if_tsresol ${res.binary ? 2 : 10}^-${res.exponent} is too fine`);
          }
          break;
        }
        case 13:
          single('if_fcslen', 1, fcsLength);
          fcsLength = v.getUint8(at);
          break;
        case 14:
          single('if_tsoffset', 8, tsOffset);
          tsOffset = le
            ? v.getInt32(at + 4, true) * 4294967296 + v.getUint32(at, true)
            : v.getInt32(at, false) * 4294967296 + v.getUint32(at + 4, false);
          break;
      }
    });
    const max = maxSnaplen(linkType);
    const ticks = new TickSplitter(decodeTsresol(tsresol ?? 6));
    const id = ctx.interfaces.length;
    const snap = snaplen === 0 || snaplen > max ? max : snaplen;
    const info: CaptureInterface = {
      id,
      section: this.section,
      linkType,
      snaplen,
      effectiveSnaplen: snap,
      ...(fcsLength !== undefined ? { fcsLength } : {}),
      ticksPerSecond: ticks.ticksPerSecond,
      tsOffset: tsOffset ?? 0,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      littleEndian: le,
    };
    ctx.interfaces.push(info);
    this.ifaces.push({ id, linkType, snap, ticks, tsOffset: tsOffset ?? 0 });
    this.maxBlock = Math.max(this.maxBlock, max + 131072 + 32);
  }

  /**
   * Walks the options between `start` and `end` (head indices), calling `visit(code, valueAt, length)`, until
   * opt_endofopt or the end. An option whose padded value runs past `end` is corrupt, as in libpcap.
   */
  private forEachOption(
    v: DataView,
    start: number,
    end: number,
    block: string,
    visit: (code: number, at: number, len: number) => void,
  ): void {
    const q = this.ctx.queue;
    let at = start;
    while (at < end) {
      const where = q.offset + (at - q.pos);
      if (end - at < 4)
        throw fail(this.ctx, 'corrupt block', where, `${block} block has ${end - at} stray bytes after its options`);
      const code = v.getUint16(at, this.le);
      const len = v.getUint16(at + 2, this.le);
      if (code === 0) return;
      const padded = (len + 3) & ~3;
      if (padded > end - at - 4) {
        throw fail(
          this.ctx,
          'corrupt block',
          where,
          `${block} option ${code} of length ${len} runs past the end of the block`,
        );
      }
      visit(code, at + 4, len);
      at += 4 + padded;
    }
  }

  /** Skips a block this reader does not interpret; large ones are discarded as they arrive, never buffered. */
  private skipBlock(total: number): void {
    const q = this.ctx.queue;
    const offset = q.offset;
    if (q.head.length - q.pos >= total) {
      const trailer = q.view.getUint32(q.pos + total - 4, this.le);
      if (trailer !== total) {
        throw fail(
          this.ctx,
          'corrupt block',
          offset,
          `block length ${total} in the header differs from ${trailer} in the trailer`,
        );
      }
      q.consume(total);
      return;
    }
    q.consume(8);
    this.skipTotal = total;
    this.skipOffset = offset;
    this.skipLeft = total - 12;
  }

  /** Continues a streaming skip; false when more input is needed. */
  private continueSkip(): boolean {
    const ctx = this.ctx;
    const q = ctx.queue;
    this.skipLeft -= q.discard(this.skipLeft);
    if (this.skipLeft > 0 || !q.ensure(4)) {
      if (!ctx.ended) return false;
      throw fail(
        ctx,
        'truncated file',
        this.skipOffset,
        `block of ${this.skipTotal} bytes is cut short by the end of the input`,
      );
    }
    const trailer = q.view.getUint32(q.pos, this.le);
    if (trailer !== this.skipTotal) {
      throw fail(
        ctx,
        'corrupt block',
        this.skipOffset,
        `block length ${this.skipTotal} in the header differs from ${trailer} in the trailer`,
      );
    }
    q.consume(4);
    this.skipTotal = 0;
    return true;
  }
}
