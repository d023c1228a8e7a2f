/**
 * func_info and line_info as BPF_PROG_LOAD reads them: packed records addressed by instruction slot (not by the
 * spec's instruction index, which counts an lddw once). bpf_func_info is {insn_off, type_id} (8 bytes);
 * bpf_line_info is {insn_off, file_name_off, line_off, line_col} (16 bytes), line_col = line << 10 | column.
 * Strings are offsets into the BTF we upload, so the records are built against that upload.
 */
import { slotIndexes } from '../isa/instruction.js';
import type { ProgramSpec } from '../object/types.js';
import type { BtfExtRecords } from './bpf.js';
import type { BtfUpload } from './btf-upload.js';

export const FUNC_INFO_SIZE = 8;
export const LINE_INFO_SIZE = 16;

export interface ProgramExtRecords {
  funcInfo?: BtfExtRecords;
  lineInfo?: BtfExtRecords;
}

/** Records for `program`, or none when it has none (or no BTF was uploaded). */
export function programExtRecords(program: ProgramSpec, upload: BtfUpload | undefined): ProgramExtRecords {
  if (!upload) return {};
  const slots = slotIndexes(program.instructions);
  const slotOf = (insn: number, what: string): number => {
    const slot = slots[insn];
    if (slot === undefined || insn >= program.instructions.length) {
      throw new Error(`program "${program.name}": ${what} names instruction ${insn} of ${program.instructions.length}`);
    }
    return slot;
  };
  const out: ProgramExtRecords = {};
  if (program.funcInfo.length > 0) {
    const sorted = [...program.funcInfo].sort((a, b) => a.insn - b.insn);
    const data = new Uint8Array(sorted.length * FUNC_INFO_SIZE);
    const view = new DataView(data.buffer);
    sorted.forEach((record, i) => {
      view.setUint32(i * FUNC_INFO_SIZE, slotOf(record.insn, 'func_info'), true);
      view.setUint32(i * FUNC_INFO_SIZE + 4, record.typeId, true);
    });
    out.funcInfo = { recordSize: FUNC_INFO_SIZE, count: sorted.length, data };
  }
  if (program.lineInfo.length > 0 && out.funcInfo) {
    // The kernel wants line_info sorted by instruction and refuses it without func_info.
    const sorted = [...program.lineInfo].sort((a, b) => a.insn - b.insn);
    const data = new Uint8Array(sorted.length * LINE_INFO_SIZE);
    const view = new DataView(data.buffer);
    sorted.forEach((record, i) => {
      const at = i * LINE_INFO_SIZE;
      view.setUint32(at, slotOf(record.insn, 'line_info'), true);
      view.setUint32(at + 4, upload.stringOffset(record.fileName), true);
      view.setUint32(at + 8, upload.stringOffset(record.line), true);
      view.setUint32(at + 12, ((record.lineNumber << 10) | (record.column & 0x3ff)) >>> 0, true);
    });
    out.lineInfo = { recordSize: LINE_INFO_SIZE, count: sorted.length, data };
  }
  return out;
}
