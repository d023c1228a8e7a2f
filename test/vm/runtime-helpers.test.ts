import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { MapType } from '../../src/maps/types.js';
import { csumDiff } from '../../src/vm/helpers/packet.js';
import { map, object, program } from './spec-builder.js';
import { onEachBackend } from './backends.js';

onEachBackend((loadCollection) => {
  const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  const u64le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

  function one(text: string, maps = [map('m', MapType.HASH, 4, 8, 16)], options = {}) {
    const c = loadCollection(object([program('p', 'kprobe/f', 'KPROBE', text)], maps), options);
    return { c, run: () => c.program('p').run().r0! };
  }

  describe('map helpers', () => {
    it('update, lookup (pointer into the value), delete with kernel return codes', () => {
      const { c, run } = one(`
        r6 = 7
        *(u32 *)(r10 - 4) = r6
        *(u64 *)(r10 - 16) = r6
        r1 = map:m ll
        r2 = r10
        r2 += -4
        r3 = r10
        r3 += -16
        r4 = 1
        call 2
        r7 = r0
        r1 = map:m ll
        r2 = r10
        r2 += -4
        call 1
        if r0 == 0 goto miss
        r1 = *(u64 *)(r0 + 0)
        r1 += 100
        *(u64 *)(r0 + 0) = r1
        r0 = r7
        exit
      miss:
        r0 = -1
        exit`);
      assert.equal(run(), 0n);
      assert.equal(u64le(c.map('m').lookup(u32(7))!), 107n);
      // BPF_NOEXIST on an existing key: -EEXIST
      assert.equal(BigInt.asIntN(64, run()), -17n);
    });
    it('a non-map pointer faults naming the helper', () => {
      const { run } = one('r1 = r10\nr2 = r10\ncall 1\nexit');
      assert.throws(run, /bpf_map_lookup_elem: r1 .* is not a map/);
    });
    it('queue push and pop', () => {
      const { c, run } = one(
        `r1 = 42
        *(u64 *)(r10 - 8) = r1
        r1 = map:q ll
        r2 = r10
        r2 += -8
        r3 = 0
        call 87
        r1 = map:q ll
        r2 = r10
        r2 += -16
        call 88
        r0 = *(u64 *)(r10 - 16)
        exit`,
        [map('q', MapType.QUEUE, 0, 8, 4)],
      );
      assert.equal(run(), 42n);
      assert.equal([...c.map('q').keys()].length, 0);
    });
  });

  describe('probe_read', () => {
    it('copies readable memory and returns 0', () => {
      const { run } = one(`
        r1 = 0x1122334455667788 ll
        *(u64 *)(r10 - 8) = r1
        r1 = r10
        r1 += -16
        r2 = 8
        r3 = r10
        r3 += -8
        call 113
        if r0 != 0 goto out
        r0 = *(u64 *)(r10 - 16)
      out:
        exit`);
      assert.equal(run(), 0x1122334455667788n);
    });
    it('an unreadable source gives -EFAULT and a zeroed destination', () => {
      const { run } = one(`
        r1 = -1
        *(u64 *)(r10 - 8) = r1
        r1 = r10
        r1 += -8
        r2 = 8
        r3 = 16
        call 4
        r1 = *(u64 *)(r10 - 8)
        if r1 != 0 goto bad
        exit
      bad:
        r0 = 1
        exit`);
      assert.equal(BigInt.asIntN(64, run()), -14n);
    });
    it('probe_read_str copies up to the NUL and returns the length with it', () => {
      const { run } = one(`
        r1 = 0x6f6c6c6568 ll
        *(u64 *)(r10 - 8) = r1
        r1 = r10
        r1 += -32
        r2 = 16
        r3 = r10
        r3 += -8
        call 45
        exit`);
      assert.equal(run(), 6n);
    });
  });

  describe('task, clock and random helpers', () => {
    const opts = { task: { pid: 4321, tgid: 4300, uid: 1000, gid: 100, comm: 'bash' }, clock: () => 123456789n, seed: 7 };
    it('pid_tgid and uid_gid pack the upper half first', () => {
      assert.equal(one('call 14\nexit', [], opts).run(), (4300n << 32n) | 4321n);
      assert.equal(one('call 15\nexit', [], opts).run(), (100n << 32n) | 1000n);
    });
    it('get_current_comm pads with zeros', () => {
      const { run } = one(
        `r1 = -1
        *(u64 *)(r10 - 8) = r1
        *(u64 *)(r10 - 16) = r1
        r1 = r10
        r1 += -16
        r2 = 16
        call 16
        r0 = *(u64 *)(r10 - 16)
        r1 = *(u64 *)(r10 - 8)
        r0 |= r1
        exit`,
        [],
        opts,
      );
      assert.equal(run(), 0x68736162n);
    });
    it('ktime comes from the clock, prandom is reproducible from its seed, cpu from the run', () => {
      assert.equal(one('call 5\nexit', [], opts).run(), 123456789n);
      assert.equal(one('call 7\nexit', [], opts).run(), one('call 7\nexit', [], opts).run());
      const c = loadCollection(object([program('p', 'kprobe/f', 'KPROBE', 'call 8\nexit')]), { cpus: 4 });
      assert.equal(c.program('p').run({ cpu: 3 }).r0!, 3n);
    });
  });

  describe('trace_printk and snprintf', () => {
    it('writes kernel-format lines to the trace pipe and returns the length', () => {
      const c = loadCollection(
        object([
          program(
            'p',
            'kprobe/f',
            'KPROBE',
            `r1 = 0x0a6425203d20 ll
            *(u64 *)(r10 - 8) = r1
            r1 = 0x78
            *(u8 *)(r10 - 9) = r1
            r1 = r10
            r1 += -9
            r2 = 9
            r3 = -5
            call 6
            exit`,
          ),
        ]),
        { task: { pid: 77, comm: 'cat' }, clock: () => 5_000_123_000n },
      );
      assert.equal(c.program('p').run().r0!, 7n);
      const lines = c.runtime.tracePipe.read();
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^ +cat-77 +\[000\] .* 5\.000123: bpf_trace_printk: x = -5$/);
    });
    it('a format without its NUL inside fmt_size is -EINVAL', () => {
      const { run } = one(`
        r1 = 0x4141414141414141 ll
        *(u64 *)(r10 - 8) = r1
        r1 = r10
        r1 += -8
        r2 = 8
        call 6
        exit`);
      assert.equal(BigInt.asIntN(64, run()), -22n);
    });
  });

  describe('perf and ring buffers', () => {
    it('ringbuf reserve/submit reaches the reader; discard does not', async () => {
      const c = loadCollection(
        object(
          [
            program(
              'p',
              'kprobe/f',
              'KPROBE',
              `r1 = map:rb ll
              r2 = 8
              r3 = 0
              call 131
              if r0 == 0 goto out
              r1 = 99
              *(u64 *)(r0 + 0) = r1
              r1 = r0
              r2 = 0
              call 132
              r1 = map:rb ll
              r2 = 8
              r3 = 0
              call 131
              r1 = r0
              r2 = 0
              call 133
              r1 = map:rb ll
              r2 = 0
              call 134
            out:
              exit`,
            ),
          ],
          [map('rb', MapType.RINGBUF, 0, 0, 4096)],
        ),
      );
      assert.equal(c.program('p').run().r0!, 32n); // two 16-byte records pending
      const reader = c.ringBuffer('rb');
      const got: bigint[] = [];
      assert.equal(
        reader.poll((r) => got.push(u64le(r))),
        1,
      );
      assert.deepEqual(got, [99n]);
      const iter = reader[Symbol.asyncIterator]();
      c.program('p').run();
      assert.equal(u64le((await iter.next()).value as Uint8Array), 99n);
      reader.close();
    });
    it('perf_event_output to the current CPU', () => {
      const c = loadCollection(
        object(
          [
            program(
              'p',
              'kprobe/f',
              'KPROBE',
              `r2 = 5
              *(u32 *)(r10 - 4) = r2
              r2 = map:events ll
              r3 = 0xffffffff ll
              r4 = r10
              r4 += -4
              r5 = 4
              call 25
              exit`,
            ),
          ],
          [map('events', MapType.PERF_EVENT_ARRAY, 4, 4, 0)],
        ),
        { cpus: 2 },
      );
      assert.equal(c.program('p').run({ cpu: 1 }).r0!, 0n);
      const samples: { cpu: number; data: Uint8Array }[] = [];
      c.perfBuffer('events').poll((s) => samples.push(s));
      assert.deepEqual(samples, [{ cpu: 1, data: u32(5) }]);
    });
  });

  describe('load-time checks', () => {
    it('a helper the runtime lacks is named', () => {
      assert.throws(
        () => one('call 9\nexit'),
        (e: Error) =>
          e instanceof InputError && /bpf_skb_store_bytes \(id 9\) is not supported by the userspace VM/.test(e.message),
      );
    });
    it('an lddw map load without a relocation is refused', () => {
      const spec = object([program('p', 'kprobe/f', 'KPROBE', 'r1 = 0 ll\nexit')]);
      spec.programs[0]!.instructions[0]!.src = 1;
      assert.throws(() => loadCollection(spec), /lddw of a map \(src=1\) has no relocation/);
    });
  });

  describe('csum_diff', () => {
    it("adding and removing the same words cancels (one's complement)", () => {
      const w = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
      const pushed = csumDiff(new Uint8Array(0), w, 0);
      assert.equal(pushed, 0x04030201 + 0x08070605);
      const both = csumDiff(w, w, 0);
      assert.equal(both % 0xffffffff, 0);
    });
  });

  describe('more helpers', () => {
    it('snprintf formats u64 args, truncates to the buffer and returns the full length with the NUL', () => {
      const c = loadCollection(
        object([
          program(
            'p',
            'kprobe/f',
            'KPROBE',
            `r1 = 0x64252d6425 ll
            *(u64 *)(r10 - 8) = r1
            r1 = 12
            *(u64 *)(r10 - 24) = r1
            r1 = 345
            *(u64 *)(r10 - 16) = r1
            r1 = r10
            r1 += -32
            r2 = 5
            r3 = r10
            r3 += -8
            r4 = r10
            r4 += -24
            r5 = 16
            call 165
            r1 = *(u64 *)(r10 - 32)
            r0 <<= 40
            r0 |= r1
            exit`,
          ),
        ]),
      );
      // "12-345" is 6 chars: returns 7, buffer holds "12-3\\0"
      const r = c.program('p').run().r0!;
      assert.equal(r >> 40n, 7n);
      assert.equal(r & 0xffffffffffn, 0x332d3231n);
    });
    it('trace_vprintk takes up to 12 u64 arguments from memory', () => {
      const c = loadCollection(
        object([
          program(
            'p',
            'kprobe/f',
            'KPROBE',
            `r1 = 0x7525 ll
            *(u64 *)(r10 - 8) = r1
            r1 = 31337
            *(u64 *)(r10 - 16) = r1
            r1 = r10
            r1 += -8
            r2 = 3
            r3 = r10
            r3 += -16
            r4 = 8
            call 177
            exit`,
          ),
        ]),
      );
      assert.equal(c.program('p').run().r0!, 5n);
      assert.match(c.runtime.tracePipe.read()[0]!, /bpf_trace_printk: 31337$/);
    });
    it('get_stackid stores the event stack; without one it is -EFAULT', () => {
      const c = loadCollection(
        object(
          [program('p', 'kprobe/f', 'KPROBE', 'r2 = map:stacks ll\nr3 = 0\ncall 27\nexit')],
          [map('stacks', MapType.STACK_TRACE, 4, 8 * 4, 64)],
        ),
      );
      c.program('p').attach();
      const [first] = c.events.fire(
        'kprobe',
        'f',
        { args: [] },
        { kernelStack: [0xffffffff81000010n, 0xffffffff81000020n] },
      );
      const id = Number(first!.retval);
      assert.ok(id >= 0 && id < 64);
      const frames = c.map('stacks').lookup(u32(id))!;
      assert.equal(u64le(frames), 0xffffffff81000010n);
      assert.equal(BigInt.asIntN(64, c.program('p').run().r0!), -14n);
    });
  });
});
