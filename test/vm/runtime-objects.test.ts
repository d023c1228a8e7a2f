import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadObjectSpec } from '../../src/object/load.js';
import { readCaptureFile } from '../../src/pcap/node-file.js';
import { formatLog2Histograms } from '../../src/vm/histogram.js';
import { runOverPackets } from '../../src/vm/packet-run.js';
import { onEachBackend } from './backends.js';

onEachBackend((loadCollection) => {
  const FIXTURES = 'test/fixtures/objects';
  const load = (name: string, options = {}) =>
    loadCollection(
      loadObjectSpec(new Uint8Array(readFileSync(`${FIXTURES}/${name}.bpf.o`)), { name: `${name}.bpf.o` }),
      options,
    );

  const PCAPS = ['../shared/pcaps/various_gre.pcap', '../shared/pcaps/vrrp.pcap', '../shared/pcaps/eapon1.pcap'];
  const PACKET_OUTGOING = 4;

  describe('compiled objects in the VM', () => {
    it('sockex: bytes per IP protocol over captures equal an independent count', async () => {
      for (const path of PCAPS) {
        const { packets } = await readCaptureFile(path);
        const frames = packets.filter((p) => p.linkType === 1).map((p) => p.data);
        assert.ok(frames.length > 0, path);
        const expected = new Map<number, number>();
        for (const f of frames) if (f.length >= 24) expected.set(f[23]!, (expected.get(f[23]!) ?? 0) + f.length);
        const c = load('sockex');
        const summary = await runOverPackets(c.program('bpf_prog1'), frames, { pktType: PACKET_OUTGOING });
        assert.equal(summary.packets, frames.length);
        const got = new Map<number, number>();
        for (const { key, value } of c.map('my_map').decodedEntries())
          if (value !== 0) got.set(key as number, value as number);
        assert.deepEqual(got, expected, path);
        // packets the host received are not counted (pkt_type != PACKET_OUTGOING)
        const d = load('sockex');
        await runOverPackets(d.program('bpf_prog1'), frames);
        assert.ok(
          d
            .map('my_map')
            .decodedEntries()
            .every((e) => e.value === 0),
        );
      }
    });

    it('signals: signal_generate + signal_deliver give one ring-buffer event with sender and target', () => {
      const c = load('signals');
      for (const p of c.programs.values()) p.attach();
      c.events.fire(
        'tracepoint',
        'signal/signal_generate',
        { sig: 15, pid: 2000, comm: 'victim' },
        { pid: 1000, comm: 'kill' },
      );
      c.events.fire('tracepoint', 'signal/signal_deliver', { sig: 15 }, { pid: 2000, comm: 'victim', cpu: 0 });
      const events: Uint8Array[] = [];
      assert.equal(
        c.ringBuffer('events').poll((r) => events.push(r)),
        1,
      );
      const e = events[0]!;
      const view = new DataView(e.buffer, e.byteOffset);
      const text = (at: number) => new TextDecoder().decode(e.subarray(at, at + 16)).replace(/\0.*$/s, '');
      assert.deepEqual(
        {
          sender: view.getUint32(0, true),
          target: view.getUint32(4, true),
          sig: view.getInt32(8, true),
          senderComm: text(12),
          targetComm: text(28),
        },
        { sender: 1000, target: 2000, sig: 15, senderComm: 'kill', targetComm: 'victim' },
      );
      assert.equal(c.map('senders').decodedEntries().length, 0, 'the sender entry is deleted on delivery');
    });

    it('execve: trace_printk line on the trace pipe', async () => {
      const c = load('execve', { clock: () => 12_345_678_000n });
      c.program('trace_execve').attach();
      c.events.fire(
        'tracepoint',
        'syscalls/sys_enter_execve',
        { filename: '/usr/bin/ls' },
        { pid: 4242, comm: 'bash', cpu: 0 },
      );
      const line = await c.tracePipe().next();
      assert.equal(line.value, '            bash-4242    [000] d..31    12.345678: bpf_trace_printk: execve by bash');
    });

    it('bitesize: block_rq_issue events become a bcc-format histogram per command', () => {
      const c = load('bitesize');
      c.program('block_rq_issue').attach();
      const issue = (comm: string, bytes: number) =>
        c.events.fire('tracepoint', 'block/block_rq_issue', { bytes }, { comm });
      for (let i = 0; i < 8; i++) issue('dd', 4096);
      for (let i = 0; i < 2; i++) issue('dd', 65536);
      issue('cp', 16384);
      const entries = c
        .map('hists')
        .decodedEntries()
        .flatMap(({ key, value }) => {
          const comm = String.fromCharCode(...(key as { comm: number[] }).comm.filter((b) => b !== 0));
          return (value as { slots: number[] }).slots.map((count, bucket) => ({ section: comm, bucket, count }));
        });
      const text = formatLog2Histograms(entries, 'Kbytes', 'Process Name');
      assert.equal(
        text,
        [
          '',
          'Process Name = dd',
          '     Kbytes              : count     distribution',
          '         0 -> 1          : 0        |                                        |',
          '         2 -> 3          : 8        |****************************************|',
          '         4 -> 7          : 0        |                                        |',
          '         8 -> 15         : 0        |                                        |',
          '        16 -> 31         : 0        |                                        |',
          '        32 -> 63         : 2        |**********                              |',
          '',
          'Process Name = cp',
          '     Kbytes              : count     distribution',
          '         0 -> 1          : 0        |                                        |',
          '         2 -> 3          : 0        |                                        |',
          '         4 -> 7          : 0        |                                        |',
          '         8 -> 15         : 1        |****************************************|',
        ].join('\n'),
      );
    });

    it('tailcall: the prog array initialised in the object chains entry -> stage_one -> stage_two', () => {
      const c = load('tailcall');
      const frame = new Uint8Array(60);
      assert.equal(c.program('entry').run({ data: frame }).retval, 3n); // XDP_TX from stage_two
      c.setTailCall('jump_table', 3, undefined);
      assert.equal(c.program('entry').run({ data: frame }).retval, 1n); // stage_one falls through: XDP_DROP
    });

    it('unlink: BPF_KPROBE arguments through pt_regs, kernel memory read with probe_read_kernel_str', async () => {
      const c = load('unlink', { clock: () => 2_000_000_000n });
      c.program('do_unlinkat').attach();
      c.program('do_unlinkat_exit').attach();
      // struct filename { const char *name; ... }: the probe reads name->name
      const name = c.events.userMemory('/tmp/victim.txt');
      const filename = c.events.userMemory(new Uint8Array(new BigUint64Array([name]).buffer));
      c.events.fire('kprobe', 'do_unlinkat', { args: [-100, filename] }, { pid: 31, comm: 'rm' });
      c.events.fire('kretprobe', 'do_unlinkat', { ret: -2 }, { pid: 31, comm: 'rm' });
      const pipe = c.tracePipe();
      assert.match(
        (await pipe.next()).value as string,
        /rm-31 .* bpf_trace_printk: unlinkat dfd=-100 \/tmp\/victim\.txt$/,
      );
      assert.match((await pipe.next()).value as string, /bpf_trace_printk: unlinkat returned -2$/);
    });

    it('xdp_parse objects load and run', () => {
      const c = load('xdp_parse');
      const frame = new Uint8Array(64);
      frame.set([0x08, 0x00], 12);
      frame[14] = 0x45;
      frame[23] = 6;
      const r = c.program('xdp_count').run({ data: frame });
      assert.ok(r.retval <= 4n);
    });
  });
});
