export type { ChunkSink } from './chunk-writer.js';
export * from './errors.js';
export * from './linktype.js';
export * from './packet.js';
export { CaptureParser, type CaptureParserOptions } from './parser.js';
export { type PacketToWrite, PcapWriter, type PcapWriterOptions } from './pcap-writer.js';
export { type PcapngInterfaceOptions, PcapngWriter, type PcapngWriterOptions } from './pcapng-writer.js';
export { CaptureReader, type ChunkSource, capturePackets } from './reader.js';
export { ip6 as formatIpv6, type SummaryInput, summarizePacket } from './summary.js';
