import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SKF_AD_OFF } from '../../src/cbpf/ancillary.js';
import { type CbpfInsn, jump, stmt } from '../../src/cbpf/insn.js';
import { runCbpf } from '../../src/cbpf/interpret.js';
import { cbpfToEbpf } from '../../src/cbpf/to-ebpf.js';
import { CbpfError } from '../../src/cbpf/validate.js';
import { assertWellFormed, runInsns, runTranslated } from './translate-helpers.js';

const RET_A = stmt(0x16, 0);
const RET_K = stmt(0x06, 262144);

/** An IPv4/TCP packet to port 80 with a 20-byte IP header, captured whole. */
const TCP80 = Uint8Array.from([
  ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00], // ethernet
  ...[0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], // ipv4, tcp
  ...[0x30, 0x39, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0], // tcp
]);
/** tcpdump -d 'ip and tcp dst port 80' (simplified). */
const TCP_PORT_80: CbpfInsn[] = [
  stmt(0x28, 12),
  jump(0x15, 0x800, 0, 8),
  stmt(0x30, 23),
  jump(0x15, 6, 0, 6),
  stmt(0x28, 20),
  jump(0x45, 0x1fff, 4, 0),
  stmt(0xb1, 14),
  stmt(0x48, 16),
  jump(0x15, 80, 0, 1),
  RET_K,
  stmt(0x06, 0),
];

/** Asserts interpreter == packet translation == skb translation on each packet (skb when `skb` is set). */
function agree(prog: CbpfInsn[], packets: Uint8Array[], { skb = true, wirelen = 0 } = {}): void {
  for (const p of packets) {
    const wl = Math.max(wirelen, p.length);
    const want = runCbpf(prog, p, wl);
    assert.equal(runTranslated(prog, p, wl, { mode: 'packet' }), want, `packet mode on [${p.join(',')}]`);
    if (skb) assert.equal(runTranslated(prog, p, wl), want, `skb mode on [${p.join(',')}]`);
  }
}

