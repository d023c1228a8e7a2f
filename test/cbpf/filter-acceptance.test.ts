/**
 * Acceptance for `tsbpf filter --backend vm|jit`: for every expression of libpcap's accept suite that runs
 * anywhere (skip_kind "") on DLT_EN10MB, the classic program (optimized, and unoptimized) must match exactly the
 * same packets when run by
 * - the classic interpreter (libpcap's semantics: the oracle),
 * - the generated JavaScript (the CLI's default `cbpf` backend),
 * - its packet-mode eBPF translation on the VM interpreter, through the CLI's own matcher (filter-matcher.ts),
 * - the same translation on the WebAssembly JIT,
 * over every packet of every Ethernet capture in ../shared/pcaps (all of them, no sampling: about 1200 packets
 * from 76 files, 360 expressions, two programs each). Many records are aliases that compile to the same
 * instructions (718 programs, 189 distinct); each distinct program runs once, labelled by its first record.
 * Verdicts are compared as values, not just as match/no match, so the snapshot length returned must agree too.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileFilter } from '../../src/cbpf/compile.js';
import type { CbpfInsn } from '../../src/cbpf/insn.js';
import { compileCbpfInterpreter } from '../../src/cbpf/interpret.js';
import { compileCbpf } from '../../src/cbpf/jsgen.js';
import { loadMatcherFactory, type PacketMatcher } from '../../src/cli/filter-matcher.js';
import { CaptureParser } from '../../src/pcap/parser.js';

const PCAPS = '../shared/pcaps';
const ACCEPT = '../shared/libpcap-tests/accept.jsonl';
const LINKTYPE_ETHERNET = 1;

interface AcceptRecord {
  block: string;
  DLT: string;
  expr: string;
  snaplen: number;
  netmask: string | null;
  linuxext: boolean;
  opt: string | null;
  unopt: string | null;
  skip_kind: string;
}

interface Packet {
  file: string;
  number: number;
  data: Uint8Array;
  wirelen: number;
}

/** Every Ethernet packet of every readable capture (a file that fails part-way keeps the packets before). */
function ethernetPackets(): Packet[] {
  const out: Packet[] = [];
  for (const file of readdirSync(PCAPS).sort()) {
    if (!/\.pcap(ng)?$/.test(file)) continue;
    const parser = new CaptureParser({ source: file });
    parser.push(new Uint8Array(readFileSync(join(PCAPS, file))));
    parser.end();
    try {
      for (let p = parser.next(); p !== null; p = parser.next()) {
        if (p.linkType === LINKTYPE_ETHERNET) {
          out.push({ file, number: p.index + 1, data: p.data, wirelen: p.originalLength });
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'PcapError') throw err;
    }
  }
  return out;
}

function parseNetmask(text: string | null): number | null {
  if (text === null) return null;
  const [a, b, c, d] = text.split('.').map(Number);
  return ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0;
}

interface Case {
  label: string;
  prog: CbpfInsn[];
}

/** The distinct programs under test: each runnable record, optimized (when libpcap's optimizer accepts it) and not. */
function cases(): Case[] {
  const out: Case[] = [];
  const seen = new Set<string>();
  for (const line of readFileSync(ACCEPT, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as AcceptRecord;
    if (r.DLT !== 'EN10MB' || r.skip_kind !== '' || r.expr.startsWith('_')) continue;
    for (const optimize of [true, false]) {
      if ((optimize ? r.opt : r.unopt) === null) continue;
      const prog = compileFilter(r.expr, {
        linkType: 'EN10MB',
        snaplen: r.snaplen,
        netmask: parseNetmask(r.netmask),
        linuxExtensions: r.linuxext,
        optimize,
      });
      const key = prog.map((i) => `${i.code},${i.jt},${i.jf},${i.k}`).join(';');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ label: `${r.block} '${r.expr}' (${optimize ? 'optimized' : 'unoptimized'})`, prog });
    }
  }
  return out;
}

interface Tally {
  compared: number;
  matched: number;
}

/** Runs every case on every packet with `make` and the interpreter; counts the verdicts compared and matches. */
function compareAll(all: Case[], packets: Packet[], make: (prog: CbpfInsn[]) => PacketMatcher): Tally {
  let compared = 0;
  let matched = 0;
  for (const c of all) {
    const oracle = compileCbpfInterpreter(c.prog);
    const subject = make(c.prog);
    for (const p of packets) {
      const want = oracle(p.data, p.wirelen);
      const got = subject(p.data, p.wirelen);
      if (got !== want) {
        assert.fail(`${c.label} on ${p.file} packet ${p.number}: got ${got}, the classic interpreter gives ${want}`);
      }
      compared++;
      if (want !== 0) matched++;
    }
  }
  return { compared, matched };
}

/** Both outcomes must be common, or the comparison would prove little. */
function assertBalanced(t: Tally): void {
  assert.ok(t.compared > 200_000, `only ${t.compared} verdicts compared`);
  assert.ok(t.matched > t.compared / 50 && t.matched < t.compared / 2, `${t.matched} of ${t.compared} matched`);
}

describe('filter acceptance: libpcap accept suite on every Ethernet capture', () => {
  const packets = ethernetPackets();
  const all = cases();

  it('reads the corpus it claims to cover', () => {
    assert.ok(packets.length >= 1000, `only ${packets.length} Ethernet packets`);
    assert.ok(all.length >= 150, `only ${all.length} distinct programs`);
  });

  it('generated JavaScript (backend cbpf) gives the interpreter verdicts', () => {
    assertBalanced(compareAll(all, packets, compileCbpf));
  });

  it('eBPF packet-mode translation on the VM (backend vm) gives the interpreter verdicts', async () => {
    const vm = await loadMatcherFactory('vm');
    assertBalanced(compareAll(all, packets, vm));
  });

  it('eBPF packet-mode translation on the JIT (backend jit) gives the interpreter verdicts', async () => {
    const jit = await loadMatcherFactory('jit');
    assertBalanced(compareAll(all, packets, jit));
  });
});
