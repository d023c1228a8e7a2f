/**
 * The loop under `tsbpf filter EXPR FILE`: stream a capture, compile the expression for each interface's link
 * type as tcpdump -r would, run it on every packet and hand the matches to the caller.
 *
 * Compilation follows what tcpdump does for a savefile: the DLT is the file's link type, the snapshot length is
 * the file's (libpcap's adjusted value), the netmask is 0 (tcpdump passes 0 when reading a file, so
 * `ip broadcast` compiles), and the capture's byte order relative to this host is passed on (it changes the code
 * for DLT_NULL). A pcapng file may declare several interfaces; each gets the program for its own link type (where
 * libpcap would refuse the file), sharing programs between equal link types.
 *
 * The per-packet path does no allocation of its own: one comparison picks the cached matcher for the packet's
 * interface, the matcher runs, and only matches reach the callback.
 */
import { compileFilter } from '../cbpf/compile.js';
import type { CbpfInsn } from '../cbpf/insn.js';
import { linkTypeToDlt } from '../pcap/linktype.js';
import type { CapturedPacket, CaptureInterface } from '../pcap/packet.js';
import { CaptureParser } from '../pcap/parser.js';
import type { PacketMatcher } from './filter-matcher.js';

/** The host's byte order, to tell a savefile's order apart (libpcap's "swapped" files). */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** DLT_EN10MB: what an expression is checked against when a capture holds no interface at all. */
const DEFAULT_DLT = 1;

export interface ScanOptions {
  /** The pcap-filter(7) expression. */
  expression: string;
  /** Run libpcap's optimizer (tcpdump's default; `-O` turns it off). */
  optimize: boolean;
  /** Builds the runnable form of a compiled program (the chosen backend). */
  makeMatcher: (prog: readonly CbpfInsn[]) => PacketMatcher;
  /** Called for each matching packet, synchronously, before the next packet is read. */
  onMatch: (packet: CapturedPacket, iface: CaptureInterface) => void;
  /** Called after each input chunk has been filtered, with the number of input bytes consumed so far. */
  afterChunk?: (bytesRead: number) => void | Promise<void>;
  /** The parser to use (a caller that reuses its chunk buffers watches its queue); one is made if absent. */
  parser?: CaptureParser;
  /** Name for error messages (the file path), when no parser is given. */
  source?: string;
}

export interface ScanResult {
  /** Packets read. */
  packets: number;
  /** Packets the filter accepted. */
  matched: number;
  /** The parser, for format and interface facts after the scan. */
  parser: CaptureParser;
}

/** Compiles the expression for one capture interface as tcpdump -r would. */
export function compileForInterface(expression: string, iface: CaptureInterface, optimize: boolean): CbpfInsn[] {
  return compileFilter(expression, {
    linkType: linkTypeToDlt(iface.linkType),
    snaplen: iface.effectiveSnaplen,
    netmask: 0,
    optimize,
    source: iface.littleEndian === HOST_LITTLE_ENDIAN ? 'unswapped' : 'swapped',
  });
}

/** Filters every packet of `chunks`. Expression errors surface as soon as the first interface is known. */
export async function scanCapture(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ScanOptions,
): Promise<ScanResult> {
  const parser = options.parser ?? new CaptureParser(options.source === undefined ? {} : { source: options.source });
  const byInterface: PacketMatcher[] = [];
  const byKey = new Map<string, PacketMatcher>();
  const matcherFor = (id: number): PacketMatcher => {
    const existing = byInterface[id];
    if (existing) return existing;
    const iface = parser.interfaces[id]!;
    const key = `${iface.linkType}/${iface.effectiveSnaplen}/${iface.littleEndian}`;
    let m = byKey.get(key);
    if (!m) {
      m = options.makeMatcher(compileForInterface(options.expression, iface, options.optimize));
      byKey.set(key, m);
    }
    byInterface[id] = m;
    return m;
  };

  let matched = 0;
  let bytesRead = 0;
  let lastId = -1;
  let match: PacketMatcher = () => 0;
  const onMatch = options.onMatch;
  const drain = (): void => {
    for (let p = parser.next(); p !== null; p = parser.next()) {
      if (p.interfaceId !== lastId) {
        match = matcherFor(p.interfaceId);
        lastId = p.interfaceId;
      }
      if (match(p.data, p.originalLength) !== 0) {
        matched++;
        onMatch(p, parser.interfaces[p.interfaceId]!);
      }
    }
    // Check the expression as soon as the file says what it holds, even before its first packet.
    if (byInterface.length === 0 && parser.interfaces.length > 0) matcherFor(0);
  };
  for await (const chunk of chunks) {
    parser.push(chunk);
    drain();
    bytesRead += chunk.length;
    if (options.afterChunk) await options.afterChunk(bytesRead);
  }
  parser.end();
  drain();
  if (byInterface.length === 0 && parser.interfaces.length === 0) {
    // No interface (an empty pcapng section): still reject a bad expression as tcpdump would.
    compileFilter(options.expression, { linkType: DEFAULT_DLT, netmask: 0, optimize: options.optimize });
  }
  return { packets: parser.packetCount, matched, parser };
}
