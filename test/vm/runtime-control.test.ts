import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MapType } from '../../src/maps/types.js';
import { ProgramFault } from '../../src/vm/program-fault.js';
import { map, object, program } from './spec-builder.js';
import { onEachBackend } from './backends.js';

onEachBackend((loadCollection) => {
  const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);

  describe('tail calls', () => {
    // every program bumps counter[0] and tail-calls slot (its own index + 1); r0 = number of programs that ran
    const chain = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        program(
          `p${i}`,
          'kprobe/f',
          'KPROBE',
          `r6 = r1
          r1 = 0
          *(u32 *)(r10 - 4) = r1
          r1 = map:counter ll
          r2 = r10
          r2 += -4
          call 1
          if r0 == 0 goto out
          r1 = 1
          lock *(u64 *)(r0 + 0) += r1
          r1 = r6
          r2 = map:jmp ll
          r3 = ${i + 1}
          call 12
        out:
          r0 = ${i}
          exit`,
        ),
      );
    const maps = [map('counter', MapType.ARRAY, 4, 8, 1), map('jmp', MapType.PROG_ARRAY, 4, 4, 64)];

    it('switch to the target at pc 0; a missing entry falls through to the next instruction', () => {
      const c = loadCollection(object(chain(3), maps));
      c.setTailCall('jmp', 1, 'p1');
      c.setTailCall('jmp', 2, 'p2');
      const r = c.program('p0').run();
      assert.equal(r.r0!, 2n); // p2 found no slot 3 and returned its own index
      assert.deepEqual([...c.map('counter').lookup(u32(0))!.subarray(0, 1)], [3]);
    });
    it('at most 33 chained tail calls, as MAX_TAIL_CALL_CNT', () => {
      const n = 40;
      const c = loadCollection(object(chain(n), maps));
      for (let i = 1; i < n; i++) c.setTailCall('jmp', i, `p${i}`);
      const r = c.program('p0').run();
      assert.equal(r.r0!, 33n); // p0 + 33 tail calls ran; the 34th failed in p33
      assert.equal(c.map('counter').lookup(u32(0))![0], 34);
    });
    it('whatever r0 holds before the call (a full 64-bit value here)', () => {
      const c = loadCollection(
        object(
          [
            program('a', 'kprobe/f', 'KPROBE', 'r0 = -1\nr2 = map:jmp ll\nr3 = 0\ncall 12\nr0 = 1\nexit'),
            program('b', 'kprobe/f', 'KPROBE', 'r0 = 7\nexit'),
          ],
          maps,
        ),
      );
      c.setTailCall('jmp', 0, 'b');
      assert.equal(c.program('a').run().r0!, 7n);
    });
    it('user space sets prog arrays by program id', () => {
      const c = loadCollection(object(chain(2), maps));
      c.map('jmp').update(u32(1), u32(c.program('p1').id));
      assert.equal(c.program('p0').run().r0!, 1n);
    });
  });

  describe('callbacks', () => {
    it('bpf_loop calls back with the index and stops when the callback returns 1; r6-r9 survive', () => {
      const c = loadCollection(
        object([
          program(
            'p',
            'kprobe/f',
            'KPROBE',
            `r6 = 1000
            r9 = 9
            r1 = 0
            *(u64 *)(r10 - 8) = r1
            r1 = 10
            r2 = func:cb ll
            r3 = r10
            r3 += -8
            r4 = 0
            call 181
            r1 = *(u64 *)(r10 - 8)
            r0 *= 100000
            r0 += r1
            r0 += r6
            r0 += r9
            exit
          cb:
            r6 = 0
            r9 = 0
            r3 = *(u64 *)(r2 + 0)
            r3 += r1
            *(u64 *)(r2 + 0) = r3
            r0 = 0
            if r1 != 4 goto next
            r0 = 1
          next:
            exit`,
          ),
        ]),
      );
      // iterations 0..4 ran (sum 10), bpf_loop returned 5
      assert.equal(c.program('p').run().r0!, 5n * 100000n + 10n + 1009n);
    });
    it('bpf_loop rejects flags and more than 2^23 iterations', () => {
      const run = (n: string, flags: number) =>
        loadCollection(
          object([
            program(
              'p',
              'kprobe/f',
              'KPROBE',
              `r1 = ${n} ll\nr2 = func:cb ll\nr3 = 0\nr4 = ${flags}\ncall 181\nexit\ncb:\nr0 = 0\nexit`,
            ),
          ]),
        )
          .program('p')
          .run().r0!;
      assert.equal(BigInt.asIntN(64, run('0x800001', 0)), -7n);
      assert.equal(BigInt.asIntN(64, run('3', 1)), -22n);
      assert.equal(run('3', 0), 3n);
    });
    it('for_each_map_elem visits array elements with key and value pointers', () => {
      const c = loadCollection(
        object(
          [
            program(
              'p',
              'kprobe/f',
              'KPROBE',
              `r1 = map:arr ll
              r2 = func:cb ll
              r3 = r10
              r3 += -8
              r4 = 0
              r5 = 0
              *(u64 *)(r10 - 8) = r5
              call 164
              r1 = *(u64 *)(r10 - 8)
              r0 <<= 32
              r0 |= r1
              exit
            cb:
              r5 = *(u32 *)(r2 + 0)
              r6 = *(u64 *)(r3 + 0)
              r5 *= r6
              r7 = *(u64 *)(r4 + 0)
              r7 += r5
              *(u64 *)(r4 + 0) = r7
              r0 = 0
              exit`,
            ),
          ],
          [map('arr', MapType.ARRAY, 4, 8, 4)],
        ),
      );
      for (let i = 0; i < 4; i++) c.map('arr').update(u32(i), Uint8Array.of(10 + i, 0, 0, 0, 0, 0, 0, 0));
      // 4 visited; sum of index * value = 0*10 + 1*11 + 2*12 + 3*13 = 74
      assert.equal(c.program('p').run().r0!, (4n << 32n) | 74n);
    });
    it('a callback that writes its read-only key faults', () => {
      const c = loadCollection(
        object(
          [
            program(
              'p',
              'kprobe/f',
              'KPROBE',
              'r1 = map:arr ll\nr2 = func:cb ll\nr3 = 0\nr4 = 0\ncall 164\nexit\ncb:\n*(u32 *)(r2 + 0) = 1\nr0 = 0\nexit',
            ),
          ],
          [map('arr', MapType.ARRAY, 4, 8, 1)],
        ),
      );
      assert.throws(
        () => c.program('p').run(),
        (e: Error) => e instanceof ProgramFault && /invalid write of 4 bytes/.test(e.message),
      );
    });
  });

  describe('spin locks', () => {
    it('lock, unlock, and a second lock of a held lock is a deadlock fault', () => {
      const src = (twice: boolean) => `r1 = 0
        *(u32 *)(r10 - 4) = r1
        r1 = map:arr ll
        r2 = r10
        r2 += -4
        call 1
        if r0 == 0 goto out
        r6 = r0
        r1 = r6
        call 93
        ${twice ? 'r1 = r6\ncall 93' : ''}
        r1 = r6
        call 94
      out:
        r0 = 0
        exit`;
      const maps = [map('arr', MapType.ARRAY, 4, 8, 1)];
      assert.equal(
        loadCollection(object([program('p', 'kprobe/f', 'KPROBE', src(false))], maps))
          .program('p')
          .run().r0!,
        0n,
      );
      assert.throws(
        () =>
          loadCollection(object([program('p', 'kprobe/f', 'KPROBE', src(true))], maps))
            .program('p')
            .run(),
        /deadlock/,
      );
    });
  });

  describe('faults', () => {
    it('name the program, pc and source line from line info', () => {
      const spec = object([
        program('reader', 'kprobe/f', 'KPROBE', 'r1 = 0\nr0 = *(u64 *)(r1 + 16)\nexit', {
          lineInfo: [
            { insn: 0, fileName: 'reader.bpf.c', line: 'int x = 0;', lineNumber: 10, column: 2 },
            { insn: 1, fileName: 'reader.bpf.c', line: '  return *(long *)(p + 2);', lineNumber: 11, column: 9 },
          ],
        }),
      ]);
      const c = loadCollection(spec);
      assert.throws(
        () => c.program('reader').run(),
        (e: Error) =>
          e instanceof ProgramFault &&
          e.pc === 1 &&
          /^program 'reader': invalid read of 8 bytes at 0x10 \(.*\) at pc 1 \(reader\.bpf\.c:11:9: return \*\(long \*\)\(p \+ 2\);\)$/.test(
            e.message,
          ),
      );
    });
    it('leave maps consistent: updates before the fault stay, nothing half-written', () => {
      const c = loadCollection(
        object(
          [
            program(
              'p',
              'kprobe/f',
              'KPROBE',
              `r1 = 1
              *(u32 *)(r10 - 4) = r1
              *(u64 *)(r10 - 16) = r1
              r1 = map:h ll
              r2 = r10
              r2 += -4
              r3 = r10
              r3 += -16
              r4 = 0
              call 2
              r1 = map:h ll
              r2 = 8
              r3 = r10
              call 2
              exit`,
            ),
          ],
          [map('h', MapType.HASH, 4, 8, 4)],
        ),
      );
      assert.throws(() => c.program('p').run(), /invalid read of 4 bytes/);
      assert.deepEqual(
        [...c.map('h').keys()].map((k) => k[0]),
        [1],
      );
    });
  });
});
