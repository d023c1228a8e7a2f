/**
 * The CO-RE fixture against hand-built targets whose layout (test/btf/core-target.ts) differs from every real
 * kernel: each relocation must land on the shifted offsets, sizes, shifts and enumerator values, and what the
 * target lacks must poison its instruction. A second target plays a pre-5.14 kernel for the `___old` flavour.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyCoreRelocations,
  CORE_POISON_HELPER,
  type CoreInstruction,
  formatCoreReport,
} from '../../src/btf/core.js';
import { slotIndexes } from '../../src/isa/index.js';
import { loadCoreFixture } from './core-fixture.js';
import { buildShiftedTarget, SHIFTED as S } from './core-target.js';

const POISON = 'poison';
type Want = bigint | number | typeof POISON;

/** The fixture's relocations in order, with their value against the shifted target. */
function expectations(targetTaskStruct: number, old: boolean): Record<string, [string, string, Want][]> {
  return {
    read_task: [
      ['byte_off', 'task_struct.pid', S.pid],
      ['byte_off', 'task_struct.tgid', S.tgid],
      ['byte_off', 'task_struct.real_parent', S.realParent],
      ['byte_off', 'task_struct.mm', S.mm],
      ['byte_off', 'mm_struct.mmap_base', S.mmapBase],
      ['byte_off', 'mm_struct.mm_users.counter', S.mmUsers],
      ['byte_off', 'mm_struct.mm_count.counter', S.mmCount],
      ['byte_off', 'task_struct.comm', S.comm],
      ['byte_off', 'task_struct.comm[3]', S.comm + 3],
      ['byte_off', 'task_struct.pid_links[1].next', S.pidLinks + 16],
      ['field_exists', 'task_struct.__state', old ? 0 : 1],
      ['field_exists', 'task_struct___old.state', old ? 1 : 0],
      ['byte_off', 'task_struct___old.state', old ? S.state : POISON],
      ['byte_sz', 'task_struct.comm', 16],
      // in_execve: 1 bit at 1605; a 4-byte load at 200 holds it, bits 5..5 of it.
      ['byte_off', 'task_struct.in_execve', 200],
      ['byte_sz', 'task_struct.in_execve', 4],
      ['lshift_u64', 'task_struct.in_execve', 64 - 6],
      ['signed', 'task_struct.in_execve', 0],
      ['rshift_u64', 'task_struct.in_execve', 63],
      ['rshift_u64', 'task_struct.in_execve', 63],
      // init_private_fork_class: 4 bits at 1630 cross a 4-byte boundary, so the load widens to 8 bytes at 200.
      ['byte_off', 'task_struct.init_private_fork_class', 200],
      ['byte_sz', 'task_struct.init_private_fork_class', 8],
      ['lshift_u64', 'task_struct.init_private_fork_class', 64 - 34],
      ['signed', 'task_struct.init_private_fork_class', 0],
      ['rshift_u64', 'task_struct.init_private_fork_class', 60],
      ['rshift_u64', 'task_struct.init_private_fork_class', 60],
    ],
    read_types: [
      ['byte_off', 'task_struct.sched_reset_on_fork', 200],
      ['byte_sz', 'task_struct.sched_reset_on_fork', 4],
      ['lshift_u64', 'task_struct.sched_reset_on_fork', 63],
      ['signed', 'task_struct.sched_reset_on_fork', 1],
      ['rshift_u64', 'task_struct.sched_reset_on_fork', 63],
      ['rshift_u64', 'task_struct.sched_reset_on_fork', 63],
      ['type_exists', 'task_struct', 1],
      ['type_exists', 'tsbpf_no_such_type', 0],
      ['type_size', 'task_struct', S.taskSize],
      ['type_size', 'tsbpf_no_such_type', 0],
      ['target_type_id', 'task_struct', targetTaskStruct],
      ['local_type_id', 'task_struct', 5],
      ['type_matches', 'list_head', 1],
      ['enumval_exists', 'pid_type::PIDTYPE_TGID', 1],
      ['enumval_value', 'pid_type::PIDTYPE_SID', S.pidTypeSid],
      ['enumval_exists', 'pid_type___future::PIDTYPE_FUTURE', 0],
      ['enumval_value', 'pid_type___future::PIDTYPE_FUTURE', POISON],
      ['enumval_value', 'perf_callchain_context::PERF_CONTEXT_USER', S.perfContextUser],
      ['enumval_exists', 'perf_callchain_context___future::PERF_CONTEXT_FUTURE', 0],
      ['enumval_value', 'perf_callchain_context___future::PERF_CONTEXT_FUTURE', POISON],
      ['byte_off', 'task_struct.pid', S.pid],
    ],
  };
}

