// Capture reader throughput: generates a ~200 MB mixed capture (pcap and pcapng) in /tmp, then reads it with
// the streaming reader (fs.read chunks vs fs.createReadStream, forEach vs for-await) and with tcpdump for
// reference. Run: npx tsc -p . && node dist/bench/pcap.js [sizeMB]
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { fileChunks, writeCaptureFile } from '../src/pcap/node-file.js';
import type { PacketToWrite } from '../src/pcap/pcap-writer.js';
import { CaptureReader } from '../src/pcap/reader.js';

const sizeMb = Number(process.argv[2] ?? 200);

/** Deterministic mix of Ethernet/IPv4 TCP and UDP frames from 60 to 1514 bytes (roughly a web trace's shape). */
function* mixedPackets(totalBytes: number): Generator<PacketToWrite> {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const sizes = [60, 66, 74, 128, 342, 590, 1024, 1514, 1514, 1514];
  let written = 0;
  let t = 1_700_000_000_000_000; // µs
  while (written < totalBytes) {
    const len = sizes[rand() % sizes.length]!;
    const data = new Uint8Array(len);
    data.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45, 0, (len - 14) >> 8, (len - 14) & 255]);
    data[23] = rand() % 2 ? 6 : 17;
    for (let i = 26; i < 34; i++) data[i] = rand() & 255;
    t += rand() % 2000;
    written += len + 16;
    yield { seconds: Math.floor(t / 1e6), nanos: (t % 1e6) * 1000, data };
  }
}

async function ensureFile(path: string, format: 'pcap' | 'pcapng'): Promise<void> {
  if (existsSync(path) && statSync(path).size >= sizeMb * 1e6 * 0.95) return;
  const options =
    format === 'pcap' ? { format, linkType: 1 } : { format, interfaces: [{ linkType: 1, precision: 'ns' as const }] };
  await writeCaptureFile(path, mixedPackets(sizeMb * 1e6), options);
}

async function time(label: string, bytes: number, run: () => Promise<number>): Promise<void> {
  const t0 = performance.now();
  const packets = await run();
  const s = (performance.now() - t0) / 1000;
  const mb = bytes / 1e6;
  console.log(
    `${label.padEnd(44)} ${packets.toString().padStart(9)} pkts ${(mb / s).toFixed(0).padStart(6)} MB/s ${(packets / s / 1e6).toFixed(2).padStart(6)} Mpkt/s ${s.toFixed(2)} s`,
  );
}

/** Reads generated pcap and pcapng captures several ways and prints MB/s beside tcpdump's. */
export async function main(): Promise<void> {
  for (const format of ['pcap', 'pcapng'] as const) {
    const path = `/tmp/tsbpf-bench-${sizeMb}MB.${format}`;
    await ensureFile(path, format);
    const bytes = statSync(path).size;
    console.log(`\n${path} (${(bytes / 1e6).toFixed(0)} MB)`);
    let sink = 0;
    // Warm-up: JIT and page cache, so the first row is not penalised.
    await new CaptureReader(fileChunks(path)).forEach((p) => {
      sink += p.data.length;
    });
    await time('forEach, fs.read 1 MiB chunks', bytes, () =>
      new CaptureReader(fileChunks(path)).forEach((p) => {
        sink += p.data[0]!;
      }),
    );
    await time('forEach, fs.createReadStream (64 KiB)', bytes, () =>
      new CaptureReader(createReadStream(path) as AsyncIterable<Uint8Array>).forEach((p) => {
        sink += p.data[0]!;
      }),
    );
    await time('forEach, fs.createReadStream (1 MiB)', bytes, () =>
      new CaptureReader(createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>).forEach(
        (p) => {
          sink += p.data[0]!;
        },
      ),
    );
    await time('for await, fs.read 1 MiB chunks', bytes, async () => {
      let n = 0;
      for await (const p of new CaptureReader(fileChunks(path))) {
        sink += p.data[0]!;
        n++;
      }
      return n;
    });
    await time('tcpdump -r FILE -w /dev/null (reference)', bytes, async () => {
      const r = spawnSync('tcpdump', ['-r', path, '-w', '/dev/null'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      return Number(
        /(\d+) packets?/.exec(spawnSync('tcpdump', ['--count', '-r', path], { encoding: 'utf8' }).stdout)?.[1] ?? 0,
      );
    });
    if (sink === -1) console.log(sink);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
