/**
 * `npm run bench`: every figure measured in this run on the same inputs, results checked against independent
 * JavaScript computations before timing.
 */
import { decodeProgram } from '../src/isa/decode.js';
import { HelperTable } from '../src/vm/helper.js';
import { MemoryRunner } from '../src/vm/run-memory.js';
import { benchBtf, formatBtfBenchTable } from './btf.js';
import { main as kernelMapBench } from './kernel-map.js';
import { main as kernelRingbufBench } from './kernel-ringbuf.js';
import { main as pcapBench } from './pcap.js';
import { benchObjects } from './object.js';
import { benchPrograms } from './programs.js';
import { main as vmMapsBench } from './vm-maps.js';
import { printTable, timeNs } from './table.js';

function benchInterpreter(): void {
  const rows: (string | number)[][] = [];
  for (const p of benchPrograms()) {
    const insns = decodeProgram(p.bytes);
    const runner = new MemoryRunner(insns, new HelperTable(), p.input.length);
    const first = runner.run(p.input.slice());
    if (first.r0 !== p.expected) {
      throw new Error(
        `${p.name}: interpreter returned 0x${first.r0.toString(16)}, expected 0x${p.expected.toString(16)}`,
      );
    }
    const input = p.input;
    const ns = timeNs(() => runner.run(input));
    rows.push([p.name, p.what, first.insnsExecuted, ns, ns / first.insnsExecuted]);
  }
  printTable(
    'Interpreter (ns per run, including copying the 1500-byte input in)',
    ['program', 'what', 'insns/run', 'ns/run', 'ns/insn'],
    rows,
  );
}

async function main(): Promise<void> {
  const { loadavg, cpus } = await import('node:os');
  console.log(
    `tsbpf bench — node ${process.version}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}`,
  );
  benchInterpreter();
  vmMapsBench();
  benchObjects();

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