describe('cbpfToEbpf skb mode (bpf_convert_filter)', () => {
  it('emits the kernel prologue and maps loads to LD_ABS/LD_IND', () => {
    const insns = cbpfToEbpf(TCP_PORT_80);
    assertWellFormed(insns);
    // mov32 r0,0; mov32 r7,0; mov r6,r1 (the kernel's xor-self would read uninitialised registers)
    assert.deepEqual(insns.slice(0, 3), [
      { opcode: 0xb4, dst: 0, src: 0, off: 0, imm: 0 },
      { opcode: 0xb4, dst: 7, src: 0, off: 0, imm: 0 },
      { opcode: 0xbf, dst: 6, src: 1, off: 0, imm: 0 },
    ]);
    assert.deepEqual(insns[3], { opcode: 0x28, dst: 0, src: 0, off: 0, imm: 12 }); // ldabsh 12
    // jeq #0x800 jt 0 jf 8 becomes a single jne to the false target.
    assert.equal(insns[4]!.opcode, 0x55);
    assert.equal(insns[4]!.imm, 0x800);
    assert.ok(insns.some((i) => i.opcode === 0x48 && i.src === 7 && i.imm === 16)); // ldindh [x+16]
    assert.ok(insns.some((i) => i.opcode === 0x45 && i.imm === 0x1fff)); // jset
  });

  it('gives the interpreter verdicts on packets', () => {
    const truncated = TCP80.slice(0, 40);
    const other = TCP80.slice();
    other[37] = 81;
    agree(TCP_PORT_80, [TCP80, truncated, other, TCP80.slice(0, 10), new Uint8Array()]);
    assert.equal(runTranslated(TCP_PORT_80, TCP80, TCP80.length), 262144);
  });

  it('translates ldxb 4*([k]&0xf) with the kernel six-instruction swap', () => {
    const prog = [stmt(0x00, 9), stmt(0xb1, 14), stmt(0x87, 0), stmt(0x0c, 0), RET_A];
    agree(prog, [TCP80, TCP80.slice(0, 14)]);
    assert.equal(runTranslated(prog, TCP80, 60), 20 + 20);
  });

  it('zero-extends unsigned jump constants >= 2^31 through r2', () => {
    const prog = [stmt(0x00, 0x90000000), jump(0x25, 0x80000000, 0, 1), stmt(0x06, 1), stmt(0x06, 2)];
    const insns = cbpfToEbpf(prog);
    assert.ok(insns.some((i) => i.opcode === 0xb4 && i.dst === 2 && i.imm === (0x80000000 | 0)));
    assert.equal(runInsns(insns, new Uint8Array(), 0), 1);
    agree(prog, [new Uint8Array()]);
  });

  it('reads ancillary data from __sk_buff and calls helpers for cpu/random', () => {
    const ctx = new Uint8Array(96);
    const view = new DataView(ctx.buffer);
    view.setUint32(0, 1514, true); // len
    view.setUint32(4, 4, true); // pkt_type OUTGOING
    view.setUint32(16, 0x0008, true); // protocol, network order in memory as the kernel reads it
    view.setUint32(20, 1, true); // vlan_present
    view.setUint32(24, 0x0123, true); // vlan_tci
    view.setUint32(40, 7, true); // ifindex
    const run = (ad: number, size = 0x20) =>
      runTranslated([stmt(size, SKF_AD_OFF + ad), RET_A], new Uint8Array(), 0, { ctx, helperValue: 3 });
    assert.equal(run(0, 0x28), 0x0800);
    assert.equal(run(4, 0x28), 4);
    assert.equal(run(8), 7);
    assert.equal(run(44), 0x0123);
    assert.equal(run(48, 0x30), 1);
    assert.equal(run(36), 3);
    assert.equal(run(56), 3);
    assert.equal(runTranslated([stmt(0x80, 0), RET_A], new Uint8Array(), 0, { ctx }), 1514);
    assert.equal(
      runTranslated([stmt(0x00, 6), stmt(0x01, 3), stmt(0x20, SKF_AD_OFF + 40), RET_A], new Uint8Array(), 0),
      5,
    );
  });

  it('refuses what the kernel refuses', () => {
    assert.throws(() => cbpfToEbpf([stmt(0x60, 0), RET_A]), CbpfError);
    assert.throws(() => cbpfToEbpf([stmt(0x05, 0xffffffff), RET_A]), CbpfError);
    assert.throws(() => cbpfToEbpf([stmt(0x20, SKF_AD_OFF + 28), RET_A]), /hatype.*__sk_buff/);
    assert.throws(() => cbpfToEbpf([]), CbpfError);
  });
});

