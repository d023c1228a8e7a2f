import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Btf, btfExtFromElf, btfFromElf, CORE_RELO_KIND_NAMES, parseBtfExt } from '../../src/btf/index.js';
import { findSection, readElf } from '../../src/elf/index.js';
import { fixture } from './helpers.js';

const elf = readElf(fixture('maps.o'), { name: 'maps.o' });
const btf = btfFromElf(elf);
const extBytes = findSection(elf, '.BTF.ext')!.data;

function names(b: Btf, ids: number[]): string[] {
  return ids.map((id) => b.name(id));
}

describe('parseBtfExt', () => {
  const ext = btfExtFromElf(elf, btf)!;

  it('reads func_info per section, with section names resolved', () => {
    assert.deepEqual(
      ext.funcInfo.map((s) => [
        s.section,
        s.records.map((r) => r.insnOff),
        names(
          btf,
          s.records.map((r) => r.typeId),
        ),
      ]),
      [
        ['kprobe/do_sys_open', [0], ['trace_open']],
        ['.text', [0], ['parent_pid']],
        ['tracepoint/syscalls/sys_enter_execve', [0], ['trace_exec']],
      ],
    );
  });

  it('reads line_info with file, source text, line and column', () => {
    const open = ext.lineInfo.find((s) => s.section === 'kprobe/do_sys_open')!;
    assert.equal(open.records.length, 23);
    assert.deepEqual(open.records[0], {
      insnOff: 0,
      fileName: './maps.c',
      line: '  struct task_struct *task = bpf_get_current_task();',
      lineNumber: 61,
      column: 30,
    });
    for (const s of ext.lineInfo) {
      const offs = s.records.map((r) => r.insnOff);
      assert.deepEqual(
        offs,
        [...offs].sort((a, b) => a - b),
        `${s.section} line_info is sorted`,
      );
      for (const r of s.records) assert.equal(r.insnOff % 8, 0);
    }
  });

  it('reads CO-RE relocations: instruction, root type, access string, kind', () => {
    assert.deepEqual(
      ext.coreRelos.map((s) => [
        s.section,
        s.records.map((r) => [r.insnOff, btf.name(r.typeId), r.accessStr, CORE_RELO_KIND_NAMES[r.kind]]),
      ]),
      [
        ['kprobe/do_sys_open', [[56, 'task_struct', '0:0', 'byte_off']]],
        [
          '.text',
          [
            [0, 'task_struct', '0:2', 'byte_off'],
            [8, 'task_struct', '0:1', 'byte_off'],
          ],
        ],
        ['tracepoint/syscalls/sys_enter_execve', [[192, 'task_struct', '0:3:0', 'byte_off']]],
      ],
    );
  });

  it('rejects truncated and out-of-range records with the byte offset', () => {
    assert.throws(() => parseBtfExt(extBytes.subarray(0, 6), btf), /\.BTF\.ext: at offset 0x0: header: 6 bytes/);
    assert.throws(
      () => parseBtfExt(extBytes.subarray(0, extBytes.length - 4), btf),
      /past end of data|run past the end/,
    );
    const bad = extBytes.slice();
    const view = new DataView(bad.buffer);
    const funcOff = view.getUint32(8, true);
    // First func_info record's type id (after record size, section name, count and insn_off).
    view.setUint32(view.getUint32(4, true) + funcOff + 4 + 8 + 4, 9999, true);
    assert.throws(
      () => parseBtfExt(bad, btf, { file: 'maps.o' }),
      /maps\.o: \.BTF\.ext: type \[9999\] at offset 0x[0-9a-f]+: type id 9999 out of range/,
    );
  });
});
