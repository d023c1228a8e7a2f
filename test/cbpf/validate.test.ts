import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SKF_AD_OFF } from '../../src/cbpf/ancillary.js';
import { type CbpfInsn, jump, stmt } from '../../src/cbpf/insn.js';
import { CbpfError, validateCbpf } from '../../src/cbpf/validate.js';
import { InputError } from '../../src/errors.js';

const RET = stmt(0x06, 0xffff);

/** Asserts that validation fails with a CbpfError at instruction `pc` whose message matches `re`. */
function rejects(prog: CbpfInsn[], pc: number, re: RegExp): void {
  assert.throws(
    () => validateCbpf(prog),
    (e: unknown) => {
      assert.ok(e instanceof CbpfError, `expected CbpfError, got ${String(e)}`);
      assert.ok(e instanceof InputError);
      assert.equal(e.pc, pc);
      assert.match(e.message, re);
      if (pc >= 0) assert.match(e.message, new RegExp(`instruction ${pc}\\b`));
      return true;
    },
  );
}

describe('validateCbpf', () => {
  it('accepts a typical tcpdump filter (ip and tcp port 80 style)', () => {
    validateCbpf([
      stmt(0x28, 12),
      jump(0x15, 0x800, 0, 8),
      stmt(0x30, 23),
      jump(0x15, 6, 0, 6),
      stmt(0x28, 20),
      jump(0x45, 0x1fff, 4, 0),
      stmt(0xb1, 14),
      stmt(0x48, 16),
      jump(0x15, 80, 0, 1),
      stmt(0x06, 262144),
      stmt(0x06, 0),
    ]);
  });

  it('accepts every allowed opcode family and the known ancillary loads', () => {
    validateCbpf([
      stmt(0x00, 1),
      stmt(0x01, 2),
      stmt(0x02, 0),
      stmt(0x03, 15),
      stmt(0x60, 0),
      stmt(0x61, 15),
      stmt(0x80, 0),
      stmt(0x81, 0),
      stmt(0x20, SKF_AD_OFF + 0),
      stmt(0x28, SKF_AD_OFF + 4),
      stmt(0x30, SKF_AD_OFF + 60),
      stmt(0x34, 3),
      stmt(0x94, 3),
      stmt(0x3c, 0),
      stmt(0x64, 31),
      stmt(0x7c, 0),
      stmt(0x84, 0),
      stmt(0x07, 0),
      stmt(0x87, 0),
      stmt(0x05, 0),
      jump(0x4d, 0, 0, 1),
      stmt(0x16, 0),
      RET,
    ]);
  });

  it('rejects empty and over-long programs', () => {
    rejects([], -1, /empty/);
    rejects(new Array<CbpfInsn>(4097).fill(RET), -1, /4097 instructions/);
    validateCbpf(new Array<CbpfInsn>(4096).fill(RET));
  });

  it('rejects opcodes the kernel does not allow', () => {
    rejects([stmt(0xff, 0), RET], 0, /invalid opcode 0xff/);
    rejects([stmt(0x00, 0), stmt(0x21, 0), RET], 1, /invalid opcode 0x21/); // seccomp's ldx|w|abs
    rejects([stmt(0x55, 0), RET], 0, /invalid opcode/); // eBPF's jne is not classic
    rejects([stmt(0x0e, 0), RET], 0, /invalid opcode/); // ret x does not exist
  });

  it('rejects division or modulo by constant zero and constant shifts >= 32', () => {
    rejects([stmt(0x34, 0), RET], 0, /division by constant zero/);
    rejects([stmt(0x00, 0), stmt(0x94, 0), RET], 1, /division by constant zero/);
    rejects([stmt(0x64, 32), RET], 0, /shift by 32/);
    rejects([stmt(0x74, 0xffffffff), RET], 0, /shift by/);
  });

  it('rejects scratch memory indexes >= 16', () => {
    rejects([stmt(0x02, 16), RET], 0, /M\[16\]/);
    rejects([stmt(0x03, 100), RET], 0, /M\[100\]/);
    rejects([stmt(0x60, 16), RET], 0, /M\[16\]/);
  });

  it('rejects jumps past the end or backward', () => {
    rejects([stmt(0x05, 1), RET], 0, /past the end/);
    rejects([RET, stmt(0x05, 0)], 1, /past the end/);
    rejects([RET, stmt(0x05, 0xffffffff), RET], 1, /backward/);
    rejects([jump(0x15, 0, 1, 0), RET], 0, /jt 1/);
    rejects([jump(0x15, 0, 0, 2), RET, RET], 0, /jf 2/);
    validateCbpf([stmt(0x05, 1), RET, RET]);
    validateCbpf([jump(0x25, 0, 1, 0), RET, RET]);
  });

  it('rejects unknown ancillary offsets', () => {
    rejects([stmt(0x20, SKF_AD_OFF + 64), RET], 0, /ancillary/);
    rejects([stmt(0x20, SKF_AD_OFF + 2), RET], 0, /ancillary/);
    // Below SKF_AD_OFF (SKF_NET_OFF / SKF_LL_OFF) the kernel accepts the load.
    validateCbpf([stmt(0x20, SKF_AD_OFF - 4), RET]);
  });

  it('requires the last instruction to be a return', () => {
    rejects([stmt(0x00, 0)], 0, /not a return/);
    rejects([RET, stmt(0x07, 0)], 1, /not a return/);
    validateCbpf([stmt(0x16, 0)]);
  });

  it('rejects reading a scratch word before it is written on some path', () => {
    rejects([stmt(0x60, 0), RET], 0, /M\[0\] before/);
    // Written only on the true branch of a jump, read after the join.
    rejects([jump(0x15, 1, 0, 1), stmt(0x02, 4), stmt(0x61, 4), RET], 2, /M\[4\]/);
    // Written on both branches: fine.
    validateCbpf([jump(0x15, 1, 0, 2), stmt(0x02, 4), stmt(0x05, 1), stmt(0x03, 4), stmt(0x61, 4), RET]);
    // Written before the branch: fine.
    validateCbpf([stmt(0x02, 9), jump(0x15, 1, 0, 1), stmt(0x00, 0), stmt(0x60, 9), RET]);
    // A ja skipping the write.
    rejects([stmt(0x05, 1), stmt(0x02, 1), stmt(0x60, 1), RET], 2, /M\[1\]/);
  });

  it('rejects malformed instruction fields instead of misreading them', () => {
    rejects([{ code: 0x06, jt: 256, jf: 0, k: 0 }], 0, /fields out of range/);
    rejects([{ code: 0x06, jt: 0, jf: 0, k: 2 ** 32 }], 0, /fields out of range/);
    rejects([{ code: 0.5, jt: 0, jf: 0, k: 0 }], 0, /fields out of range/);
  });
});
