/**
 * Loads each program of the object fixtures into THIS machine's kernel, one program per collection (so one
 * rejection does not hide the others), at log level 4 (BPF_LOG_STATS: the rule message on failure and the
 * `verification time N usec` statistics line, without the per-instruction trace that would slow the kernel).
 * Shared by scripts/record-verifier-corpus.mjs and bench/verifier.ts's kernel column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The fixture objects the corpus records, relative to the project root. */
export const OBJECT_FIXTURE_DIRS = ['test/fixtures/objects', 'test/fixtures/kernel', 'test/fixtures/verifier/objects'];

export function objectFixtures() {
  return OBJECT_FIXTURE_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.bpf.o'))
      .sort()
      .map((f) => `${dir}/${f}`),
  );
}

/** `verification time N usec` and `processed N insns` from a log with BPF_LOG_STATS. */
export function logStats(log) {
  const time = /verification time (\d+) usec/.exec(log);
  const processed = /processed (\d+) insns/.exec(log);
  return {
    kernel_time_us: time ? Number(time[1]) : undefined,
    kernel_processed: processed ? Number(processed[1]) : undefined,
  };
}

/**
 * A loader bound to a tsc output directory: `load(path, programName)` returns
 * {verdict, kernel_message, kernel_time_us, kernel_processed}.
 */
export async function kernelObjectLoader(build, kernelMessage) {
  const imp = (p) => import(pathToFileURL(`${build}/${p}`).href);
  const { loadCollection, CollectionLoadError } = await imp('src/kernel/index.js');
  const { loadObjectSpec } = await imp('src/object/load.js');
  const specs = new Map();
  const specOf = (path) => {
    if (!specs.has(path)) specs.set(path, loadObjectSpec(new Uint8Array(readFileSync(path)), { name: path }));
    return specs.get(path);
  };
  return {
    spec: specOf,
    load(path, program) {
      const spec = specOf(path);
      try {
        const collection = loadCollection(spec, { programs: [program], logLevel: 4 });
        const log = collection.program(program).program.log;
        collection.close();
        return { verdict: 'accepted', kernel_message: '', ...logStats(log) };
      } catch (e) {
        if (!(e instanceof CollectionLoadError)) throw e;
        const log = e.log ?? '';
        return { verdict: 'rejected', kernel_message: (log && kernelMessage(log)) || `(${e.message})`, ...logStats(log) };
      }
    },
  };
}
