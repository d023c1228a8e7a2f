import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { MapType } from '../../src/maps/types.js';
import { SK_BUFF } from '../../src/vm/progtypes/skb.js';
import { map, object, program } from './spec-builder.js';
import { onEachBackend } from './backends.js';

onEachBackend((loadCollection) => {
  /** An Ethernet + IPv4 + UDP frame of `payload` bytes. */
  function udpFrame(payload = 8, dst = [0x02, 0, 0, 0, 0, 1]): Uint8Array {
    const f = new Uint8Array(14 + 20 + 8 + payload);
    f.set(dst, 0);
    f.set([0x02, 0, 0, 0, 0, 2], 6);
    f.set([0x08, 0x00], 12);
    f[14] = 0x45;
    f[16] = (20 + 8 + payload) >> 8;
    f[17] = (20 + 8 + payload) & 0xff;
    f[23] = 17;
    return f;
  }

  const ctxProgram = (type: 'SOCKET_FILTER' | 'SCHED_CLS' | 'XDP', section: string, body: string) =>
    loadCollection(object([program('p', section, type, body)])).program('p');

  describe('__sk_buff context', () => {
    it('len, protocol (network order) and pkt_type as the kernel test run sets them', () => {
      const read = (field: string) =>
        ctxProgram('SOCKET_FILTER', 'socket', `r0 = *(u32 *)(r1 + ${SK_BUFF.field(field).offset})\nexit`).run({
          data: udpFrame(),
        }).r0!;
      assert.equal(read('len'), 36n); // the test run pulls the Ethernet header
      assert.equal(read('protocol'), 0x0008n); // htons(ETH_P_IP) read as a host u32
      assert.equal(read('pkt_type'), 3n); // PACKET_OTHERHOST: not the loopback device's address
    });
    it('data and data_end are real pointers: direct packet access works', () => {
      const p = ctxProgram(
        'SCHED_CLS',
        'tc',
        `r2 = *(u32 *)(r1 + 76)
        r3 = *(u32 *)(r1 + 80)
        r4 = r2
        r4 += 24
        if r4 > r3 goto drop
        r0 = *(u8 *)(r2 + 23)
        exit
      drop:
        r0 = 2
        exit`,
      );
      const r = p.run({ data: udpFrame() });
      assert.equal(r.r0!, 17n); // tc sees the Ethernet header: IP protocol at 14 + 9
      assert.equal(r.ctx!.length, 192);
      assert.equal(new DataView(r.ctx!.buffer).getUint32(76, true), 0, 'pointers cleared in the returned ctx');
    });
    it('LD_ABS reads the packet; out of bounds ends the program with 0', () => {
      const p = ctxProgram(
        'SOCKET_FILTER',
        'socket',
        'r6 = r1\nr0 = *(u8 *)skb[9]\nr0 = *(u16 *)skb[2000]\nr0 = 5\nexit',
      );
      assert.equal(p.run({ data: udpFrame() }).r0!, 0n);
      const q = ctxProgram('SOCKET_FILTER', 'socket', 'r6 = r1\nr0 = *(u8 *)skb[9]\nexit');
      assert.equal(q.run({ data: udpFrame() }).r0!, 17n);
    });
    it('settable fields come from ctx and back; others are refused like the kernel', () => {
      const p = ctxProgram('SCHED_CLS', 'tc', 'r2 = *(u32 *)(r1 + 8)\nr2 += 1\n*(u32 *)(r1 + 8) = r2\nr0 = r2\nexit');
      const r = p.run({ data: udpFrame(), ctx: { mark: 41 } });
      assert.equal(r.r0!, 42n);
      assert.equal(SK_BUFF.decode(r.ctx!).mark, 42);
      assert.throws(() => p.run({ data: udpFrame(), ctx: { len: 3 } }), InputError);
      assert.throws(() => p.run({ data: new Uint8Array(10) }), /Ethernet header/);
    });
    it('bpf_redirect in tc returns TC_ACT_REDIRECT and is recorded', () => {
      const p = ctxProgram('SCHED_CLS', 'tc', 'r1 = 3\nr2 = 0\ncall 23\nexit');
      const r = p.run({ data: udpFrame() });
      assert.equal(r.r0!, 7n);
      assert.deepEqual(r.redirect, { kind: 'ifindex', ifindex: 3, flags: 0 });
    });
  });

  describe('XDP', () => {
    it('adjust_head grows into the 256-byte headroom (minus the xdp_frame) and not further', () => {
      const grow = (delta: number) =>
        ctxProgram('XDP', 'xdp', `r6 = r1\nr2 = ${delta}\ncall 44\nif r0 != 0 goto out\nr0 = 2\nout:\nexit`).run({
          data: udpFrame(),
        });
      const ok = grow(-216);
      assert.equal(ok.r0!, 2n);
      assert.equal(ok.data!.length, udpFrame().length + 216);
      assert.equal(BigInt.asIntN(64, grow(-217).r0!), -22n);
      assert.equal(grow(28).data!.length, udpFrame().length - 28);
    });
    it('adjust_tail shrinks, grows with zeroes up to the frame, never below an Ethernet header', () => {
      const tail = (delta: number) =>
        ctxProgram('XDP', 'xdp', `r2 = ${delta}\ncall 65\nif r0 != 0 goto out\nr0 = 3\nout:\nexit`).run({
          data: udpFrame(0),
        });
      const len = udpFrame(0).length;
      assert.equal(tail(-10).data!.length, len - 10);
      const grown = tail(100);
      assert.equal(grown.r0!, 3n);
      assert.deepEqual([...grown.data!.subarray(len)], new Array(100).fill(0));
      assert.equal(BigInt.asIntN(64, tail(-(len - 13)).r0!), -22n);
      // the kernel's test run frame: data may end 3520 bytes after it starts (4096 - 256 headroom - 320 tail reserve)
      assert.equal(tail(3520 - len).data!.length, 3520);
      assert.equal(BigInt.asIntN(64, tail(3521 - len).r0!), -22n);
    });
    it('xdp_md data/data_end bound the packet; ingress_ifindex is the loopback device', () => {
      const p = ctxProgram(
        'XDP',
        'xdp',
        `r2 = *(u32 *)(r1 + 0)
        r3 = *(u32 *)(r1 + 4)
        r0 = r3
        r0 -= r2
        r4 = *(u32 *)(r1 + 12)
        r4 <<= 16
        r0 |= r4
        exit`,
      );
      const r = p.run({ data: udpFrame(10) });
      assert.equal(r.r0!, (1n << 16n) | 52n);
      assert.deepEqual([...r.ctx!.subarray(0, 8)], [0, 0, 0, 0, 52, 0, 0, 0]);
    });
  });

  describe('tracing contexts and events', () => {
    it('kprobe arguments land in pt_regs di, si (PT_REGS_PARM1/2); the context is read-only', () => {
      const c = loadCollection(
        object([
          program(
            'probe',
            'kprobe/do_unlinkat',
            'KPROBE',
            'r0 = *(u64 *)(r1 + 112)\nr2 = *(u64 *)(r1 + 104)\nr0 += r2\nexit',
          ),
          program('writer', 'kprobe/x', 'KPROBE', 'r2 = 1\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit'),
        ]),
      );
      c.program('probe').attach();
      assert.deepEqual(c.events.fire('kprobe', 'do_unlinkat', { args: [40, 2] }), [{ program: 'probe', retval: 42n }]);
      assert.deepEqual(c.events.fire('kprobe', 'other', { args: [1] }), []);
      assert.throws(() => c.program('writer').run({ ctx: { di: 1 } }), /invalid write/);
    });
    it('tracepoint records use the format: execve filename pointer and trace_printk on the trace pipe', async () => {
      // bpf_printk("exec %s", ctx->filename) with the format on the stack
      const c = loadCollection(
        object([
          program(
            'tp',
            'tracepoint/syscalls/sys_enter_execve',
            'TRACEPOINT',
            `r3 = *(u64 *)(r1 + 16)
            r1 = 0x7325206365786500 ll
            r1 >>= 8
            *(u64 *)(r10 - 8) = r1
            r1 = r10
            r1 += -8
            r2 = 8
            call 6
            r0 = 0
            exit`,
          ),
        ]),
        { clock: () => 1_500_000_000n },
      );
      c.program('tp').attach();
      c.events.fire('tracepoint', 'syscalls/sys_enter_execve', { filename: '/bin/ls' }, { pid: 99, comm: 'sh', cpu: 0 });
      const lines = c.tracePipe();
      const first = await lines.next();
      assert.match(first.value as string, /^ +sh-99 +\[000\] .* 1\.500000: bpf_trace_printk: exec \/bin\/ls$/);
    });
    it('raw tracepoint args and cgroup sock fields', () => {
      const c = loadCollection(
        object([
          program('raw', 'raw_tp/sched_switch', 'RAW_TRACEPOINT', 'r0 = *(u64 *)(r1 + 8)\nexit'),
          program('sock', 'cgroup/sock_create', 'CGROUP_SOCK', 'r0 = *(u32 *)(r1 + 4)\nexit'),
        ]),
      );
      c.program('raw').attach();
      assert.deepEqual(c.events.fire('raw_tracepoint', 'sched_switch', [1n, 77n]), [{ program: 'raw', retval: 77n }]);
      assert.equal(c.program('sock').run({ ctx: { family: 10 } }).r0!, 10n);
    });
    it('attached socket filters see packets with the Ethernet header (packet socket)', () => {
      const c = loadCollection(
        object(
          [program('s', 'socket', 'SOCKET_FILTER', 'r6 = r1\nr0 = *(u8 *)skb[23]\nexit')],
          [map('unused', MapType.ARRAY, 4, 4, 1)],
        ),
      );
      const link = c.program('s').attach();
      assert.deepEqual(c.events.fire('socket', '*', udpFrame()), [{ program: 's', retval: 17n }]);
      link.close();
      assert.deepEqual(c.events.fire('socket', '*', udpFrame()), []);
    });
  });

  describe('packet helpers', () => {
    it('skb_load_bytes copies from the packet; past the end it zeroes and gives -EFAULT', () => {
      const load = (offset: number) =>
        ctxProgram(
          'SCHED_CLS',
          'tc',
          `r2 = ${offset}
          r3 = r10
          r3 += -8
          r4 = 2
          call 26
          r1 = *(u16 *)(r10 - 8)
          r0 <<= 16
          r0 |= r1
          exit`,
        ).run({ data: udpFrame() }).r0!;
      assert.equal(load(12), 0x0008n); // the EtherType bytes 08 00, read little endian
      assert.equal(BigInt.asUintN(32, load(49)) >> 16n, BigInt.asUintN(16, -14n));
    });
    it('redirect_map sends to a present key, else returns the flags action', () => {
      const c = loadCollection(
        object(
          [
            program(
              'x',
              'xdp',
              'XDP',
              `r1 = map:ports ll
              r2 = *(u32 *)(r1 + 0)
              r1 = map:ports ll
              r2 = 1
              r3 = 2
              call 51
              exit`,
            ),
            program('y', 'xdp', 'XDP', 'r1 = map:ports ll\nr2 = 9\nr3 = 2\ncall 51\nexit'),
            program('z', 'xdp', 'XDP', 'r1 = map:ports ll\nr2 = 1\nr3 = 2\ncall 51\nexit'),
          ],
          [map('ports', MapType.DEVMAP, 4, 4, 4)],
        ),
      );
      c.map('ports').update(Uint8Array.of(1, 0, 0, 0), Uint8Array.of(3, 0, 0, 0)); // key 1 -> ifindex 3
      assert.throws(() => c.program('x').run({ data: udpFrame() }), /invalid read/); // a map pointer is not memory
      assert.equal(c.program('y').run({ data: udpFrame() }).r0!, 2n); // key 9 absent: XDP_PASS from the flags
      const z = c.program('z').run({ data: udpFrame() });
      assert.equal(z.r0!, 4n);
      assert.deepEqual(z.redirect, { kind: 'map', map: 'ports', key: 1, flags: 2 });
    });
  });
});
