/**
 * The optimizer against libpcap: hand-built graphs and tcpdump's own listings (unoptimized in, optimized out),
 * the libpcap master test suite's `opt` listings, error outcomes, and a differential property (optimized and
 * unoptimized programs agree on random packets).
 *
 * Fixture test/fixtures/cbpf-optimize/tcpdump-en10mb.json was recorded with the system tcpdump:
 * `tcpdump -r ../shared/pcaps/02-sunrise-sunset-esp.pcap -O -d EXPR` (unopt) and the same without -O (opt).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SKF_AD_OFF, SKF_AD_VLAN_TAG, SKF_AD_VLAN_TAG_PRESENT } from '../../src/cbpf/ancillary.js';
import { compileFilter } from '../../src/cbpf/compile.js';
import type { CbpfInsn } from '../../src/cbpf/insn.js';
import { compileCbpfInterpreter } from '../../src/cbpf/interpret.js';
import { type Block, newBlock, newSlist, type Slist } from '../../src/cbpf/ir.js';
import { icodeToFcode as linearize } from '../../src/cbpf/linearize.js';
import { OptimizerError, optimize } from '../../src/cbpf/optimize.js';
import { graphFromProgram, parseListing, sameProgram } from './optimize-listing.js';

/** A statement list from [code, k] pairs. */
function stmts(...list: [number, number][]): Slist | null {
  let head: Slist | null = null;
  let tail: Slist | null = null;
  for (const [code, k] of list) {
    const s = newSlist(code, k);
    if (tail) tail.next = s;
    else head = s;
    tail = s;
  }
  return head;
}

/** A block: statements, then `code #k` branching to `jt` / `jf`. */
function block(list: Slist | null, code: number, k: number, jt: Block, jf: Block): Block {
  const b = newBlock(code, k);
  b.stmts = list;
  b.et.succ = jt;
  b.ef.succ = jf;
  return b;
}

const ret = (k: number): Block => newBlock(0x06, k);
const LDH = 0x28;
const LDB = 0x30;
const JEQ = 0x15;

function optimizedListing(root: Block): CbpfInsn[] {
  return linearize(optimize(root));
}

function assertProgram(actual: CbpfInsn[], listing: string): void {
  assert.ok(sameProgram(actual, parseListing(listing)), `got ${JSON.stringify(actual)}`);
}