function carried(insn: CoreInstruction): bigint {
  const cls = insn.opcode & 7;
  if (insn.opcode === 0x18) return (BigInt((insn.nextImm ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
  if (cls === 1 || cls === 2 || cls === 3) return BigInt.asUintN(64, BigInt(insn.off));
  return BigInt.asUintN(64, BigInt(insn.imm));
}

for (const old of [false, true]) {
  describe(`CO-RE fixture against a hand-built ${old ? 'pre-5.14 ' : ''}target with shifted fields`, () => {
    it('relocates every value to the shifted layout and poisons what is missing', () => {
      const { btf, programs } = loadCoreFixture();
      const target = buildShiftedTarget(old);
      const want = expectations(target.ids.taskStruct, old);
      for (const program of programs) {
        const slots = slotIndexes(program.instructions).at(-1);
        const report = applyCoreRelocations(program, btf, target.btf);
        const list = want[program.name];
        assert.ok(list, program.name);
        assert.equal(report.relocations.length, list.length, `${program.name}: relocation count`);
        report.relocations.forEach((r, i) => {
          const [kind, access, value] = list[i]!;
          const where = `${program.name} relo #${i}`;
          assert.deepEqual([r.kindName, r.access], [kind, access], where);
          const insn = program.instructions[r.insn]!;
          if (value === POISON) {
            assert.ok(r.poisoned, `${where} ${access} should be poisoned`);
            assert.equal(insn.opcode, 0x85, where);
            assert.equal(insn.imm, CORE_POISON_HELPER, where);
          } else {
            assert.ok(!r.poisoned, `${where} ${access}: ${r.reason}`);
            assert.equal(r.targetValue, BigInt(value), `${where} ${access}`);
            assert.equal(carried(insn), BigInt.asUintN(64, BigInt(value)), `${where} ${access}: instruction`);
          }
        });
        assert.equal(slotIndexes(program.instructions).at(-1), slots, 'slot count unchanged');
        assert.equal(report.poisoned, list.filter(([, , v]) => v === POISON).length, `${program.name}: poisoned count`);
      }
    });
  });
}

describe('CO-RE report', () => {
  it('names program, instruction, kind, access and values, one line each', () => {
    const { btf, programs } = loadCoreFixture();
    const report = applyCoreRelocations(programs[0]!, btf, buildShiftedTarget().btf);
    const lines = formatCoreReport(report).split('\n');
    assert.equal(lines.length, report.relocations.length);
    assert.equal(lines[0], `read_task insn 2 byte_off task_struct.pid 1264 -> ${S.pid}`);
    assert.match(lines[12]!, /^read_task insn \d+ byte_off task_struct___old\.state poisoned \(not found/);
    const first = report.relocations[0]!;
    assert.equal(first.pc, 2);
    assert.equal(first.accessString, '0:92');
    assert.equal(first.localSpec, '<byte_off> [5] struct task_struct.pid (0:92 @ offset 1264)');
    assert.match(first.targetSpec!, /^<byte_off> \[\d+\] struct task_struct\.pid \(0:7 @ offset 3000\)$/);
  });
});
