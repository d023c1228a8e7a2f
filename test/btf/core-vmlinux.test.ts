/**
 * The CO-RE fixture against this machine's kernel BTF, compared with what libbpf did with the same object against
 * the same BTF (recorded by scripts/build-core-fixture.sh from libbpf's debug log) and with bpftool's member
 * offsets. Skipped, with the reason printed, when the kernel has no BTF or is not the one the record was made on.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Btf } from '../../src/btf/btf.js';
import {
  applyCoreRelocations,
  CORE_POISON_HELPER,
  CoreCandidateCache,
  type CoreInstruction,
} from '../../src/btf/core.js';
import { loadTargetBtf, VMLINUX_BTF_PATH } from '../../src/btf/core-node.js';
import { slotIndexes } from '../../src/isa/index.js';
import { loadCoreExpectations, loadCoreFixture } from './core-fixture.js';

const expected = loadCoreExpectations();

function skipReason(): string | undefined {
  if (!existsSync(VMLINUX_BTF_PATH)) return `${VMLINUX_BTF_PATH} is missing (kernel without BTF)`;
  const sha = createHash('sha256').update(readFileSync(VMLINUX_BTF_PATH)).digest('hex');
  if (sha !== expected.vmlinuxSha256) {
    return `this kernel's BTF is not the one recorded (${expected.kernel}); rerun scripts/build-core-fixture.sh`;
  }
  return undefined;
}

/** The value a relocated instruction carries: imm, off or the 64-bit lddw constant. */
function carried(insn: CoreInstruction): bigint {
  const cls = insn.opcode & 7;
  if (insn.opcode === 0x18) return (BigInt((insn.nextImm ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
  if (cls === 1 || cls === 2 || cls === 3) return BigInt.asUintN(64, BigInt(insn.off));
  return BigInt.asUintN(64, BigInt(insn.imm));
}

const reason = skipReason();
if (reason) console.log(`# skipping CO-RE against vmlinux: ${reason}`);

describe('CO-RE fixture against /sys/kernel/btf/vmlinux', { skip: reason }, () => {
  let vmlinux: Btf | undefined;
  const target = (): Btf => {
    vmlinux ??= loadTargetBtf();
    return vmlinux;
  };
  /** Every program of the fixture relocated, sharing one candidate cache as libbpf does for an object. */
  const run = () => {
    const { btf, programs } = loadCoreFixture();
    const cache = new CoreCandidateCache(target());
    return programs.map((program) => ({ program, report: applyCoreRelocations(program, btf, target(), { cache }) }));
  };

  it('agrees with libbpf on every relocation: specs, values, poisoning', () => {
    const results = run();
    let checked = 0;
    for (const want of expected.relocations) {
      const result = results.find((r) => r.program.name === want.program);
      assert.ok(result, `program ${want.program}`);
      const got = result.report.relocations[want.relo];
      assert.ok(got, `${want.program} relo #${want.relo}`);
      const where = `${want.program} relo #${want.relo} (${got.kindName} ${got.access})`;
      assert.equal(got.pc, want.pc, where);
      assert.equal(got.localSpec, want.local, where);
      if (want.target !== undefined) assert.equal(got.targetSpec, want.target, where);
      assert.equal(got.poisoned, want.poisoned, where);
      const after = result.program.instructions[got.insn]!;
      if (want.poisoned) {
        assert.deepEqual({ opcode: after.opcode, imm: after.imm }, { opcode: 0x85, imm: CORE_POISON_HELPER }, where);
      } else {
        assert.equal(got.targetValue, BigInt(want.targetValue!), where);
        assert.equal(carried(after), BigInt(want.targetValue!), `${where}: patched instruction`);
      }
      checked++;
    }
    const total = results.reduce((n, r) => n + r.report.relocations.length, 0);
    assert.equal(checked, total, 'every relocation has a libbpf record');
    assert.ok(total >= 40);
  });

  it('patches instructions that held the value clang compiled in (as libbpf validated)', () => {
    const { btf, programs } = loadCoreFixture();
    for (const want of expected.relocations.filter((r) => !r.poisoned)) {
      const program = programs.find((p) => p.name === want.program)!;
      const insn = program.instructions[program.coreRelocations[want.relo]!.insn]!;
      assert.equal(carried(insn), BigInt(want.insnValue!), `${want.program} relo #${want.relo} before patching`);
    }
    assert.ok(btf.typeCount > 1);
  });

  it("resolves task_struct fields to bpftool's member offsets", () => {
    const results = run();
    const members = expected.taskStructMembers;
    let seen = 0;
    for (const r of results.flatMap((x) => x.report.relocations)) {
      const m = /^task_struct\.(\w+)$/.exec(r.access);
      if (!m || r.kindName !== 'byte_off') continue;
      const member = members[m[1]!];
      assert.ok(member, `bpftool record for ${m[1]}`);
      const at = /@ offset (\d+)(?:\.(\d+))?\)$/.exec(r.targetSpec ?? '');
      assert.ok(at, r.targetSpec);
      assert.equal(Number(at[1]) * 8 + Number(at[2] ?? 0), member.bitsOffset, r.access);
      if (member.bitfieldSize === 0) assert.equal(r.targetValue, BigInt(member.bitsOffset / 8), r.access);
      seen++;
    }
    assert.ok(seen >= 8, `checked ${seen} task_struct byte offsets`);
  });

  it('keeps every instruction at its slot when poisoning lddw (two call slots)', () => {
    const { programs } = loadCoreFixture();
    const slotsBefore = programs.map((p) => slotIndexes(p.instructions).at(-1));
    const { btf } = loadCoreFixture();
    programs.forEach((program, i) => {
      const report = applyCoreRelocations(program, btf, target());
      const slots = slotIndexes(program.instructions);
      assert.equal(slots.at(-1), slotsBefore[i], program.name);
      for (const r of report.relocations) {
        assert.equal(slots[r.insn], r.pc, `${program.name} relo #${r.relo}`);
        assert.equal(program.coreRelocations[r.relo]!.insn, r.insn);
      }
    });
    const types = programs.find((p) => p.name === 'read_types')!;
    const poisonedLddw = types.instructions.filter((i) => i.opcode === 0x85 && i.imm === CORE_POISON_HELPER);
    assert.equal(poisonedLddw.length, 4, 'two lddw, two slots each');
  });
});

/** Any kernel with BTF: field offsets agree with the BTF module's own member lookup (a separate code path). */
describe('CO-RE fixture against whatever kernel runs the tests', {
  skip: existsSync(VMLINUX_BTF_PATH) ? false : 'no vmlinux BTF',
}, () => {
  it('resolves plain field paths to the offsets Btf.memberOffset finds', () => {
    const { btf, programs } = loadCoreFixture();
    const target = loadTargetBtf();
    let checked = 0;
    for (const program of programs) {
      for (const r of applyCoreRelocations(program, btf, target).relocations) {
        const m = /^(\w+)\.([\w.]+)$/.exec(r.access);
        if (r.kindName !== 'byte_off' || r.poisoned || !m || r.targetTypeId === undefined) continue;
        const { bitOffset, bitfieldSize } = target.memberOffset(r.targetTypeId, m[2]!);
        if (bitfieldSize !== 0) continue;
        assert.equal(r.targetValue, BigInt(bitOffset / 8), `${program.name} ${r.access}`);
        checked++;
      }
    }
    assert.ok(checked >= 8, `checked ${checked}`);
  });
});
