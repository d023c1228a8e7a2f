/**
 * Ring-buffer records consumed per second by the kernel backend's reader (mmap'ed ring, no syscall per record):
 * a tracepoint program on getppid() writes one 16-byte record per call of this process; we fill the ring with a
 * batch, then time draining it, and check every sequence number arrived in order. Needs root; prints why not.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCollection } from '../src/kernel/load-collection.js';
import { loadObjectSpec } from '../src/object/load.js';
import { setVariable } from '../src/object/variables.js';
import { printTable } from './table.js';

const FIXTURE = 'test/fixtures/kernel/getppid_events.bpf.o';
const BATCH = 8000;
const ROUNDS = 5;

export function main(): void {
  let collection: ReturnType<typeof loadCollection>;
  try {
    const spec = loadObjectSpec(new Uint8Array(readFileSync(FIXTURE)), { name: FIXTURE });
    setVariable(spec, 'target_pid', process.pid);
    collection = loadCollection(spec);
  } catch (error) {
    console.log(`\nRing buffer: skipped (${(error as Error).message})`);
    return;
  }
  try {
    collection.program('on_getppid').attach();
    const ring = collection.ringBuffer('ring_events');
    const rows: (string | number)[][] = [];
    let expected = 0;
    let _ppidSink = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const produceStart = process.hrtime.bigint();
      // each read of process.ppid is a getppid() syscall, the event the program is attached to
      for (let i = 0; i < BATCH; i++) _ppidSink ^= process.ppid;
      const produceNs = Number(process.hrtime.bigint() - produceStart);
      let received = 0;
      const start = process.hrtime.bigint();
      ring.poll((record) => {
        const seq = Number(new DataView(record.buffer, record.byteOffset).getBigUint64(0, true));
        if (seq !== expected) throw new Error(`record ${seq} arrived, expected ${expected}`);
        expected++;
        received++;
      });
      const ns = Number(process.hrtime.bigint() - start);
      if (received !== BATCH) throw new Error(`round ${round}: ${received} of ${BATCH} records`);
      rows.push([`round ${round + 1}`, received, ns / received, (received / ns) * 1e9, (BATCH / produceNs) * 1e9]);
    }
    printTable(
      'Ring buffer reader (16-byte records from a getppid tracepoint)',
      ['round', 'records', 'ns/record', 'records/s consumed', 'syscalls+records/s produced'],
      rows,
    );
  } finally {
    collection.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
