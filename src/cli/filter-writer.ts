/**
 * `tsbpf filter ... -w OUT`: the matching packets as a classic pcap file, as `tcpdump -r IN -w OUT EXPR` writes
 * them: the input's link type, snapshot length and timestamp precision, packets unchanged (captured bytes, wire
 * length, timestamp).
 *
 * The pcap header needs the link type, which is known only once the input's first interface has been read, so
 * the writer is created with the first match (or at the end, for an empty result). Output chunks are queued by
 * the synchronous filter loop and written between input chunks, so memory stays bounded by one input chunk's
 * matches.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { linkTypeName } from '../pcap/linktype.js';
import type { CapturedPacket, CaptureInterface } from '../pcap/packet.js';
import { PcapWriter } from '../pcap/pcap-writer.js';

export class MatchWriter {
  private writer?: PcapWriter;
  private linkType = -1;
  private readonly pending: Uint8Array[] = [];
  written = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  static async create(path: string): Promise<MatchWriter> {
    return new MatchWriter(await open(path, 'w'), path);
  }

  /** Queues one packet (synchronous: called from the filter loop). */
  write(p: CapturedPacket, iface: CaptureInterface): void {
    if (!this.writer) this.start(iface);
    if (iface.linkType !== this.linkType) {
      throw new InputError(
        `${this.path}: packet ${p.index + 1} has link type ${linkTypeName(iface.linkType)} but the pcap file being ` +
          `written holds ${linkTypeName(this.linkType)} (a pcap file has one link type)`,
      );
    }
    this.writer!.write(p);
    this.written++;
  }

  /** Writes the queued output to the file. */
  async drain(): Promise<void> {
    for (const chunk of this.pending.splice(0)) await this.handle.write(chunk);
  }

  /** Finishes the file; `first` describes the input when nothing matched (the header still needs a link type). */
  async close(first: CaptureInterface | undefined): Promise<void> {
    try {
      if (!this.writer) this.start(first);
      this.writer!.flush();
      await this.drain();
    } finally {
      await this.handle.close();
    }
  }

  /** Closes the file without finishing it (after an error). */
  async abort(): Promise<void> {
    await this.handle.close();
  }

  private start(iface: CaptureInterface | undefined): void {
    const fcs = iface?.fcsLength;
    this.linkType = iface?.linkType ?? 1;
    this.writer = new PcapWriter(
      {
        linkType: this.linkType,
        ...(iface ? { snaplen: iface.effectiveSnaplen } : {}),
        precision: iface && iface.ticksPerSecond > 1e6 ? 'ns' : 'us',
        ...(fcs !== undefined && fcs > 0 && fcs <= 30 && fcs % 2 === 0 ? { fcsLength: fcs } : {}),
      },
      (chunk) => this.pending.push(chunk),
    );
  }
}
