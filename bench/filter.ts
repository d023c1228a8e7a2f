// `tsbpf filter` against tcpdump on a large capture. Generates a mixed-protocol Ethernet capture of at least 500 MB
// in /tmp (bench/mixed-traffic.ts; kept between runs), then for five expressions of increasing size times
// `tsbpf filter EXPR big.pcap --count` in this process against `tcpdump -r big.pcap -w /dev/null EXPR` as a child
// process, checks that both found the same packets (tcpdump's own count, from a `--count` run), and prints the
// times, MB/s and ratio, the instruction counts after optimization next to libpcap's (`tcpdump -d | wc -l`), and
// the same runs on the eBPF backends (VM interpreter, WebAssembly JIT).
// Run: npx tsc -p . && node dist/bench/filter.js [sizeMB]
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { compileFilter } from '../src/cbpf/compile.js';
import { register } from '../src/cli/commands/filter.js';
import { writeCaptureFile } from '../src/pcap/node-file.js';
import { mixedTraffic } from './mixed-traffic.js';
import { printTable } from './table.js';

const sizeMb = Math.max(500, Number(process.argv[2] ?? 500));
const path = `/tmp/tsbpf-filter-bench-${sizeMb}MB.pcap`;
const RUNS = 3;

/** Five expressions, from one test to a few dozen instructions. */
const EXPRESSIONS = [
  'ip',
  'tcp port 443',
  'udp port 53 or tcp[tcpflags] & (tcp-syn|tcp-fin) != 0',
  '(ip and net 10.0.0.0/8 and tcp dst portrange 1000-2000) or (ip6 and udp) or arp',
  'vlan and ((ip and (src net 192.168.0.0/16 or dst host 8.8.8.8) and (tcp port 80 or tcp port 443 or ' +
    'udp port 123)) or (ip6 and (tcp port 22 or icmp6 or udp portrange 5000-6000)))',
];

async function ensureCapture(): Promise<number> {
  if (!existsSync(path) || statSync(path).size < sizeMb * 1e6) {
    const t0 = performance.now();
    const packets = await writeCaptureFile(path, mixedTraffic(sizeMb * 1e6), { format: 'pcap', linkType: 1 });
    console.log(`generated ${path}: ${packets} packets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return statSync(path).size;
}

/** `tsbpf filter EXPR FILE --count [--backend B]` in this process: [matches, seconds]. */
async function tsbpfCount(expr: string, backend = 'cbpf'): Promise<[number, number]> {
  let out = '';
  const program = new Command('tsbpf').exitOverride();
  register(program, {
    write: (text) => {
      out += text;
    },
    stdin: () => [],
    stdoutIsTTY: false,
    stderrIsTTY: false,
  });
  const t0 = performance.now();
  await program.parseAsync(['filter', expr, path, '--count', '--backend', backend], { from: 'user' });
  return [Number(out.trim()), (performance.now() - t0) / 1000];
}

/** Seconds for `tcpdump -r FILE -w /dev/null EXPR`, wall clock including process start. */
function tcpdumpSeconds(expr: string): number {
  const t0 = performance.now();
  const r = spawnSync('tcpdump', ['-r', path, '-w', '/dev/null', expr], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tcpdump failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

/** tcpdump's own count of matching packets (`--count` prints "N packets"). */
function tcpdumpCount(expr: string): number {
  const r = spawnSync('tcpdump', ['-r', path, '-w', '/dev/null', '--count', expr], { encoding: 'utf8' });
  const m = /(\d+) packets?/.exec(`${r.stdout}${r.stderr}`);
  if (!m) throw new Error(`no count from tcpdump: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

function libpcapInsnCount(expr: string): number {
  const r = spawnSync('tcpdump', ['-r', path, '-d', expr], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').length;
}

const best = async (run: () => Promise<number> | number): Promise<number> => {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) min = Math.min(min, await run());
  return min;
};

async function main(): Promise<void> {
  console.log(`tsbpf filter bench — node ${process.version}, ${new Date().toISOString()}`);
  const bytes = await ensureCapture();
  const mb = bytes / 1e6;
  const haveTcpdump = !spawnSync('tcpdump', ['--version']).error;
  if (!haveTcpdump) console.log('tcpdump is not installed: only tsbpf is timed');
  // Warm the page cache and V8 so the first row is not penalised.
  await tsbpfCount('ip');

  const rows: (string | number)[][] = [];
  const sizes: (string | number)[][] = [];
  for (const [i, expr] of EXPRESSIONS.entries()) {
    const [matched] = await tsbpfCount(expr);
    const ours = await best(async () => (await tsbpfCount(expr))[1]);
    const insns = compileFilter(expr, { linkType: 'EN10MB', optimize: true, netmask: 0 }).length;
    if (haveTcpdump) {
      const theirMatches = tcpdumpCount(expr);
      if (theirMatches !== matched) throw new Error(`${expr}: tsbpf matched ${matched}, tcpdump ${theirMatches}`);
      const theirs = await best(() => tcpdumpSeconds(expr));
      rows.push([`#${i + 1}`, String(matched), ours, mb / ours, theirs, mb / theirs, theirs / ours]);
      sizes.push([`#${i + 1}`, String(insns), String(libpcapInsnCount(expr))]);
    } else {
      rows.push([`#${i + 1}`, String(matched), ours, mb / ours, Number.NaN, Number.NaN, Number.NaN]);
      sizes.push([`#${i + 1}`, String(insns), '-']);
    }
  }
  printTable(
    `tsbpf filter EXPR --count (in-process, generated JS) vs tcpdump -r -w /dev/null EXPR, ${mb.toFixed(0)} MB, best of ${RUNS}`,
    ['expr', 'matched', 'tsbpf s', 'tsbpf MB/s', 'tcpdump s', 'tcpdump MB/s', 'tcpdump/tsbpf'],
    rows,
  );
  printTable('Instructions after optimization', ['expr', 'tsbpf', 'libpcap (tcpdump -d)'], sizes);
  console.log('');
  for (const [i, expr] of EXPRESSIONS.entries()) console.log(`#${i + 1}: ${expr}`);

  const backends: (string | number)[][] = [];
  for (const [i, expr] of EXPRESSIONS.entries()) {
    const row: (string | number)[] = [`#${i + 1}`];
    for (const backend of ['cbpf', 'vm', 'jit']) {
      const [, s] = await tsbpfCount(expr, backend);
      row.push(s, mb / s);
    }
    backends.push(row);
  }
  printTable(
    'Backends (one run each): generated JS vs eBPF translation on the VM interpreter and the JIT',
    ['expr', 'cbpf s', 'MB/s', 'vm s', 'MB/s', 'jit s', 'MB/s'],
    backends,
  );
}

await main();
