import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { BTF_MAGIC } from './kinds.js';

/** func_info: the BTF FUNC of the function starting at `insnOff` (a byte offset into the section, as in the .o). */
export interface BtfFuncInfo {
  insnOff: number;
  typeId: number;
}

/** line_info: the source line of the instruction at `insnOff` (bytes). */
export interface BtfLineInfo {
  insnOff: number;
  fileName: string;
  /** The source text of the line, as clang recorded it. */
  line: string;
  lineNumber: number;
  column: number;
}

/** A CO-RE relocation: instruction, root type, access string ("0:1:2") and kind (bpf_core_relo_kind). */
export interface BtfCoreRelo {
  insnOff: number;
  typeId: number;
  accessStr: string;
  kind: number;
}

/** Records of one info kind for one ELF section, named as in the object. */
export interface BtfExtSection<T> {
  section: string;
  records: T[];
}

export interface BtfExt {
  funcInfo: BtfExtSection<BtfFuncInfo>[];
  lineInfo: BtfExtSection<BtfLineInfo>[];
  coreRelos: BtfExtSection<BtfCoreRelo>[];
}

/** bpf_core_relo_kind names, indexed by kind, as libbpf prints them. */
export const CORE_RELO_KIND_NAMES: readonly string[] = [
  'byte_off',
  'byte_sz',
  'field_exists',
  'signed',
  'lshift_u64',
  'rshift_u64',
  'local_type_id',
  'target_type_id',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
];

export interface ParseBtfExtOptions {
  file?: string;
  section?: string;
}

/**
 * Parses .BTF.ext against the object's BTF (whose strings name the sections and files). Checks the header, every
 * record's bounds, string offset and type id; errors are `BtfError`s with the byte offset in .BTF.ext.
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf, options: ParseBtfExtOptions = {}): BtfExt {
  const section = options.section ?? '.BTF.ext';
  const fail = (detail: string, offset?: number, typeId?: number): never => {
    throw new BtfError({ file: options.file, section, offset, typeId }, detail);
  };
  if (bytes.length < 8) fail(`header: ${bytes.length} bytes is too short`, 0);
  let le: boolean;
  if (bytes[0] === (BTF_MAGIC & 0xff) && bytes[1] === BTF_MAGIC >> 8) le = true;
  else if (bytes[0] === BTF_MAGIC >> 8 && bytes[1] === (BTF_MAGIC & 0xff)) le = false;
  else le = fail('bad magic (expected 0xeb9f)', 0);
  if (bytes[2] !== 1) fail(`unsupported version ${bytes[2]}`, 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdrLen = view.getUint32(4, le);
  if (hdrLen < 24 || hdrLen > bytes.length) fail(`header length ${hdrLen} is outside 24..${bytes.length}`, 4);
  const u32 = (off: number): number => view.getUint32(off, le);

  /** Reads one info kind: record size, then per section (name, count, records). */
  const readInfo = <T>(
    offField: number,
    minRecord: number,
    what: string,
    decode: (at: number, sectionName: string) => T,
  ): BtfExtSection<T>[] => {
    if (offField + 8 > hdrLen) return [];
    const off = u32(offField);
    const len = u32(offField + 4);
    if (len === 0) return [];
    const start = hdrLen + off;
    if (off > bytes.length - hdrLen || len > bytes.length - start) {
      fail(`${what}: 0x${off.toString(16)}+0x${len.toString(16)} past end of data`, offField);
    }
    const end = start + len;
    if (len < 4) fail(`${what}: too short for a record size`, start);
    const recordSize = u32(start);
    if (recordSize < minRecord || recordSize % 4 !== 0) fail(`${what}: bad record size ${recordSize}`, start);
    const out: BtfExtSection<T>[] = [];
    let p = start + 4;
    while (p < end) {
      if (end - p < 8) fail(`${what}: truncated section header`, p);
      const nameOff = u32(p);
      const count = u32(p + 4);
      if (!btf.strings.has(nameOff)) fail(`${what}: section name offset 0x${nameOff.toString(16)} outside strings`, p);
      const name = btf.str(nameOff);
      if (count === 0) fail(`${what}: section ${name} has no records`, p + 4);
      p += 8;
      if (count > (end - p) / recordSize) fail(`${what}: section ${name}: ${count} records run past the end`, p - 4);
      const records: T[] = [];
      for (let i = 0; i < count; i++, p += recordSize) records.push(decode(p, name));
      out.push({ section: name, records });
    }
    return out;
  };

  const str = (off: number, at: number, what: string): string => {
    if (!btf.strings.has(off)) fail(`${what} string offset 0x${off.toString(16)} outside strings`, at);
    return btf.str(off);
  };
  const typeId = (at: number): number => {
    const id = u32(at);
    if (id >= btf.typeCount) fail(`type id ${id} out of range (last id is ${btf.typeCount - 1})`, at, id);
    return id;
  };

  const funcInfo = readInfo(8, 8, 'func_info', (at) => ({ insnOff: u32(at), typeId: typeId(at + 4) }));
  const lineInfo = readInfo(16, 16, 'line_info', (at) => {
    const lineCol = u32(at + 12);
    return {
      insnOff: u32(at),
      fileName: str(u32(at + 4), at + 4, 'file name'),
      line: str(u32(at + 8), at + 8, 'line'),
      lineNumber: lineCol >>> 10,
      column: lineCol & 0x3ff,
    };
  });
  const coreRelos = readInfo(24, 16, 'core_relo', (at) => ({
    insnOff: u32(at),
    typeId: typeId(at + 4),
    accessStr: str(u32(at + 8), at + 8, 'access'),
    kind: u32(at + 12),
  }));
  return { funcInfo, lineInfo, coreRelos };
}
