import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SKF_AD_OFF } from '../../src/cbpf/ancillary.js';
import { jump, stmt } from '../../src/cbpf/insn.js';
import { compileCbpfInterpreter, runCbpf } from '../../src/cbpf/interpret.js';

const RET_A = stmt(0x16, 0);
const pkt = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
/** Runs `body` followed by `ret a` on `packet`. */
const retA = (body: ReturnType<typeof stmt>[], packet = pkt(), wirelen = packet.length): number =>
  runCbpf([...body, RET_A], packet, wirelen);

describe('cBPF interpreter: returns', () => {
  it('ret #k returns k unsigned', () => {
    assert.equal(runCbpf([stmt(0x06, 0xffffffff)], pkt()), 0xffffffff);
    assert.equal(runCbpf([stmt(0x06, 262144)], pkt()), 262144);
  });
  it('ret a returns the accumulator, which starts at 0', () => {
    assert.equal(retA([]), 0);
    assert.equal(retA([stmt(0x00, 0x80000001)]), 0x80000001);
  });
  it('an empty program or running off the end rejects', () => {
    assert.equal(runCbpf([], pkt(1)), 0);
    assert.equal(runCbpf([stmt(0x00, 5)], pkt(1)), 0);
  });
  it('an unknown opcode rejects when reached', () => {
    assert.equal(runCbpf([stmt(0xff, 0), stmt(0x06, 1)], pkt()), 0);
    assert.equal(runCbpf([jump(0x15, 0, 0, 1), stmt(0x06, 7), stmt(0xff, 0)], pkt()), 7);
  });
});

describe('cBPF interpreter: packet loads', () => {
  const p = pkt(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc);
  it('ld/ldh/ldb [k] are big endian', () => {
    assert.equal(retA([stmt(0x20, 1)], p), 0x3456789a);
    assert.equal(retA([stmt(0x20, 2)], p), 0x56789abc);
    assert.equal(retA([stmt(0x28, 4)], p), 0x9abc);
    assert.equal(retA([stmt(0x30, 5)], p), 0xbc);
    assert.equal(retA([stmt(0x20, 0)], pkt(0xff, 0xff, 0xff, 0xff)), 0xffffffff);
  });
  it('a load reaching past the captured bytes rejects even when the wire length is larger', () => {
    assert.equal(runCbpf([stmt(0x20, 3), stmt(0x06, 1)], p, 1500), 0);
    assert.equal(runCbpf([stmt(0x28, 5), stmt(0x06, 1)], p, 1500), 0);
    assert.equal(runCbpf([stmt(0x30, 6), stmt(0x06, 1)], p, 1500), 0);
    assert.equal(runCbpf([stmt(0x20, 0xfffffffe), stmt(0x06, 1)], p), 0);
  });
  it('ld/ldh/ldb [x + k] add X and reject on overflow past the end', () => {
    assert.equal(retA([stmt(0x01, 2), stmt(0x40, 0)], p), 0x56789abc);
    assert.equal(retA([stmt(0x01, 1), stmt(0x48, 3)], p), 0x9abc);
    assert.equal(retA([stmt(0x01, 5), stmt(0x50, 0)], p), 0xbc);
    assert.equal(runCbpf([stmt(0x01, 3), stmt(0x40, 0), stmt(0x06, 1)], p), 0);
    assert.equal(runCbpf([stmt(0x01, 0xffffffff), stmt(0x50, 2), stmt(0x06, 1)], p), 0);
  });
  it('ldxb 4*([k]&0xf) loads the header-length idiom into X', () => {
    assert.equal(retA([stmt(0xb1, 0), stmt(0x87, 0)], pkt(0x45)), 20);
    assert.equal(retA([stmt(0xb1, 1), stmt(0x87, 0)], pkt(0x45, 0xff)), 60);
    assert.equal(runCbpf([stmt(0xb1, 1), stmt(0x06, 1)], pkt(0x45)), 0);
  });
  it('ld #pktlen / ldx #pktlen give the wire length', () => {
    assert.equal(retA([stmt(0x80, 0)], p, 1514), 1514);
    assert.equal(retA([stmt(0x81, 0), stmt(0x87, 0)], p, 60), 60);
  });
});

