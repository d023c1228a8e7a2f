/**
 * What the capture reader hands out. One `CapturedPacket` per packet, its bytes a view into the input chunk
 * (no copy) unless the packet straddled two chunks, in which case it is a fresh array holding just that record.
 */

/**
 * One packet. Timestamps are two numbers rather than a bigint so the hot path allocates nothing but this record:
 * `seconds` since the Unix epoch (UTC, after pcapng's if_tsoffset) and `nanos` in the second. pcapng fractions are
 * always normalised to 0..999999999; classic pcap fields are passed through as stored (a µs file's fraction times
 * 1000), so a corrupt fraction of 1000000 µs shows up as 1000000000 ns, as tcpdump shows it, rather than being
 * silently carried into the seconds. `packetTimeNs` gives one bigint when that is handier.
 */
export interface CapturedPacket {
  /** 0-based position of the packet in the input (blocks that are not packets do not count). */
  readonly index: number;
  /** Byte offset of the packet's record or block in the input. */
  readonly offset: number;
  /** Index into the reader's `interfaces` (always 0 for classic pcap; pcapng numbers interfaces across sections). */
  readonly interfaceId: number;
  /** LINKTYPE_ value of the packet's interface (see linktype.ts). */
  readonly linkType: number;
  readonly seconds: number;
  readonly nanos: number;
  /** Bytes captured, `data.length`: at most the interface snaplen. */
  readonly capturedLength: number;
  /** Length of the packet on the wire; larger than `capturedLength` when the capture truncated it. */
  readonly originalLength: number;
  readonly data: Uint8Array;
}

/** A capture interface: the file header of a classic pcap file, or one pcapng Interface Description Block. */
export interface CaptureInterface {
  /** Index in the reader's `interfaces`. */
  readonly id: number;
  /** pcapng section (0 for classic pcap and for the first pcapng section). */
  readonly section: number;
  /** LINKTYPE_ value. */
  readonly linkType: number;
  /**
   * Snapshot length as stored; 0 means "no limit". `effectiveSnaplen` is what the reader enforces: the stored value,
   * or the link type's maximum when the stored one is 0 or larger than that (as libpcap does).
   */
  readonly snaplen: number;
  readonly effectiveSnaplen: number;
  /** Bytes of frame check sequence at the end of each packet, when the file says (pcap FCS bits, pcapng if_fcslen). */
  readonly fcsLength?: number;
  /** Timestamp units per second (1e6 for µs, 1e9 for ns, 2^n for binary pcapng resolutions). */
  readonly ticksPerSecond: number;
  /** pcapng if_tsoffset: seconds added to every timestamp. */
  readonly tsOffset: number;
  /** pcapng if_name, if present. */
  readonly name?: string;
  /** pcapng if_description, if present. */
  readonly description?: string;
  readonly littleEndian: boolean;
}

/** Facts about the input as a whole, known once its first header has been read. */
export interface CaptureFormat {
  readonly format: 'pcap' | 'pcapng';
  /** pcap: file version (2.4); pcapng: the first section's version (1.0). */
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** Byte order of the (first) header. */
  readonly littleEndian: boolean;
  /** Classic pcap only: 'us' for magic 0xa1b2c3d4 (and 0xa1b2cd34), 'ns' for 0xa1b23c4d. */
  readonly precision?: 'us' | 'ns';
  /** Classic pcap only: the raw 32-bit link-type field, including FCS and reserved bits. */
  readonly linkTypeField?: number;
}

/** The packet's timestamp in nanoseconds since the epoch. */
export function packetTimeNs(p: Pick<CapturedPacket, 'seconds' | 'nanos'>): bigint {
  return BigInt(p.seconds) * 1_000_000_000n + BigInt(p.nanos);
}
