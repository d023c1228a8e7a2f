import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { conformanceHelpers } from '../../conformance/run.js';
import { InputError } from '../../errors.js';
import { VmFault } from '../../vm/fault.js';
import { MemoryRunner } from '../../vm/run-memory.js';
import { loadProgramFile } from '../program-file.js';
import { type BackendName, defaultBackend, parseBackend } from '../raw-backends.js';
import { isElfFile, runObject } from '../run-object.js';

interface RunOptions {
  section?: string;
  packet?: string;
  pcap?: string;
  ctx?: string;
  pktType?: string;
  hist?: string;
  set?: string[];
  mem?: string;
  memFile?: string;
  repeat: string;
  backend?: string;
  json?: boolean;
}

/** Parses `--mem` hex text: bytes as pairs of hex digits, optionally separated by spaces, commas or `0x`. */
export function parseHexBytes(text: string, what = '--mem'): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:]+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2 !== 0) {
    throw new InputError(`${what}: expected hex bytes such as '01 02 ff', got '${text.slice(0, 40)}'`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function parseRepeat(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1e9)
    throw new InputError(`--repeat: expected a whole number from 1, got '${text}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a program: r1 = the memory, r2 = its length; prints r0')
    .argument('<file>', 'program: an object .o, raw .bin, hex text or assembly .s')
    .option('--section <name>', 'object: the program to run (section or function name)')
    .option('--packet <file>', 'object: packet data for socket filter, tc and XDP programs')
    .option('--pcap <file>', 'object: run once per packet of a capture; print verdict counts and maps')
    .option('--ctx <file>', 'object: context bytes (pt_regs, a tracepoint record, __sk_buff fields...)')
    .option('--pkt-type <type>', 'object, --pcap: the skb pkt_type of socket filter packets (host, outgoing...)')
    .option('--hist <unit>', 'object: print maps as log2 histograms with this value name')
    .option('--set <name=value...>', 'object: set global variables (.rodata constants too) before loading')
    .option('--mem <hex>', 'input memory as hex bytes')
    .option('--mem-file <file>', 'input memory from a file')
    .option('--repeat <n>', 'run N times and report the mean duration', '1')
    .option('--backend <name>', 'vm, jit or kernel (default: jit with --repeat > 1 or --pcap, else vm)')
    .option('--json', 'print {"retval", "duration_ns", "insns_executed", "backend"}')
    .action(async (file: string, opts: RunOptions) => {
      const repeat = parseRepeat(opts.repeat);
      const backend: BackendName =
        opts.backend === undefined ? defaultBackend({ repeat, pcap: opts.pcap }) : parseBackend(opts.backend);
      if (isElfFile(file)) {
        process.exitCode = await runObject(file, { ...opts, repeat, backend }, (t) => process.stdout.write(t));
        return;
      }
      if (opts.pcap !== undefined) throw new InputError('--pcap runs objects (FILE.o), not raw programs');
      if (opts.mem !== undefined && opts.memFile !== undefined)
        throw new InputError('give --mem or --mem-file, not both');
      const mem =
        opts.memFile !== undefined
          ? new Uint8Array(readFileSync(opts.memFile))
          : opts.mem !== undefined
            ? parseHexBytes(opts.mem)
            : new Uint8Array(0);
      const insns = loadProgramFile(file);
      const result = await runRaw(backend, insns, mem, repeat);
      if (result.fault) {
        process.stderr.write(`tsbpf: ${file}: ${backend === 'kernel' ? '' : 'program fault: '}${result.fault}\n`);
        process.exitCode = 1;
        return;
      }
      const retval = `0x${result.retval.toString(16)}`;
      if (opts.json) {
        const out = { retval, duration_ns: result.durationNs, insns_executed: result.insnsExecuted ?? null, backend };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        process.stdout.write(`${retval}\n`);
      }
    });
}

interface RawRunResult {
  retval: bigint;
  durationNs: number;
  insnsExecuted?: number;
  fault?: string;
}

async function runRaw(
  backend: BackendName,
  insns: ReturnType<typeof loadProgramFile>,
  mem: Uint8Array,
  repeat: number,
): Promise<RawRunResult> {
  if (backend === 'kernel') {
    const { kernelRunRaw, KernelError } = await import('../../kernel/index.js');
    try {
      const r = kernelRunRaw(insns, { data: mem, repeat });
      return { retval: r.retval, durationNs: r.durationNs };
    } catch (err) {
      // a rejection by the kernel's verifier is a failed run, like a fault in the VM
      if (err instanceof KernelError) return { retval: 0n, durationNs: 0, fault: err.message };
      throw err;
    }
  }
  const runner =
    backend === 'jit'
      ? new (await import('../../jit/run-memory.js')).JitMemoryRunner(insns, conformanceHelpers(), mem.length)
      : new MemoryRunner(insns, conformanceHelpers(), mem.length);
  try {
    let result = runner.run(mem);
    const start = performance.now();
    for (let i = 1; i < repeat; i++) result = runner.run(mem);
    const elapsed = repeat > 1 ? ((performance.now() - start) * 1e6) / (repeat - 1) : 0;
    let durationNs = elapsed;
    if (repeat === 1) {
      const t = performance.now();
      runner.run(mem);
      durationNs = (performance.now() - t) * 1e6;
    }
    return { retval: result.r0, durationNs: Math.round(durationNs), insnsExecuted: result.insnsExecuted };
  } catch (err) {
    if (err instanceof VmFault) return { retval: 0n, durationNs: 0, fault: err.message };
    throw err;
  }
}