describe('cBPF interpreter: immediates, scratch memory, misc', () => {
  it('ld #k, ldx #k, tax, txa', () => {
    assert.equal(retA([stmt(0x00, 7), stmt(0x07, 0), stmt(0x00, 1), stmt(0x87, 0)]), 7);
    assert.equal(retA([stmt(0x01, 9), stmt(0x87, 0)]), 9);
  });
  it('st/stx and ld/ldx M[k] round-trip; memory starts at 0 for every packet', () => {
    const prog = [stmt(0x60, 3), stmt(0x07, 0), stmt(0x00, 42), stmt(0x02, 3), stmt(0x61, 3), stmt(0x87, 0), RET_A];
    const run = compileCbpfInterpreter(prog);
    assert.equal(run(pkt(), 0), 42);
    // M[3] was written by the previous run; it must read as 0 again (the first ld sees 0: ret a = 42).
    assert.equal(retA([stmt(0x60, 3)]), 0);
    assert.equal(run(pkt(), 0), 42);
    assert.equal(retA([stmt(0x01, 5), stmt(0x03, 15), stmt(0x60, 15)]), 5);
  });
  it('M[k] with k >= 16 rejects', () => {
    assert.equal(runCbpf([stmt(0x02, 16), stmt(0x06, 1)], pkt()), 0);
    assert.equal(runCbpf([stmt(0x61, 99), stmt(0x06, 1)], pkt()), 0);
  });
});

describe('cBPF interpreter: ALU', () => {
  const alu = (a: number, op: number, k: number): number => retA([stmt(0x00, a), stmt(0x04 | op, k)]);
  const aluX = (a: number, op: number, x: number): number => retA([stmt(0x00, a), stmt(0x01, x), stmt(0x0c | op, 0)]);
  it('wraps add, sub and mul at 32 bits', () => {
    assert.equal(alu(0xffffffff, 0x00, 2), 1);
    assert.equal(alu(1, 0x10, 2), 0xffffffff);
    assert.equal(alu(0x10000, 0x20, 0x10001), 0x10000);
    assert.equal(aluX(0xdeadbeef, 0x20, 0xdeadbeef), Number((0xdeadbeefn * 0xdeadbeefn) & 0xffffffffn));
  });
  it('divides and takes remainders unsigned', () => {
    assert.equal(alu(0xffffffff, 0x30, 2), 0x7fffffff);
    assert.equal(alu(100, 0x90, 7), 2);
    assert.equal(aluX(0xfffffffe, 0x30, 0xffffffff), 0);
    assert.equal(aluX(0xfffffffe, 0x90, 0xffffffff), 0xfffffffe);
  });
  it('rejects division or modulo by zero, constant or X', () => {
    assert.equal(runCbpf([stmt(0x34, 0), stmt(0x06, 1)], pkt()), 0);
    assert.equal(runCbpf([stmt(0x94, 0), stmt(0x06, 1)], pkt()), 0);
    assert.equal(runCbpf([stmt(0x00, 5), stmt(0x3c, 0), stmt(0x06, 1)], pkt()), 0);
    assert.equal(runCbpf([stmt(0x00, 5), stmt(0x9c, 0), stmt(0x06, 1)], pkt()), 0);
  });
  it('and, or, xor, neg', () => {
    assert.equal(alu(0xf0f0f0f0, 0x50, 0xff00ff00), 0xf000f000);
    assert.equal(alu(0xf0f0f0f0, 0x40, 0x0f), 0xf0f0f0ff);
    assert.equal(aluX(0xffffffff, 0xa0, 0x0f0f0f0f), 0xf0f0f0f0);
    assert.equal(retA([stmt(0x00, 1), stmt(0x84, 0)]), 0xffffffff);
    assert.equal(retA([stmt(0x00, 0x80000000), stmt(0x84, 0)]), 0x80000000);
  });
  it('shifts by 32 or more give 0', () => {
    assert.equal(alu(0x80000001, 0x60, 1), 2);
    assert.equal(alu(0x80000001, 0x70, 31), 1);
    assert.equal(alu(1, 0x60, 32), 0);
    assert.equal(alu(0xffffffff, 0x70, 40), 0);
    assert.equal(aluX(1, 0x60, 33), 0);
    assert.equal(aluX(0xffffffff, 0x70, 0xffffffff), 0);
    assert.equal(aluX(0xffffffff, 0x70, 4), 0x0fffffff);
  });
});

