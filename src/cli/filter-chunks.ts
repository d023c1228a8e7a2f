/**
 * File chunks for the filter loop, read into two buffers used in turn instead of a fresh buffer per read (what
 * pcap/node-file.ts's fileChunks does, so that packets stay valid indefinitely). The filter loop consumes every
 * packet of a chunk synchronously before asking for the next one, so a chunk's buffer can be refilled once the
 * capture parser no longer holds any of its bytes.
 *
 * That is the case when the bytes the parser has not consumed yet (`retained()`: a record cut at the end of the
 * last chunk) all lie in the last chunk, i.e. are no more than its length; the parser copies a record that spans
 * chunks into a fresh array when the next chunk arrives. When a record spans more than a whole chunk (pcapng
 * blocks larger than the chunk size), the buffer about to be refilled may still be referenced, and a fresh one is
 * allocated instead.
 */
import { open } from 'node:fs/promises';

/** 1 MiB, as pcap/node-file.ts measured: few records straddle two chunks, and the buffer stays in cache. */
export const FILTER_CHUNK_SIZE = 1 << 20;

/**
 * Yields the file's bytes in chunks. `retained` reports how many input bytes the consumer still holds unconsumed
 * when it asks for the next chunk. A yielded chunk is valid until the second chunk after it is requested.
 */
export async function* reusedFileChunks(
  path: string,
  retained: () => number,
  chunkSize = FILTER_CHUNK_SIZE,
): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const pool: Uint8Array[] = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
    let turn = 0;
    let lastLength = 0;
    for (;;) {
      if (retained() > lastLength) pool[turn] = new Uint8Array(chunkSize);
      const buf = pool[turn]!;
      const { bytesRead } = await handle.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) return;
      lastLength = bytesRead;
      turn ^= 1;
      yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