describe('optimize: hand-built graphs', () => {
  it('ip and tcp: drops the repeated ethertype test and the unreachable IPv6 branch', () => {
    // The shape libpcap's code generator emits for `ip and tcp` on Ethernet (tcpdump -O -d).
    const accept = ret(1536);
    const reject = ret(0);
    const ip6ext = block(stmts([LDB, 54]), JEQ, 6, accept, reject);
    const ip6frag = block(stmts([LDB, 20]), JEQ, 0x2c, ip6ext, reject);
    const ip6tcp = block(stmts([LDB, 20]), JEQ, 6, accept, ip6frag);
    const ip6 = block(stmts([LDH, 12]), JEQ, 0x86dd, ip6tcp, reject);
    const ip4tcp = block(stmts([LDB, 23]), JEQ, 6, accept, ip6);
    const ip4 = block(stmts([LDH, 12]), JEQ, 0x800, ip4tcp, ip6);
    const root = block(stmts([LDH, 12]), JEQ, 0x800, ip4, reject);
    assertProgram(
      optimizedListing(root),
      `(000) ldh      [12]
(001) jeq      #0x800           jt 2	jf 5
(002) ldb      [23]
(003) jeq      #0x6             jt 4	jf 5
(004) ret      #1536
(005) ret      #0`,
    );
  });

  it('turns `and #k; jeq #0` into jset, `ld [x + k]` with a known x into `ld [k]`, and drops the dead ldx', () => {
    const accept = ret(100);
    const reject = ret(0);
    // ldx #14; ldh [x + 2]; and #0x10; jeq #0
    const root = block(stmts([0x01, 14], [0x48, 2], [0x54, 0x10]), JEQ, 0, accept, reject);
    assertProgram(
      optimizedListing(root),
      `(000) ldh      [16]
(001) jset     #0x10            jt 2	jf 3
(002) ret      #0
(003) ret      #100`,
    );
  });

  it('folds constant arithmetic through scratch memory once statements are rewritten', () => {
    const accept = ret(100);
    const reject = ret(0);
    // ld #3; add #4; st M[5]; ldb [0]; ld M[5]; jeq #7: always true, and the packet load is dead.
    const root = block(stmts([0x00, 3], [0x04, 4], [0x02, 5], [LDB, 0], [0x60, 5]), JEQ, 7, accept, reject);
    assertProgram(optimizedListing(root), '(000) ret      #100');
  });

  it('handles jumps local to a block (the vlan 10 program with Linux extensions)', () => {
    // libpcap master's unoptimized and optimized listings for `vlan 10` (accept suite, linuxext).
    const vlanp = SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT;
    const tci = SKF_AD_OFF + SKF_AD_VLAN_TAG;
    const accept = ret(262144);
    const reject = ret(0);
    const tciLoad = newSlist(0x28, tci);
    const payloadLoad = newSlist(0x28, 14);
    const localJeq = newSlist(0x15, 1);
    localJeq.s.jt = tciLoad;
    localJeq.s.jf = payloadLoad;
    const ja = newSlist(0x05, 1);
    const head = newSlist(0x30, vlanp);
    head.next = localJeq;
    localJeq.next = tciLoad;
    tciLoad.next = ja;
    ja.next = payloadLoad;
    payloadLoad.next = newSlist(0x54, 0xfff);
    const vid = block(head, JEQ, 10, accept, reject);
    const qinq2 = block(stmts([LDH, 12]), JEQ, 0x9100, vid, reject);
    const qinq1 = block(stmts([LDH, 12]), JEQ, 0x88a8, vid, qinq2);
    const tag = block(
      stmts([0x60, 0], [0x04, 4], [0x02, 0], [0x60, 1], [0x04, 4], [0x02, 1], [LDH, 12]),
      JEQ,
      0x8100,
      vid,
      qinq1,
    );
    const root = block(stmts([0x00, 0], [0x02, 0], [0x02, 1], [0x30, vlanp]), JEQ, 1, vid, tag);
    assertProgram(
      optimizedListing(root),
      `(000) ldb      [vlanp]
(001) jeq      #0x1             jt 6	jf 2
(002) ldh      [12]
(003) jeq      #0x8100          jt 6	jf 4
(004) jeq      #0x88a8          jt 6	jf 5
(005) jeq      #0x9100          jt 6	jf 14
(006) ldb      [vlanp]
(007) jeq      #0x1             jt 8	jf 10
(008) ldh      [vlan_tci]
(009) ja       11
(010) ldh      [14]
(011) and      #0xfff
(012) jeq      #0xa             jt 13	jf 14
(013) ret      #262144
(014) ret      #0`,
    );
  });
});

describe('optimize: outcomes libpcap reports as errors', () => {
  const accept = (): Block => ret(100);
  const reject = (): Block => ret(0);

  it('a filter that can never match: "expression rejects all packets"', () => {
    const root = block(stmts([0x00, 1]), JEQ, 2, accept(), reject());
    assert.throws(
      () => optimize(root),
      (e: unknown) => {
        return e instanceof OptimizerError && e.message === 'expression rejects all packets';
      },
    );
  });

  it('constant division and modulus by zero, shifts by more than 31 bits', () => {
    const cases: [[number, number][], string][] = [
      [
        [
          [LDB, 0],
          [0x34, 0],
        ],
        'division by zero',
      ],
      [
        [
          [LDB, 0],
          [0x94, 0],
        ],
        'modulus by zero',
      ],
      [
        [
          [0x00, 7],
          [0x01, 0],
          [0x3c, 0],
        ],
        'division by zero',
      ],
      [
        [
          [LDB, 0],
          [0x01, 40],
          [0x6c, 0],
        ],
        'shift by more than 31 bits',
      ],
    ];
    for (const [list, message] of cases) {
      const root = block(stmts(...list), JEQ, 1, accept(), reject());
      assert.throws(() => optimize(root), { name: 'OptimizerError', message });
    }
  });

  it('a filter that always matches becomes a bare return', () => {
    const root = block(stmts([0x00, 1]), JEQ, 1, accept(), reject());
    assertProgram(optimizedListing(root), '(000) ret      #100');
  });
});

