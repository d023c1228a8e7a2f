import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { formatMap } from '../format-map.js';
import { kernelFailure } from '../kernel-failure.js';
import { type RecordDecoder, recordDecoder } from '../record-decoder.js';
import { applyAssignments } from '../set-variables.js';
import type { AttachOptions } from '../../kernel/auto-attach.js';
import { MapType } from '../../kernel/constants.js';
import type { KernelCollection } from '../../kernel/kernel-collection.js';
import { loadCollection } from '../../kernel/load-collection.js';
import type { DecodedValue } from '../../object/collection.js';
import { loadObjectSpec } from '../../object/load.js';
import type { ObjectSpec } from '../../object/types.js';

interface CliAttachOptions {
  section?: string[];
  duration?: string;
  target?: string;
  interface?: string;
  cgroup?: string;
  pid?: string;
  frequency?: string;
  set?: string[];
  recordType?: string;
  verifierLog?: boolean;
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new InputError(`${flag}: expected a positive integer, got '${text}'`);
  return Number(text);
}

/** Where the programs go, beyond what their section names say (kernel/auto-attach.ts reads the fields it needs). */
function attachTarget(options: CliAttachOptions): AttachOptions {
  return {
    target: options.target,
    interface: options.interface,
    cgroup: options.cgroup,
    pid: positiveInteger('--pid', options.pid),
    frequency: positiveInteger('--frequency', options.frequency),
  };
}

/** JSON text of a decoded value (bigints as numbers, as bpftool prints them). */
function json(value: DecodedValue): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? Number(v) : v));
}

function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  // setTimeout holds at most 2^31 - 1 ms (24.8 days); leave --duration out to run until Ctrl-C
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > 2 ** 31 - 1)
    throw new InputError(`--duration: expected seconds between 0 and 2147483, got '${text}'`);
  return seconds * 1000;
}

/**
 * Resolves after `durationMs`, or on Ctrl-C (SIGINT) or SIGTERM, whichever comes first. The timer keeps the event
 * loop alive even when nothing is streamed (a signal listener alone does not, and Node would exit at once).
 */
function untilStopped(durationMs: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = durationMs !== undefined ? setTimeout(() => stop(), durationMs) : setInterval(() => {}, 60_000);
    const stop = () => {
      clearTimeout(timer);
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Prints every map that holds data (not ring/perf buffers, which were streamed), BTF-decoded. */
function printMaps(collection: KernelCollection, out: (line: string) => void): void {
  for (const map of collection.maps.values()) {
    const type = map.spec.type;
    if (type === MapType.RINGBUF || type === MapType.PERF_EVENT_ARRAY || type === MapType.PROG_ARRAY) continue;
    if (map.spec.globalData === '.rodata' || map.spec.globalData === '.kconfig') continue;
    out(formatMap(map, undefined));
  }
}

/**
 * `tsbpf attach FILE.o [--section S]... [--duration SECONDS] [--interface IF] [--cgroup DIR] [--target T]
 * [--pid PID] [--frequency HZ]`: loads an object into the running kernel, attaches its programs by section name
 * (the options supply what a section name cannot say: the interface of an XDP program, the cgroup of a cgroup
 * program, the process of a uprobe, a sampling frequency), and streams what they report (trace_pipe lines, ring-buffer and perf-buffer
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
    .option('--interface <name>', 'network interface for XDP programs')
    .option('--cgroup <dir>', 'cgroup v2 directory for cgroup programs (cgroup_skb, cgroup/sock, sockops, ...)')
    .option('--target <target>', "replaces the section's target: FUNCTION, CATEGORY/NAME, BINARY:SYMBOL, ...")
    .option('--pid <pid>', 'uprobes: only this process')
    .option('--frequency <hz>', 'perf_event programs: samples per second per CPU')
    .option('--set <name=value...>', 'set global variables (.rodata constants too) before loading')
    .option('--record-type <struct>', 'decode ring and perf buffer records as this BTF struct (default: bytes)')
    .option('--verifier-log', "print the verifier's log when the kernel refuses a program")
    .action(async (file: string, options: CliAttachOptions) => {
      const durationMs = parseDuration(options.duration);
      const target = attachTarget(options);
      const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { name: file });
      applyAssignments(spec, options.set);
      const decodeRecord = recordDecoder(spec, options.recordType);
      const wanted = options.section;
      if (wanted) {
        const known = new Set(spec.programs.flatMap((p) => [p.name, p.section]));
        const unknown = wanted.filter((w) => !known.has(w));
        if (unknown.length > 0) throw new InputError(`${file}: no program or section named ${unknown.join(', ')}`);
      }
      try {
        await attachAndStream(spec, options, { target, decodeRecord, durationMs });
      } catch (err) {
        const failure = await kernelFailure(err);
        if (!failure) throw err;
        if (failure.log && options.verifierLog) process.stderr.write(`${failure.log.trimEnd()}\n`);
        const hint = failure.log && !options.verifierLog ? ' (--verifier-log prints the kernel\'s log)' : '';
        process.stderr.write(`tsbpf: ${file}: kernel: ${failure.message}${hint}\n`);
        process.exitCode = 1;
      }
    });
}

/** Loads, attaches, streams until stopped, prints the maps; detaches everything whatever happens. */
async function attachAndStream(
  spec: ObjectSpec,
  options: CliAttachOptions,
  how: { target: AttachOptions; decodeRecord: RecordDecoder; durationMs: number | undefined },
): Promise<void> {
  const { target, decodeRecord, durationMs } = how;
  const wanted = options.section;
  const collection = loadCollection(spec, { programs: wanted });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const stops: (() => void)[] = [];
  try {
    for (const warning of collection.warnings) process.stderr.write(`tsbpf: warning: ${warning}\n`);
    for (const prog of collection.programs.values()) {
      const link = prog.attach(target);
      out(`attached ${prog.name} to ${link.target}`);
    }
    const streams: Promise<void>[] = [];
    for (const map of collection.maps.values()) {
      if (map.spec.type === MapType.RINGBUF) {
        const reader = collection.ringBuffer(map.name);
        stops.push(() => reader.close());
        streams.push(
          (async () => {
            for await (const record of reader) out(`${map.name}: ${json(decodeRecord(record))}`);
          })(),
        );
      } else if (map.spec.type === MapType.PERF_EVENT_ARRAY) {
        const reader = collection.perfBuffer(map.name);
        stops.push(() => reader.close());
        streams.push(
          (async () => {
            for await (const record of reader) {
              if (record.lost) out(`${map.name}: cpu ${record.cpu}: lost ${record.lost} records`);
              else out(`${map.name}: cpu ${record.cpu}: ${json(decodeRecord(record.data))}`);
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
    await untilStopped(durationMs);
    for (const stop of stops) stop();
    await Promise.all(streams);
    printMaps(collection, out);
  } finally {
    for (const stop of stops) stop();
    collection.close();
  }
}
