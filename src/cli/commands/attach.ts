import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { MapType } from '../../kernel/constants.js';
import type { KernelCollection } from '../../kernel/kernel-collection.js';
import { loadCollection } from '../../kernel/load-collection.js';
import type { DecodedValue } from '../../object/collection.js';
import { loadObjectSpec } from '../../object/load.js';

interface AttachOptions {
  section?: string[];
  duration?: string;
}

/** JSON text of a decoded value (bigints as numbers, as bpftool prints them). */
function json(value: DecodedValue): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? Number(v) : v));
}

function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InputError(`--duration: expected seconds > 0, got '${text}'`);
  return seconds * 1000;
}

/** Prints every map that holds data (not ring/perf buffers, which were streamed), BTF-decoded. */
function printMaps(collection: KernelCollection, out: (line: string) => void): void {
  for (const map of collection.maps.values()) {
    const type = map.spec.type;
    if (type === MapType.RINGBUF || type === MapType.PERF_EVENT_ARRAY || type === MapType.PROG_ARRAY) continue;
    if (map.spec.globalData === '.rodata' || map.spec.globalData === '.kconfig') continue;
    const entries = map.decodedEntries();
    out(`map ${map.name}: ${entries.length} entries`);
    for (const { key, value } of entries) out(`  ${json(key)}: ${json(value)}`);
  }
}

/**
 * `tsbpf attach FILE.o [--section S]... [--duration SECONDS]`: loads an object into the running kernel, attaches
 * its programs by section name, and streams what they report (trace_pipe lines, ring-buffer and perf-buffer
 * records, BTF-decoded when the object describes them) until Ctrl-C or the duration ends; then prints the maps and
 * detaches everything.
 */
export function register(program: Command): void {
  program
    .command('attach')
    .description('load an object into the kernel, attach its programs, stream their output (root)')
    .argument('<file>', 'eBPF object (.o)')
    .option('--section <name...>', 'attach only the programs of these sections (or names)')
    .option('--duration <seconds>', 'detach after this many seconds (default: until Ctrl-C)')
    .action(async (file: string, options: AttachOptions) => {
      const durationMs = parseDuration(options.duration);
      const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { name: file });
      const wanted = options.section;
      if (wanted) {
        const known = new Set(spec.programs.flatMap((p) => [p.name, p.section]));
        const unknown = wanted.filter((w) => !known.has(w));
        if (unknown.length > 0) throw new InputError(`${file}: no program or section named ${unknown.join(', ')}`);
      }
      const collection = loadCollection(spec, { programs: wanted });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const stops: (() => void)[] = [];
      try {
        for (const warning of collection.warnings) process.stderr.write(`tsbpf: warning: ${warning}\n`);
        for (const prog of collection.programs.values()) {
          const link = prog.attach();
          out(`attached ${prog.name} to ${link.target}`);
        }
        const streams: Promise<void>[] = [];
        for (const map of collection.maps.values()) {
          if (map.spec.type === MapType.RINGBUF) {
            const reader = collection.ringBuffer(map.name);
            stops.push(() => reader.close());
            streams.push(
              (async () => {
                for await (const record of reader) out(`${map.name}: ${json(map.decodeValue(record))}`);
              })(),
            );
          } else if (map.spec.type === MapType.PERF_EVENT_ARRAY) {
            const reader = collection.perfBuffer(map.name);
            stops.push(() => reader.close());
            streams.push(
              (async () => {
                for await (const record of reader) {
                  if (record.lost) out(`${map.name}: cpu ${record.cpu}: lost ${record.lost} records`);
                  else out(`${map.name}: cpu ${record.cpu}: ${json(Array.from(record.data))}`);
                }
              })(),
            );
          }
        }
        if (spec.programs.some((p) => p.instructions.some((i) => i.opcode === 0x85 && i.src === 0 && i.imm === 6))) {
          const pipe = collection.tracePipe();
          stops.push(() => pipe.close());
          streams.push(
            (async () => {
              for await (const line of pipe) out(line);
            })(),
          );
        }
        await new Promise<void>((resolve) => {
          const timer = durationMs !== undefined ? setTimeout(resolve, durationMs) : undefined;
          process.once('SIGINT', () => {
            if (timer) clearTimeout(timer);
            resolve();
          });
        });
        for (const stop of stops) stop();
        await Promise.all(streams);
        printMaps(collection, out);
      } finally {
        for (const stop of stops) stop();
        collection.close();
      }
    });
}