interface TcpdumpCase {
  expr: string;
  unopt: string;
  opt: string;
}

describe('optimize: same programs as tcpdump -d', () => {
  const fixture = JSON.parse(readFileSync('test/fixtures/cbpf-optimize/tcpdump-en10mb.json', 'utf8')) as {
    cases: TcpdumpCase[];
  };
  for (const c of fixture.cases) {
    it(c.expr.length > 60 ? `${c.expr.slice(0, 57)}...` : c.expr, () => {
      const unopt = parseListing(c.unopt);
      assertProgram(optimizedListing(graphFromProgram(unopt)), c.opt);
    });
  }
});

interface AcceptRecord {
  block: string;
  DLT: string;
  expr: string;
  opt: string | null;
  unopt: string | null;
  snaplen: number;
  netmask: number | null;
  linuxext: boolean;
  offline: 'unswapped' | 'swapped' | null;
  skip_kind: string;
}

/** Accept-suite records whose unoptimized program rebuilds into a graph that lays out to the same program. */
function rebuildableRecords(): { record: AcceptRecord; unopt: CbpfInsn[] }[] {
  const lines = readFileSync('../shared/libpcap-tests/accept.jsonl', 'utf8').trim().split('\n');
  const out: { record: AcceptRecord; unopt: CbpfInsn[] }[] = [];
  for (const line of lines) {
    const record = JSON.parse(line) as AcceptRecord;
    if (record.unopt === null || record.block === 'bpf_image') continue;
    try {
      const unopt = parseListing(record.unopt);
      // Programs with block-local jumps (802.11 header lengths, protochain) cannot be rebuilt from a listing.
      if (sameProgram(linearize(graphFromProgram(unopt)), unopt)) out.push({ record, unopt });
    } catch {
      // a listing this helper cannot turn back into a block graph: not part of the rebuilt-graph comparison
    }
  }
  return out;
}

const suite = rebuildableRecords();

describe('optimize: libpcap master test suite (accept.jsonl opt listings)', () => {
  it('reproduces the optimized listing or the rejection of every rebuildable record', () => {
    let matched = 0;
    let rejected = 0;
    const differing: string[] = [];
    for (const { record, unopt } of suite) {
      let result: CbpfInsn[] | string;
      try {
        result = linearize(optimize(graphFromProgram(unopt)));
      } catch (e) {
        if (!(e instanceof OptimizerError)) throw e;
        result = e.message;
      }
      if (record.opt === null) {
        if (result === 'expression rejects all packets') rejected++;
        else differing.push(`${record.DLT} ${record.expr}: expected a rejection`);
      } else if (typeof result !== 'string' && sameProgram(result, parseListing(record.opt))) {
        matched++;
      } else if (record.opt !== record.unopt) {
        differing.push(`${record.DLT} ${record.expr}: ${typeof result === 'string' ? result : 'differs'}`);
      }
      // opt === unopt with a different result: libpcap did not run the optimizer (the code generator sets
      // no_optimize, e.g. for radio headers); such records say nothing about the optimizer.
    }
    const share = (matched + rejected) / suite.length;
    console.log(
      `optimizer vs libpcap master: ${matched} listings + ${rejected} rejections of ${suite.length} rebuildable ` +
        `records (${(share * 100).toFixed(2)}%)`,
    );
    assert.deepEqual(differing, []);
    assert.ok(suite.length >= 2000, `only ${suite.length} records rebuilt`);
    assert.ok(share >= 0.999, `share ${share}`);
  });
});

