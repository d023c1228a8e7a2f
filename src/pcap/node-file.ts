/**
 * Node.js file adapter for the capture reader and writers: the only file in src/pcap that touches node:fs.
 *
 * Reading uses fs.read into fresh 1 MiB buffers. Measured on a 200 MB capture (bench/pcap.ts), this and
 * fs.createReadStream with a 1 MiB highWaterMark are equal within noise (1-2 GB/s); the stream's default 64 KiB
 * chunks are about twice as slow, since more records straddle chunks (each straddler is copied) and each chunk
 * costs a trip through the stream machinery.
 * Buffers are never reused, so packets handed out stay valid after the next read.
 */
import { open } from 'node:fs/promises';
import type { CapturedPacket } from './packet.js';
import type { CaptureParserOptions } from './parser.js';
import { type PacketToWrite, PcapWriter, type PcapWriterOptions } from './pcap-writer.js';
import { PcapngWriter, type PcapngWriterOptions } from './pcapng-writer.js';
import { CaptureReader } from './reader.js';

const READ_SIZE = 1 << 20;

/** The file's bytes as a sequence of chunks, read sequentially with one open file handle. */
export async function* fileChunks(path: string, chunkSize = READ_SIZE): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const buf = new Uint8Array(chunkSize);
      const { bytesRead } = await handle.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** A streaming reader over a pcap or pcapng file; errors name the path. */
export function openCapture(path: string, options: CaptureParserOptions = {}): CaptureReader {
  return new CaptureReader(fileChunks(path), { source: path, ...options });
}

/** Reads a whole (small) capture file into memory. */
export async function readCaptureFile(path: string): Promise<{ packets: CapturedPacket[]; reader: CaptureReader }> {
  const reader = openCapture(path);
  const packets: CapturedPacket[] = [];
  await reader.forEach((p) => {
    packets.push(p);
  });
  return { packets, reader };
}

/**
 * Writes packets to a file as classic pcap (`format: 'pcap'`, options as for PcapWriter) or pcapng; resolves to
 * the number of packets. The packets may come from an async source (such as a reader), so a filter can stream a
 * large file to another without holding it.
 */
export async function writeCaptureFile(
  path: string,
  packets: Iterable<PacketToWrite> | AsyncIterable<PacketToWrite>,
  options: ({ format?: 'pcap' } & PcapWriterOptions) | ({ format: 'pcapng' } & PcapngWriterOptions),
): Promise<number> {
  const handle = await open(path, 'w');
  try {
    const pending: Uint8Array[] = [];
    const sink = (chunk: Uint8Array) => pending.push(chunk);
    const writer = options.format === 'pcapng' ? new PcapngWriter(options, sink) : new PcapWriter(options, sink);
    const drain = async () => {
      for (const chunk of pending.splice(0)) await handle.write(chunk);
    };
    let count = 0;
    for await (const p of packets) {
      writer.write(p);
      count++;
      if (pending.length > 0) await drain();
    }
    writer.flush();
    await drain();
    return count;
  } finally {
    await handle.close();
  }
}
