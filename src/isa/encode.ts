import type { Instruction } from './instruction.js';
import { LDDW_OPCODE } from './opcodes.js';

/** Writes one 8-byte slot. */
export function writeSlot(
  view: DataView,
  byteOffset: number,
  opcode: number,
  dst: number,
  src: number,
  off: number,
  imm: number,
  littleEndian = true,
): void {
  view.setUint8(byteOffset, opcode);
  view.setUint8(byteOffset + 1, littleEndian ? ((src & 0xf) << 4) | (dst & 0xf) : ((dst & 0xf) << 4) | (src & 0xf));
  view.setInt16(byteOffset + 2, off, littleEndian);
  view.setInt32(byteOffset + 4, imm, littleEndian);
}

/** Encodes instructions into their 8-byte slots (lddw into two). */
export function encodeProgram(insns: readonly Instruction[], littleEndian = true): Uint8Array {
  let slots = 0;
  for (const insn of insns) slots += insn.opcode === LDDW_OPCODE ? 2 : 1;
  const bytes = new Uint8Array(slots * 8);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const insn of insns) {
    writeSlot(view, offset, insn.opcode, insn.dst, insn.src, insn.off, insn.imm, littleEndian);
    offset += 8;
    if (insn.opcode === LDDW_OPCODE) {
      writeSlot(view, offset, 0, 0, 0, 0, insn.nextImm ?? 0, littleEndian);
      offset += 8;
    }
  }
  return bytes;
}
