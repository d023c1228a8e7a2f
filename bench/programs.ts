/**
 * The benchmark programs (C sources in bench/programs/, compiled by scripts/build-bench-programs.sh as raw programs
 * and as XDP objects) with the input each runs on and an independent JavaScript computation of its expected result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchProgram {
  name: string;
  what: string;
  /** Program bytes (.text of the compiled object). */
  bytes: Uint8Array;
  input: Uint8Array;
  expected: bigint;
}

const M64 = (1n << 64n) - 1n;

/** A deterministic 1500-byte packet-like input: an Ethernet/IPv4/TCP header followed by pseudo-random payload. */
export function packetInput(size = 1500): Uint8Array {
  const p = new Uint8Array(size);
  let x = 0x12345678;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    p[i] = x & 0xff;
  }
  p.set([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00], 0);
  p.set([0x45, 0x00, 0x05, 0xc8, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  p.set([0x1f, 0x90, 0xc3, 0x50], 34);
  return p;
}

/** bench/programs beside the compiled bench (dist/bench), or under the working directory (other build dirs). */
const here = import.meta.dirname ?? new URL('.', import.meta.url).pathname;
const besideBuild = join(here, '..', '..', 'bench', 'programs');
export const programsDir = existsSync(besideBuild) ? besideBuild : join(process.cwd(), 'bench', 'programs');

function load(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(programsDir, `${name}.bin`)));
}

function sum(mem: Uint8Array): bigint {
  let s = 0n;
  for (const b of mem) s += BigInt(b);
  return s;
}

function checksum(mem: Uint8Array): bigint {
  let s = 0;
  let i = 0;
  for (; i + 1 < mem.length; i += 2) s += (mem[i]! << 8) | mem[i + 1]!;
  if (i < mem.length) s += mem[i]! << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return BigInt(~s & 0xffff);
}

function fnv1a(mem: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of mem) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M64;
  return h;
}

function xorshift(mem: Uint8Array): bigint {
  let x = mem.length >= 8 ? new DataView(mem.buffer, mem.byteOffset).getBigUint64(0, true) : 88172645463325252n;
  if (x === 0n) x = 88172645463325252n;
  let acc = 0n;
  for (let i = 0; i < 10000; i++) {
    x ^= (x << 13n) & M64;
    x ^= x >> 7n;
    x ^= (x << 17n) & M64;
    acc = (acc + x) & M64;
  }
  return acc;
}

function primes(): bigint {
  let count = 0;
  for (let n = 2; n < 2000; n++) {
    let prime = 1;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = 0;
        break;
      }
    }
    count += prime;
  }
  return BigInt(count);
}

function bswap(mem: Uint8Array): bigint {
  const view = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  let acc = 0n;
  for (let i = 0; i + 4 <= mem.length; i += 4) {
    const w = view.getUint32(i, false); // bswap32 of the little-endian word
    const v = (BigInt(w) << 16n) & M64;
    let swapped = 0n;
    for (let b = 0; b < 8; b++) swapped = (swapped << 8n) | ((v >> BigInt(8 * b)) & 0xffn);
    acc = (((acc << 1n) | (acc >> 63n)) & M64) ^ swapped;
  }
  return acc;
}

function calls(mem: Uint8Array): bigint {
  const rotl = (v: bigint, n: bigint) => ((v << (n & 63n)) | (v >> ((64n - n) & 63n))) & M64;
  let h = BigInt(mem.length);
  for (const b of mem) h = (rotl(h ^ BigInt(b), 5n) * 0x9e3779b97f4a7c15n) & M64;
  return h;
}

function parse(mem: Uint8Array): bigint {
  const len = mem.length;
  if (len < 14) return 0n;
  let off = 12;
  let proto = (mem[off]! << 8) | mem[off + 1]!;
  off += 2;
  if (proto === 0x8100 && len >= off + 4) {
    proto = (mem[off + 2]! << 8) | mem[off + 3]!;
    off += 4;
  }
  let key = BigInt(proto);
  let l4: number;
  if (proto === 0x0800) {
    if (len < off + 20) return 0n;
    const ihl = (mem[off]! & 0x0f) * 4;
    l4 = mem[off + 9]!;
    for (let i = 12; i < 20; i++) key = (key * 31n + BigInt(mem[off + i]!)) & M64;
    off += ihl;
  } else if (proto === 0x86dd) {
    if (len < off + 40) return 0n;
    l4 = mem[off + 6]!;
    for (let i = 8; i < 40; i++) key = (key * 31n + BigInt(mem[off + i]!)) & M64;
    off += 40;
  } else {
    return key;
  }
  if ((l4 === 6 || l4 === 17) && len >= off + 4) {
    key = (key * 31n + BigInt((mem[off]! << 8) | mem[off + 1]!)) & M64;
    key = (key * 31n + BigInt((mem[off + 2]! << 8) | mem[off + 3]!)) & M64;
  }
  return (key * 31n + BigInt(l4)) & M64;
}

export function benchPrograms(): BenchProgram[] {
  const packet = packetInput();
  const p = (name: string, what: string, expected: (m: Uint8Array) => bigint): BenchProgram => ({
    name,
    what,
    bytes: load(name),
    input: packet,
    expected: expected(packet.slice()),
  });
  return [
    p('empty', 'return 0', () => 0n),
    p('parse', 'Ethernet/IPv4/TCP parse', parse),
    p('sum', 'byte sum over 1500 B', sum),
    p('checksum', 'Internet checksum, 1500 B', checksum),
    p('fnv1a', 'FNV-1a hash, 1500 B', fnv1a),
    p('xorshift', 'xorshift64, 10k rounds', xorshift),
    p('primes', 'primes < 2000, trial division', primes),
    p('bswap', 'byte swaps over 1500 B', bswap),
    p('calls', 'BPF-to-BPF calls per byte', calls),
  ];
}