describe('optimize: through compileFilter (the whole libpcap pipeline)', () => {
  it("optimizes to libpcap's listing whenever the generated unoptimized program is libpcap's", () => {
    const lines = readFileSync('../shared/libpcap-tests/accept.jsonl', 'utf8').trim().split('\n');
    let generated = 0;
    let optimized = 0;
    const differing: string[] = [];
    for (const line of lines) {
      const r = JSON.parse(line) as AcceptRecord;
      if (r.skip_kind !== '' || r.block === 'bpf_image' || r.unopt === null) continue;
      const opts = {
        linkType: r.DLT,
        snaplen: r.snaplen,
        netmask: r.netmask,
        linuxExtensions: r.linuxext,
        source: r.offline ?? ('live' as const),
      };
      let unopt: CbpfInsn[];
      try {
        unopt = compileFilter(r.expr, opts);
      } catch {
        continue; // the code generator's business, tested with it
      }
      if (!sameProgram(unopt, parseListing(r.unopt))) continue;
      generated++;
      let result: CbpfInsn[] | string;
      try {
        result = compileFilter(r.expr, { ...opts, optimize: true });
      } catch (e) {
        result = (e as Error).message;
      }
      const ok =
        r.opt === null
          ? result === 'expression rejects all packets'
          : typeof result !== 'string' && sameProgram(result, parseListing(r.opt));
      if (ok) optimized++;
      else differing.push(`${r.DLT} ${r.expr}: ${typeof result === 'string' ? result : 'differs'}`);
    }
    console.log(`compileFilter -O vs libpcap master: ${optimized} of ${generated} records`);
    assert.deepEqual(differing, []);
    assert.ok(generated > 1000, `only ${generated} records generated as libpcap does`);
  });
});

/**
 * (offset, width, value) triples the program compares absolute loads against, so random packets hit the
 * interesting paths instead of failing the first test.
 */
function comparisonHints(prog: readonly CbpfInsn[]): [number, number, number][] {
  const hints: [number, number, number][] = [];
  for (let i = 0; i + 1 < prog.length; i++) {
    const c = prog[i]!.code;
    if (c !== 0x20 && c !== 0x28 && c !== 0x30) continue;
    let j = i + 1;
    if (prog[j]!.code === 0x54) j++;
    const test = prog[j];
    if (test && (test.code & 0xf7) === 0x15) hints.push([prog[i]!.k, c === 0x20 ? 4 : c === 0x28 ? 2 : 1, test.k]);
  }
  return hints;
}

describe('optimize: optimized and unoptimized programs agree', () => {
  const candidates = suite.filter(({ record }) => record.opt !== null && record.opt !== record.unopt);
  const programs = candidates.map(({ unopt }) => {
    const optimized = linearize(optimize(graphFromProgram(unopt)));
    return {
      unopt: compileCbpfInterpreter(unopt),
      opt: compileCbpfInterpreter(optimized),
      hints: comparisonHints(unopt),
    };
  });

  it('on random packets long enough for every load (the optimizer may reorder loads)', () => {
    assert.ok(programs.length > 500);
    fc.assert(
      fc.property(
        fc.nat({ max: programs.length - 1 }),
        fc.uint8Array({ minLength: 512, maxLength: 640 }),
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        fc.nat({ max: 0xffff }),
        (index, packet, useHint, extraLen) => {
          const p = programs[index]!;
          p.hints.forEach(([offset, width, value], h) => {
            if (!useHint[h % 64]) return;
            for (let b = 0; b < width; b++) packet[offset + b] = (value >>> (8 * (width - 1 - b))) & 0xff;
          });
          const wirelen = packet.length + (extraLen & 1 ? extraLen : 0);
          assert.equal(p.opt(packet, wirelen), p.unopt(packet, wirelen));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
