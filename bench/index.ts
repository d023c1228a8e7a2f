/**
 * `npm run bench`: every figure measured in this run on the same inputs, results checked against independent
 * JavaScript computations before timing.
 */
import { benchBackends, printBackendsTable, printSyntheticCompile } from './backends.js';
import { benchBtf, formatBtfBenchTable } from './btf.js';
import { main as kernelMapBench } from './kernel-map.js';
import { main as kernelRingbufBench } from './kernel-ringbuf.js';
import { main as pcapBench } from './pcap.js';
import { benchObjects } from './object.js';
import { benchVerifier } from './verifier.js';
import { main as vmMapsBench } from './vm-maps.js';

async function main(): Promise<void> {
  const { loadavg, cpus } = await import('node:os');
  console.log(
    `tsbpf bench — node ${process.version}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}`,
  );
  printBackendsTable(await benchBackends());
  printSyntheticCompile();
  vmMapsBench();
  benchObjects();
  // Kernel times are measured live as root, else taken from the recorded verifier corpus.
  await benchVerifier();

  const btf = benchBtf();
  console.log(`\n${btf ? formatBtfBenchTable(btf) : 'BTF parse: /sys/kernel/btf/vmlinux is missing, skipped'}`);

  console.log('');
  if (process.getuid?.() === 0) {
    kernelMapBench();
    await kernelRingbufBench();
  } else console.log('kernel map lookups and ring buffer: skipped (needs root for bpf())');

  if (process.env.TSBPF_BENCH_PCAP) await pcapBench();
  else console.log('\npcap reading: set TSBPF_BENCH_PCAP=1 to generate 200 MB captures in /tmp and time the reader');
}

await main();
