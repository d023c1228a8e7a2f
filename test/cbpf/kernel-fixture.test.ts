/**
 * The socket-filter translation against the real kernel: test/fixtures/cbpf-kernel/ holds classic programs and
 * packets with the return values Linux's BPF_PROG_TEST_RUN gave for cbpfToEbpf's output (recorded by record.py,
 * which also proved the verifier loads every one). Here the reference evaluator, given the same __sk_buff
 * metadata, must reproduce each value, and the interpreter must too except where the kernel knowingly differs
 * from libpcap.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCbpf } from '../../src/cbpf/interpret.js';
import { runTranslated } from './translate-helpers.js';

interface KernelCase {
  name: string;
  cbpf: [number, number, number, number][];
  packets: { hex: string; kernel: number; interpreter: number }[];
}

const fixture = JSON.parse(readFileSync('test/fixtures/cbpf-kernel/kernel-socket-filter.json', 'utf8')) as {
  cases: KernelCase[];
};

/** Where Linux differs from libpcap on purpose: X + k wraps at 32 bits, register shift counts are masked. */
const KERNEL_DIFFERS = new Set(['indwrap', 'lshx33']);

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

/** The __sk_buff BPF_PROG_TEST_RUN builds for an Ethernet frame on lo. */
function skbContext(frame: Uint8Array): Uint8Array {
  const ctx = new Uint8Array(96);
  const v = new DataView(ctx.buffer);
  v.setUint32(0, frame.length - 14, true); // len
  v.setUint32(4, 3, true); // pkt_type PACKET_OTHERHOST
  v.setUint16(16, (frame[12]! << 8) | frame[13]!, false); // protocol, network byte order
  v.setUint32(40, 1, true); // ifindex
  return ctx;
}

describe('socket-filter translation vs recorded Linux results', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const prog = c.cbpf.map(([code, jt, jf, k]) => ({ code, jt, jf, k }));
      for (const p of c.packets) {
        const frame = fromHex(p.hex);
        const payload = frame.slice(14);
        const got = runTranslated(prog, payload, payload.length, { ctx: skbContext(frame) });
        assert.equal(got, p.kernel, `reference evaluator vs kernel on ${p.hex}`);
        const interp = runCbpf(prog, payload, payload.length, { protocol: 0x0800, pktType: 3, ifindex: 1 });
        assert.equal(interp, p.interpreter);
        if (!KERNEL_DIFFERS.has(c.name)) assert.equal(interp, p.kernel, `interpreter vs kernel on ${p.hex}`);
        else assert.notEqual(interp, p.kernel, 'the documented difference is still there');
      }
    });
  }
});
