/**
 * `tsbpf filter`: tcpdump's filter language without tcpdump.
 *
 *     tsbpf filter -d|-dd|-ddd EXPR... [--linktype NAME] [-O]     the program, exactly as tcpdump -d/-dd/-ddd
 *     tsbpf filter EXPR FILE [-w OUT] [--count] [--json] [--backend cbpf|vm|jit|kernel] [-O]
 *
 * FILE `-` reads the capture from standard input, as tcpdump -r - does.
 * Listings compile as tcpdump -d does without a capture (pcap_open_dead: the given link type, snapshot length
 * 262144, netmask 0). Filtering compiles for each interface of the file as tcpdump -r does (filter-scan.ts) and
 * prints one line per matching packet, writes the matches to a pcap file, counts them or reports them as JSON.
 * Bad expressions (libpcap's messages) and bad captures (the byte offset) exit with 2.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { compileFilter } from '../../cbpf/compile.js';
import { formatC, formatDecimal, formatListing } from '../../cbpf/listing.js';
import { InputError } from '../../errors.js';
import type { CapturedPacket, CaptureInterface } from '../../pcap/packet.js';
import { CaptureParser } from '../../pcap/parser.js';
import { reusedFileChunks } from '../filter-chunks.js';
import { fastPcapCount } from '../filter-fast-count.js';
import { type FilterBackend, loadMatcherFactory, parseFilterBackend } from '../filter-matcher.js';
import { formatMatch, TextBatcher } from '../filter-output.js';
import { startProgress } from '../filter-progress.js';
import { scanCapture } from '../filter-scan.js';
import { MatchWriter } from '../filter-writer.js';

interface FilterOptions {
  /** How many times -d was given: 1 = -d, 2 = -dd, 3 = -ddd. */
  d: number;
  optimize: boolean;
  linktype?: string;
  w?: string;
  count?: boolean;
  json?: boolean;
  backend: string;
}

