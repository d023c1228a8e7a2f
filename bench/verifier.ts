/**
 * Verifier benchmark: for every program of the object fixtures, tsbpf's verification time next to the kernel's
 * own for the same program (the `verification time N usec` line of its BPF_LOG_STATS log, log level 4, which
 * leaves out the per-instruction trace that would slow the kernel down). The kernel column is measured live when
 * running as root (the median of several loads), else read from the recorded corpus. Target: tsbpf within 3x
 * of the kernel on every fixture. Run: `node dist/bench/verifier.js` from the project root.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ObjectSpec } from '../src/object/types.js';
import { verifyProgram } from '../src/verifier/index.js';
import { prepareObjectProgram } from '../src/verifier/object.js';
import { progTypeFromSection } from '../src/verifier/prog-types.js';
import { loadCorpus } from '../test/verifier/corpus.js';
import { loadObjectSpec } from '../src/object/load.js';
import { printTable, timeNs } from './table.js';

const FIXTURE_DIRS = ['test/fixtures/objects', 'test/fixtures/kernel', 'test/fixtures/verifier/objects'];
/** Kernel loads per program; the median is reported (the first load also warms the kernel's BTF caches). */
const KERNEL_LOADS = 7;

type KernelTimer = (spec: ObjectSpec, program: string) => number | undefined;

/** The kernel's verification time in µs for one program, loaded alone with its maps, at log level 4. */
async function liveKernelTimer(): Promise<KernelTimer> {
  const { loadCollection, CollectionLoadError } = await import('../src/kernel/index.js');
  return (spec, program) => {
    const times: number[] = [];
    for (let i = 0; i < KERNEL_LOADS; i++) {
      let log = '';
      try {
        const collection = loadCollection(spec, { programs: [program], logLevel: 4, skipFeatureCheck: i > 0 });
        log = collection.program(program).program.log;
        collection.close();
      } catch (error) {
        if (!(error instanceof CollectionLoadError)) throw error;
        log = error.log ?? '';
      }
      const m = /verification time (\d+) usec/.exec(log);
      if (!m) return undefined;
      times.push(Number(m[1]));
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  };
}

/** Kernel times recorded with the corpus (scripts/record-verifier-corpus.mjs), for runs without root. */
function recordedKernelTimer(): KernelTimer {
  const byKey = new Map<string, number>();
  for (const c of loadCorpus()) {
    if (c.object && c.program && c.kernel_time_us !== undefined)
      byKey.set(`${c.object}:${c.program}`, c.kernel_time_us);
  }
  return (spec, program) => byKey.get(`${spec.name}:${program}`);
}

/** Every fixture program, prepared for verifyProgram (tsbpf-modelled types only). */
function preparedFixtures(): { spec: ObjectSpec; program: string; prepared: ReturnType<typeof prepareObjectProgram> }[] {
  const out = [];
  for (const dir of FIXTURE_DIRS) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.bpf.o'))) {
      const path = `${dir}/${file}`;
      const spec = loadObjectSpec(new Uint8Array(readFileSync(path)), { name: path });
      for (const p of spec.programs) out.push({ spec, program: p.name, prepared: prepareObjectProgram(spec, p) });
    }
  }
  return out.filter((x) => progTypeFromSection(x.prepared.progType));
}

/**
 * Runs the verifier over all fixtures for about two seconds first, so every row is timed with optimised code
 * (V8 tiers functions up after many calls; timing each program cold would mostly measure the compiler).
 */
function warmUp(): void {
  const all = preparedFixtures();
  const end = performance.now() + 2000;
  while (performance.now() < end) {
    for (const { prepared: p } of all) verifyProgram(p.insns, { progType: p.progType, maps: p.maps });
  }
}

export async function benchVerifier(options: { live?: boolean } = {}): Promise<void> {
  const live = options.live ?? process.getuid?.() === 0;
  const kernelTime = live ? await liveKernelTimer() : recordedKernelTimer();
  const rows: (string | number)[][] = [];
  let worst = 0;
  warmUp();
  for (const dir of FIXTURE_DIRS) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.bpf.o'))
      .sort()) {
      const path = `${dir}/${file}`;
      const spec = loadObjectSpec(new Uint8Array(readFileSync(path)), { name: path });
      for (const program of spec.programs) {
        const label = `${dir.split('/').pop()}/${file} ${program.name}`;
        const kernelUs = kernelTime(spec, program.name);
        const prepared = prepareObjectProgram(spec, program);
        if (!progTypeFromSection(prepared.progType)) {
          const why = `${program.typeName}: not modelled`;
          rows.push([label, program.instructions.length, '-', kernelUs ?? '-', '-', '-', why]);
          continue;
        }
        const options = {
          progType: prepared.progType,
          maps: prepared.maps,
          btfLineInfo: prepared.btfLineInfo,
        };
        const result = verifyProgram(prepared.insns, options);
        const us = timeNs(() => verifyProgram(prepared.insns, options), 300) / 1e3;
        const ratio = kernelUs ? us / kernelUs : Number.NaN;
        if (Number.isFinite(ratio)) worst = Math.max(worst, ratio);
        rows.push([
          label,
          program.instructions.length,
          result.processedInsns,
          kernelUs ?? '-',
          us,
          ratio,
          result.unsupported ? `${result.verdict} (not modelled)` : result.verdict,
        ]);
      }
    }
  }
  const kernelHow = live ? `median of ${KERNEL_LOADS} loads` : 'as recorded in the corpus';
  printTable(
    `Verifier: tsbpf (warm) vs the kernel's own verification time per program (µs; kernel ${kernelHow})`,
    ['program', 'insns', 'processed', 'kernel µs', 'tsbpf µs', 'tsbpf/kernel', 'tsbpf verdict'],
    rows,
  );
  console.log(`worst ratio ${worst.toFixed(2)}x (target: 3x or better on every fixture)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchVerifier({ live: process.argv.includes('--recorded') ? false : undefined });
}
