/**
 * BTF benchmark: parses /sys/kernel/btf/vmlinux (or the file given as the first argument) and prints one table
 * row: type count, cold and median parse time, raw and C dump times, and peak memory. Target: parse <= 200 ms.
 * Run: `node dist/bench/btf.js [FILE]`, or through bench/index.ts as `benchBtf()`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatBtfC } from '../src/btf/format-c.js';
import { formatBtfRaw } from '../src/btf/format-raw.js';
import { parseBtf } from '../src/btf/parse.js';

export interface BtfBenchRow {
  file: string;
  bytes: number;
  types: number;
  coldParseMs: number;
  medianParseMs: number;
  rawDumpMs: number;
  cDumpMs: number;
  heapAfterParseMb: number;
  peakRssMb: number;
}

export function benchBtf(file = '/sys/kernel/btf/vmlinux', runs = 10): BtfBenchRow | undefined {
  if (!existsSync(file)) return undefined;
  const buffer = readFileSync(file);
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const before = process.memoryUsage();
  let t = performance.now();
  let btf = parseBtf(bytes);
  const coldParseMs = performance.now() - t;
  const after = process.memoryUsage();
  // Types live in typed arrays (ArrayBuffers, outside the JS heap), so both count.
  const heapAfterParseMb = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / 2 ** 20;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    btf = parseBtf(bytes);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  t = performance.now();
  formatBtfRaw(btf);
  const rawDumpMs = performance.now() - t;
  t = performance.now();
  formatBtfC(btf);
  const cDumpMs = performance.now() - t;
  return {
    file,
    bytes: bytes.length,
    types: btf.typeCount - 1,
    coldParseMs,
    medianParseMs: times[times.length >> 1]!,
    rawDumpMs,
    cDumpMs,
    heapAfterParseMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

export function formatBtfBenchTable(row: BtfBenchRow): string {
  const f = (n: number) => n.toFixed(1);
  return [
    '| file | MB | types | parse cold ms | parse median ms | raw dump ms | C dump ms | memory held after parse MB | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${row.file} | ${f(row.bytes / 2 ** 20)} | ${row.types} | ${f(row.coldParseMs)} | ${f(row.medianParseMs)} | ` +
      `${f(row.rawDumpMs)} | ${f(row.cDumpMs)} | ${f(row.heapAfterParseMb)} | ${f(row.peakRssMb)} |`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const row = benchBtf(process.argv[2]);
  if (row) console.log(formatBtfBenchTable(row));
  else console.log(`btf bench skipped: ${process.argv[2] ?? '/sys/kernel/btf/vmlinux'} is missing`);
}