describe('cBPF interpreter: jumps', () => {
  const cond = (code: number, a: number, k: number, x = 0): number =>
    runCbpf([stmt(0x00, a), stmt(0x01, x), jump(code, k, 0, 1), stmt(0x06, 1), stmt(0x06, 2)], pkt());
  it('compares unsigned against k', () => {
    assert.equal(cond(0x15, 5, 5), 1);
    assert.equal(cond(0x15, 5, 6), 2);
    assert.equal(cond(0x25, 0xffffffff, 1), 1);
    assert.equal(cond(0x25, 1, 1), 2);
    assert.equal(cond(0x35, 1, 1), 1);
    assert.equal(cond(0x35, 0, 0x80000000), 2);
    assert.equal(cond(0x45, 0x80000000, 0x80000000), 1);
    assert.equal(cond(0x45, 0x7fffffff, 0x80000000), 2);
  });
  it('compares unsigned against X', () => {
    assert.equal(cond(0x1d, 7, 0, 7), 1);
    assert.equal(cond(0x2d, 0x80000000, 0, 1), 1);
    assert.equal(cond(0x3d, 0, 0, 0xffffffff), 2);
    assert.equal(cond(0x4d, 6, 0, 1), 2);
  });
  it('ja skips forward; a jump past the end rejects', () => {
    assert.equal(runCbpf([stmt(0x05, 1), stmt(0x06, 1), stmt(0x06, 2)], pkt()), 2);
    assert.equal(runCbpf([stmt(0x05, 5), stmt(0x06, 1)], pkt()), 0);
    assert.equal(runCbpf([jump(0x15, 0, 200, 200), stmt(0x06, 1)], pkt()), 0);
  });
  it('follows backward ja up to 64 + captured-length times per packet and rejects a jump to itself', () => {
    // M[0]++ until it reaches the limit n, looping with a backward ja (ip6 protochain style).
    const loop = (n: number) => [
      stmt(0x00, 0),
      stmt(0x02, 0),
      stmt(0x60, 0), // 2: loop head
      stmt(0x04, 1),
      stmt(0x02, 0),
      jump(0x35, n, 1, 0),
      stmt(0x05, -5 >>> 0), // back to 2 (6 + 1 - 5)
      RET_A,
    ];
    assert.equal(runCbpf(loop(10), pkt()), 10);
    assert.equal(runCbpf(loop(65), pkt()), 65); // 64 backward jumps
    assert.equal(runCbpf(loop(66), pkt()), 0); // would need 65
    const ten = new Uint8Array(10);
    assert.equal(runCbpf(loop(75), ten), 75); // 74 = 64 + 10 backward jumps
    assert.equal(runCbpf(loop(76), ten), 0);
    assert.equal(runCbpf([stmt(0x05, 0xffffffff), stmt(0x06, 1)], pkt()), 0);
    assert.equal(runCbpf([stmt(0x05, -3 >>> 0), stmt(0x06, 1)], pkt()), 0);
  });
});

describe('cBPF interpreter: Linux ancillary loads', () => {
  const anc = (ad: number, size = 0x20) => [stmt(size, SKF_AD_OFF + ad), RET_A];
  it('reject without metadata, as libpcap on a savefile', () => {
    assert.equal(runCbpf(anc(4, 0x28), pkt(1, 2, 3, 4)), 0);
    assert.equal(runCbpf(anc(40), pkt(1, 2, 3, 4)), 0);
  });
  it('read the metadata when given', () => {
    const aux = { protocol: 0x86dd, pktType: 4, ifindex: 3, vlanTci: 0x0123, vlanPresent: 1, mark: 0xffffffff };
    assert.equal(runCbpf(anc(0, 0x28), pkt(), 0, aux), 0x86dd);
    assert.equal(runCbpf(anc(4, 0x30), pkt(), 0, aux), 4);
    assert.equal(runCbpf(anc(8), pkt(), 0, aux), 3);
    assert.equal(runCbpf(anc(44), pkt(), 0, aux), 0x0123);
    assert.equal(runCbpf(anc(48, 0x30), pkt(), 0, aux), 1);
    assert.equal(runCbpf(anc(20), pkt(), 0, aux), 0xffffffff);
    assert.equal(runCbpf(anc(60), pkt(), 0, aux), 0);
    // A ^= X
    assert.equal(runCbpf([stmt(0x00, 6), stmt(0x01, 3), stmt(0x20, SKF_AD_OFF + 40), RET_A], pkt(), 0, aux), 5);
    // Unknown ancillary code: the kernel would refuse the filter; the interpreter drops the packet.
    assert.equal(runCbpf(anc(64), pkt(), 0, aux), 0);
  });
});
