/**
 * Userspace runtime throughput: hash-map lookup+update pairs per second from inside a program, and ring-buffer
 * events per second from a program to a JS reader. Results are checked (map contents, record count) before timing.
 */
import { assemble } from '../src/isa/asm.js';
import { MapType } from '../src/maps/types.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from '../src/object/types.js';
import { ProgType } from '../src/uapi/bpf.js';
import { loadCollection } from '../src/vm/collection.js';
import { printTable, timeNs } from './table.js';

const PER_RUN = 1000;

/** A kprobe program from assembly whose `MAP` lddw operands refer to `mapName`. */
function programOf(text: string, mapName: string): ProgramSpec {
  const lines = text.trim().split('\n');
  const asm = assemble(lines.map((l) => l.replace('MAP', '0')).join('\n'), { syntax: 'llvm' });
  const refs = lines.flatMap((l, i) => (l.includes('MAP') ? [asm.lines.indexOf(i + 1)] : []));
  return {
    name: 'bench',
    section: 'kprobe/bench',
    type: ProgType.KPROBE,
    typeName: 'kprobe',
    sleepable: false,
    instructions: asm.insns,
    mapReferences: refs.map((insn) => ({ insn, map: mapName, kind: 'map' as const, offset: 0 })),
    funcReferences: [],
    kfuncCalls: new Map(),
    funcInfo: [],
    lineInfo: [],
    coreRelocations: [],
    license: 'GPL',
    kernelVersion: 0,
  };
}

function objectOf(program: ProgramSpec, map: MapSpec): ObjectSpec {
  return {
    name: 'bench',
    programs: [program],
    maps: [map],
    variables: [],
    externs: [],
    license: 'GPL',
    kernelVersion: 0,
    littleEndian: true,
  };
}

const mapSpec = (name: string, type: number, keySize: number, valueSize: number, maxEntries: number): MapSpec => ({
  name,
  type,
  keySize,
  valueSize,
  maxEntries,
  flags: 0,
  pinning: 0,
  readOnly: false,
  section: '.maps',
});

/** Per run: for i in 0..999, v = lookup(i % 1024) (0 if absent); update(i % 1024, v + 1). */
const HASH_PAIRS = `
r6 = 0
loop:
r1 = r6
r1 &= 1023
*(u32 *)(r10 - 4) = r1
r1 = MAP ll
r2 = r10
r2 += -4
call 1
r1 = 0
if r0 == 0 goto store
r1 = *(u64 *)(r0 + 0)
store:
r1 += 1
*(u64 *)(r10 - 16) = r1
r1 = MAP ll
r2 = r10
r2 += -4
r3 = r10
r3 += -16
r4 = 0
call 2
r6 += 1
if r6 < ${PER_RUN} goto loop
r0 = 0
exit`;

/** Per run: 1000 bpf_ringbuf_output calls of an 8-byte counter. */
const RINGBUF_EVENTS = `
r6 = 0
loop:
*(u64 *)(r10 - 8) = r6
r1 = MAP ll
r2 = r10
r2 += -8
r3 = 8
r4 = 0
call 130
r6 += 1
if r6 < ${PER_RUN} goto loop
r0 = 0
exit`;

export function main(): void {
  const rows: (string | number)[][] = [];

  const hash = loadCollection(objectOf(programOf(HASH_PAIRS, 'counts'), mapSpec('counts', MapType.HASH, 4, 8, 1024)));
  const hp = hash.program('bench');
  hp.run();
  const check = hash.map('counts').lookup(Uint8Array.of(5, 0, 0, 0));
  if (check?.[0] !== 1) throw new Error('hash bench: counts[5] should be 1 after one run');
  const hashNs = timeNs(() => hp.run());
  rows.push(['hash lookup+update pair', hashNs / PER_RUN, (PER_RUN * 1e9) / hashNs]);

  const rb = loadCollection(objectOf(programOf(RINGBUF_EVENTS, 'rb'), mapSpec('rb', MapType.RINGBUF, 0, 0, 1 << 20)));
  const rp = rb.program('bench');
  const reader = rb.ringBuffer('rb');
  let received = 0;
  const onRecord = () => {
    received++;
  };
  rp.run();
  if (reader.poll(onRecord) !== PER_RUN) throw new Error('ringbuf bench: expected one record per output call');
  const rbNs = timeNs(() => {
    rp.run();
    reader.poll(onRecord);
  });
  rows.push(['ring buffer event to a JS reader', rbNs / PER_RUN, (PER_RUN * 1e9) / rbNs]);
  if (received < PER_RUN) throw new Error('ringbuf bench: records lost');

  printTable(
    'Userspace runtime (interpreter): operations from inside a program',
    ['operation', 'ns/op', 'ops/s'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