/** Where the command reads `-` and writes its results, and what it knows about the terminal (tests pass their own). */
export interface FilterIo {
  write(text: string): void;
  /** The capture when FILE is `-` (tcpdump -r -). */
  stdin(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
}

let pipeWatched = false;

/**
 * Output to a reader that went away (`tsbpf filter ... | head`) ends the run quietly, as it would for tcpdump,
 * instead of an unhandled EPIPE error: there is no one left to read the rest.
 */
function watchPipe(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

const processIo: FilterIo = {
  write: (text) => {
    watchPipe();
    process.stdout.write(text);
  },
  stdin: () => process.stdin,
  get stdoutIsTTY() {
    return process.stdout.isTTY === true;
  },
  get stderrIsTTY() {
    return process.stderr.isTTY === true;
  },
};

/** tcpdump -d's snapshot length when no capture is open. */
const LISTING_SNAPLEN = 262144;

export function register(program: Command, io: FilterIo = processIo): void {
  program
    .command('filter')
    .description('compile a tcpdump filter: list it like tcpdump -d/-dd/-ddd, or run it over a pcap/pcapng capture')
    .argument('<args...>', 'with -d: the expression (its words are joined); otherwise: EXPR FILE')
    .option(
      '-d',
      'print the program (-d), as C (-dd) or as decimal (-ddd), as tcpdump does',
      (_v, n: number) => n + 1,
      0,
    )
    .option('-O, --no-optimize', 'do not run the optimizer (tcpdump -O)')
    .option('--linktype <name>', 'with -d: the link type, as tcpdump -y (default EN10MB)')
    .option('-w <file>', 'write the matching packets to a pcap file')
    .option('--count', 'print the number of matching packets')
    .option('--json', 'print {"packets": N, "matched": [1-based numbers]} ({"packets", "count"} with --count)')
    .option(
      '--backend <name>',
      'cbpf (generated JavaScript), vm (eBPF interpreter), jit (WebAssembly) or kernel',
      'cbpf',
    )
    .action(async (args: string[], opts: FilterOptions) => {
      if (opts.d > 0) {
        listing(args, opts, io);
        return;
      }
      if (opts.linktype !== undefined) {
        throw new InputError('--linktype applies to -d listings; a capture file gives its own link type');
      }
      if (args.length !== 2) {
        throw new InputError(
          args.length < 2
            ? 'give an expression and a capture file (EXPR FILE), or -d to list the program'
            : `expected EXPR FILE, got ${args.length} arguments (quote the expression)`,
        );
      }
      await filterFile(args[0]!, args[1]!, opts, io);
    });
}

function listing(args: string[], opts: FilterOptions, io: FilterIo): void {
  if (opts.d > 3) throw new InputError('-d: at most -ddd');
  for (const [given, name] of [
    [opts.w, '-w'],
    [opts.count, '--count'],
    [opts.json, '--json'],
  ] as const) {
    if (given) throw new InputError(`${name} filters a capture; it does not go with -d`);
  }
  if (opts.backend !== 'cbpf') throw new InputError('--backend filters a capture; it does not go with -d');
  const insns = compileFilter(args.join(' '), {
    linkType: opts.linktype ?? 'EN10MB',
    snaplen: LISTING_SNAPLEN,
    netmask: 0,
    optimize: opts.optimize,
  });
  const text = opts.d === 1 ? formatListing(insns) : opts.d === 2 ? formatC(insns) : formatDecimal(insns);
  io.write(`${text}\n`);
}

async function filterFile(expression: string, path: string, opts: FilterOptions, io: FilterIo): Promise<void> {
  const backend: FilterBackend = parseFilterBackend(opts.backend);
  const fromStdin = path === '-';
  if (opts.count && backend === 'cbpf' && !fromStdin && opts.w === undefined) {
    const fast = fastPcapCount(path, expression, opts.optimize);
    if (fast) {
      io.write(opts.json ? `${JSON.stringify({ packets: fast.packets, count: fast.matched })}\n` : `${fast.matched}\n`);
      return;
    }
  }
  const makeMatcher = await loadMatcherFactory(backend);
  const totalBytes = fromStdin ? 0 : statSync(path).size;
  const printsLines = !opts.count && !opts.json && opts.w === undefined;
  const out = new TextBatcher((text) => io.write(text));
  const matchedNumbers: number[] = [];
  const writer = opts.w !== undefined ? await MatchWriter.create(opts.w) : undefined;

  const onMatch = (p: CapturedPacket, iface: CaptureInterface): void => {
    if (writer) writer.write(p, iface);
    if (opts.json && !opts.count) matchedNumbers.push(p.index + 1);
    if (printsLines) out.line(formatMatch(p, iface));
  };
  const progress = startProgress(
    {
      totalBytes,
      printsLines,
      stderrIsTTY: io.stderrIsTTY,
      stdoutIsTTY: io.stdoutIsTTY,
    },
    'filter',
  );
  let result: Awaited<ReturnType<typeof scanCapture>>;
  try {
    const parser = new CaptureParser({ source: fromStdin ? 'stdin' : path });
    const chunks = fromStdin ? io.stdin() : reusedFileChunks(path, () => parser.queue.available);
    result = await scanCapture(chunks, {
      parser,
      expression,
      optimize: opts.optimize,
      makeMatcher,
      onMatch,
      afterChunk: async (bytesRead) => {
        out.flush();
        progress.update(bytesRead);
        if (writer) await writer.drain();
      },
    });
  } catch (err) {
    out.flush();
    await writer?.abort();
    throw err;
  } finally {
    progress.stop();
  }
  out.flush();
  await writer?.close(result.parser.interfaces[0]);
  if (opts.json) {
    const body = opts.count
      ? { packets: result.packets, count: result.matched }
      : { packets: result.packets, matched: matchedNumbers };
    io.write(`${JSON.stringify(body)}\n`);
  } else if (opts.count) {
    io.write(`${result.matched}\n`);
  }
}
