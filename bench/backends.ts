/**
 * The backends table: each benchmark program (bench/programs/NAME.c built as the XDP object NAME.xdp.o) loaded
 * through the object loader and run on the same 1500-byte packet by the interpreter, the JIT and, as root, the
 * kernel (BPF_PROG_TEST_RUN with repeat). Results are checked equal across backends and against an independent
 * JavaScript computation before anything is timed. Standalone: `node dist/bench/backends.js` from the project root.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCollection } from '../src/collection-node.js';
import { FORMS } from '../src/isa/forms.js';
import type { Instruction } from '../src/isa/instruction.js';
import { compileJit } from '../src/jit/compile.js';
import type { Collection, LoadedProgram } from '../src/object/collection.js';
import { loadObjectSpec } from '../src/object/load.js';
import type { ObjectSpec } from '../src/object/types.js';
import { HelperTable } from '../src/vm/helper.js';
import { AddressSpace } from '../src/vm/memory.js';
import type { Predecoded } from '../src/vm/predecode.js';
import { predecode } from '../src/vm/predecode.js';
import { type BenchProgram, benchPrograms, programsDir } from './programs.js';
import { formatNumber, printTable } from './table.js';

export interface BackendRow {
  name: string;
  insns: number;
  interpNs: number;
  jitNs: number;
  /** Emit + WebAssembly.Module + instantiate, median, microseconds. */
  compileUs: number;
  kernelNs?: number;
}

/** Programs executing at least this many instructions per run count for the geometric mean (the target). */
export const GEOMEAN_MIN_INSNS = 1000;

/**
 * CPU nanoseconds per run of `batch(n)` (n runs): the best of several batches of process CPU time, which holds up
 * far better than wall-clock time on a loaded machine (other processes' time slices are not counted). The batch
 * size grows until a batch takes about `ms`.
 */
function cpuNsPerRun(batch: (n: number) => void, ms = 25, batches = 5): number {
  let n = 1;
  for (;;) {
    const t = performance.now();
    batch(n);
    if (performance.now() - t >= ms || n >= 1 << 24) break;
    n *= 2;
  }
  const measure = () => {
    const start = process.cpuUsage();
    batch(n);
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / n;
  };
  // Warm up until two batches in a row agree within 10% (at most ~1 s): a program's first opcodes can deoptimise
  // the interpreter's dispatch function, and V8 re-optimises it in the background, later under load.
  let previous = measure();
  for (let i = 0; i < 40; i++) {
    const current = measure();
    if (Math.abs(current - previous) <= 0.1 * Math.min(current, previous)) break;
    previous = current;
  }
  let best = Number.POSITIVE_INFINITY;
  for (let b = 0; b < batches; b++) best = Math.min(best, measure());
  return best;
}

/** The kernel's own mean per run (BPF_PROG_TEST_RUN's duration), best of several batches. */
async function kernelNsPerRun(program: LoadedProgram, data: Uint8Array): Promise<number> {
  let repeat = 1000;
  let best = Number.POSITIVE_INFINITY;
  for (let b = 0; b < 6; b++) {
    const r = await program.run({ data, repeat });
    best = Math.min(best, r.durationNs);
    // about 20 ms of kernel time per batch
    repeat = Math.max(1, Math.min(1_000_000, Math.round(20e6 / Math.max(r.durationNs, 1))));
  }
  return best;
}

const u64 = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);

/** One fresh run on a backend: the verdict, the 64-bit result the program stored and the packet it left. */
async function outcome(spec: ObjectSpec, backend: 'vm' | 'jit' | 'kernel', input: Uint8Array) {
  const c = await loadCollection(spec, { backend });
  try {
    const r = await c.program('bench').run({ data: input.slice() });
    return { retval: r.retval, result: u64(c.variable('result').get()), data: [...(r.data ?? [])] };
  } finally {
    await c.close();
  }
}

function objectOf(p: BenchProgram): ObjectSpec {
  const path = join(programsDir, `${p.name}.xdp.o`);
  return loadObjectSpec(new Uint8Array(readFileSync(path)), { name: `${p.name}.xdp.o` });
}

/** Median compile time of `code`, warmed up first (the compiler's own code gets optimised too). */
function compileUs(code: Predecoded): number {
  // every compile allocates its stack and register file: room for the warm-up's few thousand compiles
  const space = new AddressSpace({ maxBytes: 1 << 26 });
  const helpers = new HelperTable();
  // links as in a collection: tail calls and callbacks possible, which changes the code (registers spilled)
  const links = { tailCallTarget: () => undefined, functionAt: () => undefined };
  // steady state: warm the emitter up (V8 needs well over 20 compiles to optimize it) for 300 ms first
  const warmEnd = performance.now() + 300;
  for (let i = 0; i < 4000 && performance.now() < warmEnd; i++) compileJit(code, { space, helpers, links });
  const times: number[] = [];
  for (let i = 0; i < 31; i++) {
    const j = compileJit(code, { space, helpers, links });
    times.push(j.times.emitMs + j.times.wasmMs);
  }
  return times.sort((a, b) => a - b)[times.length >> 1]! * 1000;
}