describe('cbpfToEbpf packet mode', () => {
  it('produces well-formed eBPF that never uses LD_ABS', () => {
    const insns = cbpfToEbpf(TCP_PORT_80, { mode: 'packet' });
    assertWellFormed(insns);
    assert.ok(insns.every((i) => (i.opcode & 0x07) !== 0x00));
  });

  it('bounds-checks every load width at the edge of the capture', () => {
    const p = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const code of [0x20, 0x28, 0x30]) {
      for (let k = 0; k <= 9; k++) agree([stmt(code, k), RET_A], [p, p.slice(0, 3), new Uint8Array()]);
      for (let x = 0; x <= 9; x++) {
        agree([stmt(0x01, x), stmt(code + 0x20, 1), RET_A], [p, p.slice(0, 5)], { skb: x < 8 });
      }
      // Offsets that need 32 bits and indirect offsets that would wrap in 32-bit arithmetic.
      agree([stmt(code, 0x7ffffffe), RET_A], [p], { skb: true });
      agree([stmt(code, 0xfffff000 - 4), RET_A], [p]);
      agree([stmt(0x01, 0xffffffff), stmt(code + 0x20, 2), RET_A], [p], { skb: false });
      agree([stmt(0x01, 1), stmt(code + 0x20, 0xffffffff), RET_A], [p], { skb: false });
    }
    agree([stmt(0xb1, 40000), stmt(0x87, 0), RET_A], [p, new Uint8Array(40001).fill(0x4f)]);
    agree([stmt(0x28, 40000), RET_A], [new Uint8Array(40001), new Uint8Array(40002).fill(0xab)]);
  });

  it('rejects on division by zero, gives 0 for shifts >= 32 and rejects ancillary loads', () => {
    const e = new Uint8Array();
    agree([stmt(0x00, 10), stmt(0x3c, 0), RET_A], [e]);
    agree([stmt(0x00, 10), stmt(0x01, 3), stmt(0x9c, 0), RET_A], [e]);
    for (const x of [0, 1, 31, 32, 33, 64, 0xffffffff]) {
      agree([stmt(0x00, 0x80000001), stmt(0x01, x), stmt(0x6c, 0), RET_A], [e], { skb: x < 32 });
      agree([stmt(0x00, 0x80000001), stmt(0x01, x), stmt(0x7c, 0), RET_A], [e], { skb: x < 32 });
    }
    agree([stmt(0x00, 1), stmt(0x64, 32), RET_A], [e], { skb: false });
    agree([stmt(0x00, 1), stmt(0x34, 0), RET_A], [e], { skb: false });
    agree([stmt(0x28, SKF_AD_OFF + 4), RET_A], [e, new Uint8Array(64)], { skb: false });
    agree([stmt(0x20, SKF_AD_OFF + 40), RET_A], [e], { skb: false });
  });

  it('uses r3 as the wire length, or the captured length on request', () => {
    const p = new Uint8Array(60);
    const prog = [stmt(0x80, 0), stmt(0x81, 0), stmt(0x0c, 0), RET_A];
    assert.equal(runTranslated(prog, p, 1514, { mode: 'packet' }), 3028);
    assert.equal(runTranslated(prog, p, 1514, { mode: 'packet', wirelen: 'caplen' }), 120);
  });

  it('starts scratch words at 0 where a read may precede the write', () => {
    const prog = [jump(0x15, 0, 0, 1), stmt(0x02, 5), stmt(0x60, 5), stmt(0x04, 1), RET_A];
    agree([stmt(0x00, 7), ...prog], [new Uint8Array()], { skb: false });
    agree([stmt(0x61, 15), stmt(0x87, 0), stmt(0x04, 2), RET_A], [new Uint8Array()], { skb: false });
    // A program that writes before reading needs no zeroing stores.
    const insns = cbpfToEbpf([stmt(0x02, 3), stmt(0x60, 3), RET_A], { mode: 'packet' });
    assert.ok(!insns.some((i) => i.opcode === 0x62));
  });

  it('rejects when the interpreter would: bad opcodes, M[16], jumps out of the program, falling off the end', () => {
    const e = new Uint8Array(4);
    agree([jump(0x15, 1, 0, 1), stmt(0xff, 0), RET_K], [e], { skb: false });
    agree([stmt(0x00, 1), jump(0x15, 1, 0, 1), stmt(0xff, 0), RET_K], [e], { skb: false });
    agree([stmt(0x02, 16), RET_K], [e], { skb: false });
    agree([stmt(0x05, 3), RET_K], [e], { skb: false });
    agree([jump(0x15, 0, 250, 250), RET_K], [e], { skb: false });
    agree([stmt(0x00, 3)], [e], { skb: false });
    assert.throws(() => cbpfToEbpf([], { mode: 'packet' }), CbpfError);
  });

  it('follows backward ja with the interpreter budget (64 + captured length)', () => {
    const loop = (n: number) => [
      stmt(0x00, 0),
      stmt(0x02, 0),
      stmt(0x60, 0),
      stmt(0x04, 1),
      stmt(0x02, 0),
      jump(0x35, n, 1, 0),
      stmt(0x05, -5 >>> 0),
      RET_A,
    ];
    for (const n of [1, 10, 65, 66, 75, 76, 200])
      agree(loop(n), [new Uint8Array(), new Uint8Array(10)], { skb: false });
    assert.equal(runTranslated(loop(65), new Uint8Array(), 0, { mode: 'packet' }), 65);
    assert.equal(runTranslated(loop(75), new Uint8Array(10), 10, { mode: 'packet' }), 75);
    assert.equal(runTranslated(loop(76), new Uint8Array(10), 10, { mode: 'packet' }), 0);
    agree([stmt(0x05, 0xffffffff), RET_K], [new Uint8Array()], { skb: false });
  });

  it('throws CbpfError when a jump no longer fits in 16 bits', () => {
    const body = new Array<CbpfInsn>(4000).fill(stmt(0x40, 0));
    const prog = [stmt(0x05, body.length), ...body, RET_K];
    assert.throws(() => cbpfToEbpf(prog, { mode: 'packet' }), /instruction 0: jump offset \d+ does not fit/);
  });
});
