/**
 * libpcap's "apply" suite (../shared/libpcap-tests/apply.jsonl, from TESTrun): compile an expression for a
 * savefile's link type and snapshot length, run it on every packet and compare each return value with what
 * libpcap's filtertest printed. The interpreter, the generated JavaScript and the packet-mode eBPF translation
 * (through the reference evaluator) must give exactly those values, unoptimized and optimized; so must the
 * socket-filter translation for the programs the kernel would accept.
 *
 * The compiler (src/cbpf/compile.ts) and the pcap reader (src/pcap/reader.ts) are other modules; while either is
 * missing the suite is skipped with the reason printed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { CbpfInsn } from '../../src/cbpf/insn.js';
import { compileCbpfInterpreter } from '../../src/cbpf/interpret.js';
import { compileCbpfToJs } from '../../src/cbpf/jsgen.js';
import { cbpfToEbpf } from '../../src/cbpf/to-ebpf.js';
import { validateCbpf } from '../../src/cbpf/validate.js';
import { runEbpfReference } from './ebpf-reference.js';

const SUITE = '../shared/libpcap-tests';

interface ApplyRecord {
  name: string;
  savefile: string;
  expr: string;
  netmask: string | null;
  results: number[];
  skip_kind: string;
}

interface Packet {
  data: Uint8Array;
  originalLength: number;
}

interface Capture {
  dlt: number;
  snaplen: number;
  packets: Packet[];
}

type CompileFilter = (
  expr: string,
  opts: {
    linkType: number | string;
    snaplen?: number;
    netmask?: number | null;
    optimize?: boolean;
    resolver?: unknown;
  },
) => CbpfInsn[];

/** Imports a module of another engineer by a path tsc does not resolve, so this file compiles without it. */
async function optionalImport(path: string): Promise<Record<string, unknown> | string> {
  try {
    return (await import(path)) as Record<string, unknown>;
  } catch (e) {
    return `${path}: ${(e as Error).message.split('\n')[0]}`;
  }
}

const compileMod = await optionalImport('../../src/cbpf/compile.js');
const readerMod = await optionalImport('../../src/pcap/reader.js');
const parserMod = await optionalImport('../../src/pcap/parser.js');
const linktypeMod = await optionalImport('../../src/pcap/linktype.js');
const nameMod = await optionalImport('../../src/cbpf/nametoaddr.js');

const missing = [compileMod, readerMod, parserMod, linktypeMod].filter((m): m is string => typeof m === 'string');
const compileFilter = typeof compileMod === 'string' ? undefined : (compileMod.compileFilter as CompileFilter);
if (missing.length === 0 && typeof compileFilter !== 'function') missing.push('compile.js exports no compileFilter');
const skipReason = missing.length > 0 ? `apply suite skipped: ${missing.join('; ')}` : undefined;
if (skipReason) console.log(skipReason);

/** The hosts/ethers/networks fixtures TESTrun installs, for the records that need them. */
function fixtureResolver(): unknown {
  if (typeof nameMod === 'string' || typeof nameMod.resolverFromFiles !== 'function') return undefined;
  const f = JSON.parse(readFileSync(`${SUITE}/resolver-fixtures.json`, 'utf8')) as Record<string, string[]>;
  const fromFiles = nameMod.resolverFromFiles as (files: Record<string, string[] | undefined>) => unknown;
  return fromFiles({ hosts: f.hosts_lines, ethers: f.ethers_lines, networks: f.networks_lines });
}

const captures = new Map<string, Capture>();
function loadCapture(savefile: string): Capture {
  const cached = captures.get(savefile);
  if (cached) return cached;
  const reader = readerMod as { capturePackets: (b: Uint8Array, o: object) => Iterable<Packet> };
  const { CaptureParser } = parserMod as {
    CaptureParser: new () => { interfaces: { linkType: number; effectiveSnaplen: number }[] };
  };
  const parser = new CaptureParser();
  const bytes = new Uint8Array(readFileSync(`${SUITE}/${savefile}`));
  const packets = [...reader.capturePackets(bytes, { parser })].map((p) => ({
    data: p.data.slice(),
    originalLength: p.originalLength,
  }));
  const iface = parser.interfaces[0];
  assert.ok(iface, `${savefile}: no interface`);
  const toDlt = (linktypeMod as { linkTypeToDlt: (l: number) => number }).linkTypeToDlt;
  const capture = { dlt: toDlt(iface.linkType), snaplen: iface.effectiveSnaplen, packets };
  captures.set(savefile, capture);
  return capture;
}

function kernelAccepts(prog: readonly CbpfInsn[]): boolean {
  try {
    validateCbpf(prog);
    return true;
  } catch {
    return false;
  }
}

const dottedQuad = (s: string): number => s.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);

const records = readFileSync(`${SUITE}/apply.jsonl`, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as ApplyRecord);

describe('libpcap apply suite through the cBPF interpreter and the eBPF translation', { skip: skipReason }, () => {
  const resolver = skipReason ? undefined : fixtureResolver();
  for (const rec of records) {
    for (const optimize of [false, true]) {
      it(`${rec.name} (${optimize ? 'optimized' : 'unoptimized'}): ${rec.expr}`, () => {
        const cap = loadCapture(rec.savefile);
        const prog = compileFilter!(rec.expr, {
          linkType: cap.dlt,
          snaplen: cap.snaplen,
          netmask: rec.netmask === null ? null : dottedQuad(rec.netmask),
          optimize,
          ...(rec.skip_kind !== '' && resolver ? { resolver } : {}),
        });
        const interp = compileCbpfInterpreter(prog);
        assert.equal(cap.packets.length, rec.results.length, 'packet count');
        const got = cap.packets.map((p) => interp(p.data, p.originalLength));
        assert.deepEqual(got, rec.results, 'interpreter');
        const js = compileCbpfToJs(prog);
        if (js)
          assert.deepEqual(
            cap.packets.map((p) => js(p.data, p.originalLength)),
            rec.results,
            'generated JavaScript',
          );
        const insns = cbpfToEbpf(prog, { mode: 'packet' });
        assert.deepEqual(
          cap.packets.map((p) =>
            Number(runEbpfReference(insns, { mode: 'packet', packet: p.data, wirelen: p.originalLength }).r0),
          ),
          rec.results,
          'packet-mode eBPF translation',
        );
        // The socket-filter translation, for the programs the kernel would load (not protochain's backward jumps).
        if (kernelAccepts(prog)) {
          const skb = cbpfToEbpf(prog);
          assert.deepEqual(
            cap.packets.map((p) =>
              Number(runEbpfReference(skb, { mode: 'skb', packet: p.data, wirelen: p.originalLength }).r0),
            ),
            rec.results,
            'skb-mode eBPF translation',
          );
        }
      });
    }
  }
});