/** Measures every program on every backend; throws if any two backends (or the JavaScript oracle) disagree. */
export async function benchBackends(kernel = process.getuid?.() === 0): Promise<BackendRow[]> {
  const rows: BackendRow[] = [];
  for (const p of benchPrograms()) {
    const spec = objectOf(p);
    const backends = kernel ? (['vm', 'jit', 'kernel'] as const) : (['vm', 'jit'] as const);
    const outcomes = [];
    for (const b of backends) outcomes.push(await outcome(spec, b, p.input));
    for (const [i, o] of outcomes.entries()) {
      if (o.result !== p.expected || o.retval !== 2n) {
        throw new Error(`${p.name} on ${backends[i]}: result 0x${o.result.toString(16)} (verdict ${o.retval}), ` +
          `expected 0x${p.expected.toString(16)}`);
      }
      if (JSON.stringify(o.data) !== JSON.stringify(outcomes[0]!.data)) {
        throw new Error(`${p.name}: the packet ${backends[i]} left differs from the interpreter's`);
      }
    }
    const vm = await loadCollection(spec, { backend: 'vm' });
    const jit = await loadCollection(spec, { backend: 'jit' });
    const input = p.input.slice();
    const vmProgram = vm.program('bench');
    const jitProgram = jit.program('bench');
    const insns = vmProgram.run({ data: input }).insnsExecuted!;
    const row: BackendRow = {
      name: p.name,
      insns,
      interpNs: cpuNsPerRun((n) => vmProgram.run({ data: input, repeat: n })),
      jitNs: cpuNsPerRun((n) => jitProgram.run({ data: input, repeat: n })),
      compileUs: compileUs(vmProgram.linked.predecoded),
    };
    vm.close();
    jit.close();
    if (kernel) {
      const k: Collection = await loadCollection(spec, { backend: 'kernel' });
      try {
        row.kernelNs = await kernelNsPerRun(k.program('bench'), input);
      } finally {
        await k.close();
      }
    }
    rows.push(row);
  }
  return rows;
}

/** Runs after which compiling has paid for itself: compile time over the time each run saves. */
export function crossover(r: BackendRow): number {
  const saved = r.interpNs - r.jitNs;
  return saved > 0 ? Math.ceil((r.compileUs * 1000) / saved) : Number.POSITIVE_INFINITY;
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

export function printBackendsTable(rows: BackendRow[]): void {
  printTable(
    'Backends: the same XDP object on a 1500-byte packet (CPU ns per run, best of 5 batches; kernel: ' +
      'BPF_PROG_TEST_RUN duration; results checked equal on every backend)',
    [
      'program',
      'insns/run',
      'interp ns',
      'interp ns/insn',
      'JIT ns',
      'JIT compile us',
      'JIT wins after',
      'kernel ns',
      'JIT/kernel',
    ],
    rows.map((r) => [
      r.name,
      r.insns,
      r.interpNs,
      r.interpNs / r.insns,
      r.jitNs,
      r.compileUs,
      `${crossover(r)} runs`,
      r.kernelNs ?? Number.NaN,
      r.kernelNs ? r.jitNs / r.kernelNs : Number.NaN,
    ]),
  );
  const heavy = rows.filter((r) => r.insns >= GEOMEAN_MIN_INSNS && r.kernelNs);
  if (heavy.length > 0) {
    const ratios = heavy.map((r) => r.jitNs / r.kernelNs!);
    const speedup = geomean(heavy.map((r) => r.interpNs / r.jitNs));
    console.log(
      `JIT/kernel geometric mean over the ${heavy.length} programs with >= ${GEOMEAN_MIN_INSNS} insns/run: ` +
        `${formatNumber(geomean(ratios))}x (target <= 1.5x), worst ${formatNumber(Math.max(...ratios))}x ` +
        `(target <= 3x); interpreter/JIT geometric mean ${formatNumber(speedup)}x`,
    );
  } else {
    console.log('kernel column: skipped (BPF_PROG_TEST_RUN needs root)');
  }
}

/** A 1,000-instruction program: ALU, stack stores and loads, forward branches, a loop. */
export function syntheticProgram(size: number): Instruction[] {
  const alu = FORMS.filter((f) => f.kind === 'alu' && !f.x && f.is64);
  const out: Instruction[] = [{ opcode: 0xb7, dst: 9, src: 0, off: 0, imm: 3 }];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  while (out.length < size - 3) {
    const r = rand(10);
    if (r < 6) {
      const f = alu[rand(alu.length)]!;
      out.push({
        opcode: f.opcode,
        dst: rand(9),
        src: 0,
        off: f.match?.field === 'off' ? f.match.value : 0,
        imm: rand(1000) + 1,
      });
    } else if (r < 8) {
      out.push({ opcode: 0x7b, dst: 10, src: rand(9), off: -8 * (1 + rand(60)), imm: 0 });
      out.push({ opcode: 0x79, dst: rand(9), src: 10, off: -8 * (1 + rand(60)), imm: 0 });
    } else {
      out.push({ opcode: 0x25, dst: rand(9), src: 0, off: rand(4), imm: rand(100) });
    }
  }
  out.push({ opcode: 0x17, dst: 9, src: 0, off: 0, imm: 1 });
  out.push({ opcode: 0x55, dst: 9, src: 0, off: -out.length, imm: 0 });
  out.push({ opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
  return out;
}

/** The compile-time target: a 1,000-instruction program in 1 ms or less (steady state, and the first compile). */
export function printSyntheticCompile(): void {
  const insns = syntheticProgram(1000);
  const code = predecode(insns);
  const first = performance.now();
  compileJit(code, {
    space: new AddressSpace({ maxBytes: 1 << 22 }),
    helpers: new HelperTable(),
    links: { tailCallTarget: () => undefined, functionAt: () => undefined },
  });
  const firstUs = (performance.now() - first) * 1000;
  const us = compileUs(code);
  console.log(
    `JIT compile of a ${insns.length}-instruction program: ${formatNumber(us)} us steady state (target <= 1,000 us); ` +
      `this program's first compile in this process: ${formatNumber(firstUs)} us`,
  );
}

export async function main(): Promise<void> {
  printBackendsTable(await benchBackends());
  printSyntheticCompile();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
