import { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { BTF_HEADER_SIZE, BTF_KIND_NAMES, BTF_MAGIC, BTF_VERSION, BtfKind, extraWords } from './kinds.js';
import { BtfStrings } from './strings.js';

export interface ParseBtfOptions {
  /** The base BTF of a split BTF (e.g. vmlinux's for a module's). */
  base?: Btf;
  /** File name for error messages. */
  file?: string;
  /** Section name for error messages (default ".BTF"). */
  section?: string;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses a BTF blob (the .BTF section of an object, or a raw file such as /sys/kernel/btf/vmlinux), in either
 * byte order. Validates the header, every type record's length and kind, every string offset and type id, and
 * rejects cycles along the edges that size and declaration walks follow (typedef, modifiers, pointers, arrays,
 * function returns, vars), so later walks always end. Errors are `BtfError`s naming the byte offset and type id.
 */
export function parseBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): Btf {
  const section = options.section ?? '.BTF';
  const base = options.base;
  const fail = (detail: string, offset?: number, typeId?: number): never => {
    throw new BtfError({ file: options.file, section, offset, typeId }, detail);
  };
  if (bytes.length < BTF_HEADER_SIZE) {
    fail(`header: ${bytes.length} bytes is shorter than the ${BTF_HEADER_SIZE}-byte BTF header`, 0);
  }
  let le: boolean;
  if (bytes[0] === (BTF_MAGIC & 0xff) && bytes[1] === BTF_MAGIC >> 8) le = true;
  else if (bytes[0] === BTF_MAGIC >> 8 && bytes[1] === (BTF_MAGIC & 0xff)) le = false;
  else le = fail(`bad magic 0x${hex2(bytes[0]!)}${hex2(bytes[1]!)} (expected 0xeb9f)`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[2] !== BTF_VERSION) fail(`unsupported version ${bytes[2]}`, 2);
  const hdrLen = view.getUint32(4, le);
  if (hdrLen < BTF_HEADER_SIZE || hdrLen > bytes.length) {
    fail(`header length ${hdrLen} is outside ${BTF_HEADER_SIZE}..${bytes.length}`, 4);
  }
  // A longer header (from a newer kernel) is only acceptable if the extra bytes are zero, as libbpf requires.
  for (let i = BTF_HEADER_SIZE; i < hdrLen; i++) if (bytes[i] !== 0) fail('unsupported non-zero header extension', i);
  const typeOff = view.getUint32(8, le);
  const typeLen = view.getUint32(12, le);
  const strOff = view.getUint32(16, le);
  const strLen = view.getUint32(20, le);
  const dataLen = bytes.length - hdrLen;
  if (typeOff > dataLen || typeLen > dataLen - typeOff) {
    fail(
      `type section 0x${typeOff.toString(16)}+0x${typeLen.toString(16)} past end of data (0x${dataLen.toString(16)} bytes)`,
      8,
    );
  }
  if (strOff > dataLen || strLen > dataLen - strOff) {
    fail(
      `string section 0x${strOff.toString(16)}+0x${strLen.toString(16)} past end of data (0x${dataLen.toString(16)} bytes)`,
      16,
    );
  }
  if (typeOff % 4 !== 0) fail(`type section offset 0x${typeOff.toString(16)} is not 4-byte aligned`, 8);
  if (typeLen % 4 !== 0) fail(`type section length 0x${typeLen.toString(16)} is not a multiple of 4`, 12);
  if (typeOff < strOff + strLen && strOff < typeOff + typeLen) fail('type and string sections overlap', 8);

  const strBytes = bytes.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  if (!base || strLen > 0) {
    if (strLen === 0) fail('empty string section', 16);
    if (strBytes[strLen - 1] !== 0) fail('string section does not end with NUL', hdrLen + strOff + strLen - 1);
    if (!base && strBytes[0] !== 0) fail('string section does not start with an empty string', hdrLen + strOff);
  }
  const strings = new BtfStrings(strBytes, base?.strings);

  const typesOffset = hdrLen + typeOff;
  const words = loadWords(bytes, typesOffset, typeLen, le);
  const starts = scanRecords(words, typesOffset, base ? base.typeCount : 1, fail);
  const btf = new Btf({ base, littleEndian: le, strings, words, starts, file: options.file, section, typesOffset });
  validateTypes(btf, fail);
  checkChains(btf, fail);
  return btf;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Copies the type section into native-order 32-bit words (byte-swapping when the file's order differs). */
function loadWords(bytes: Uint8Array, offset: number, length: number, le: boolean): Uint32Array {
  // an explicit copy: a Node Buffer's slice() is a view into a shared pool, not a copy at offset 0
  const copy = new Uint8Array(length);
  copy.set(bytes.subarray(offset, offset + length));
  const words = new Uint32Array(copy.buffer, 0, length / 4);
  if (le !== HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      words[i] = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
    }
  }
  return words;
}

type Fail = (detail: string, offset?: number, typeId?: number) => never;

/** First pass: the start of every type record, checking that each has a known kind and fits in the section. */
function scanRecords(words: Uint32Array, typesOffset: number, firstId: number, fail: Fail): Uint32Array {
  let starts = new Uint32Array(Math.max(16, (words.length / 3) >>> 2));
  let count = 0;
  let w = 0;
  while (w < words.length) {
    const id = firstId + count;
    if (w + 3 > words.length) fail('truncated type header', typesOffset + w * 4, id);
    const info = words[w + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const extra = extraWords(kind, info & 0xffff);
    if (extra < 0) fail(`unknown kind ${kind}`, typesOffset + w * 4 + 4, id);
    if (w + 3 + extra > words.length) {
      fail(
        `${BTF_KIND_NAMES[kind]} with vlen ${info & 0xffff} runs past the end of the type section`,
        typesOffset + w * 4,
        id,
      );
    }
    if (count === starts.length) {
      const grown = new Uint32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[count++] = w;
    w += 3 + extra;
  }
  if (firstId + count > 0x7fffffff) fail('too many types', typesOffset);
  return starts.slice(0, count);
}

/** Second pass: string offsets, referenced type ids and kind-specific constraints. */
function validateTypes(btf: Btf, fail: Fail): void {
  const { words, starts, strings, typeCount, firstId, typesOffset } = btf;
  const strEnd = strings.end;
  // Plain loops without per-type closures: this runs over every member of every type of vmlinux.
  for (let i = 0; i < starts.length; i++) {
    const id = firstId + i;
    const w = starts[i]!;
    const info = words[w + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (words[w]! >= strEnd) badName(btf, fail, id, w, 0, 'name');
    switch (kind) {
      case BtfKind.Int: {
        const v = words[w + 3]!;
        const bits = v & 0xff;
        const size = words[w + 2]!;
        if (bits > 128 || size > 16 || ((v >>> 16) & 0xff) + bits > size * 8) {
          fail(
            `INT with size ${size} cannot hold ${bits} bits at bit offset ${(v >>> 16) & 0xff}`,
            typesOffset + (w + 3) * 4,
            id,
          );
        }
        break;
      }
      case BtfKind.Ptr:
      case BtfKind.Typedef:
      case BtfKind.Volatile:
      case BtfKind.Const:
      case BtfKind.Restrict:
      case BtfKind.TypeTag:
      case BtfKind.Var:
        if (words[w + 2]! >= typeCount) badType(btf, fail, id, w, 2, 'referenced');
        break;
      case BtfKind.Func: {
        if (words[w + 2]! >= typeCount) badType(btf, fail, id, w, 2, 'prototype');
        const proto = words[w + 2]!;
        if (btf.kind(proto) !== BtfKind.FuncProto) {
          fail(`FUNC type ${proto} is not a FUNC_PROTO`, typesOffset + (w + 2) * 4, id);
        }
        break;
      }
      case BtfKind.DeclTag:
        if (words[w + 2]! >= typeCount) badType(btf, fail, id, w, 2, 'tagged');
        checkDeclTag(btf, fail, id, w);
        break;
      case BtfKind.Array:
        if (words[w + 3]! >= typeCount) badType(btf, fail, id, w, 3, 'element');
        if (words[w + 4]! >= typeCount) badType(btf, fail, id, w, 4, 'index');
        break;
      case BtfKind.Struct:
      case BtfKind.Union:
        for (let m = 0, p = w + 3; m < vlen; m++, p += 3) {
          if (words[p]! >= strEnd) badName(btf, fail, id, w, p - w, `member ${m}`);
          if (words[p + 1]! >= typeCount) badType(btf, fail, id, w, p + 1 - w, `member ${m}`);
        }
        break;
      case BtfKind.Enum:
        for (let m = 0, p = w + 3; m < vlen; m++, p += 2) {
          if (words[p]! >= strEnd) badName(btf, fail, id, w, p - w, `enumerator ${m}`);
        }
        break;
      case BtfKind.Enum64:
        for (let m = 0, p = w + 3; m < vlen; m++, p += 3) {
          if (words[p]! >= strEnd) badName(btf, fail, id, w, p - w, `enumerator ${m}`);
        }
        break;
      case BtfKind.FuncProto:
        if (words[w + 2]! >= typeCount) badType(btf, fail, id, w, 2, 'return');
        for (let m = 0, p = w + 3; m < vlen; m++, p += 2) {
          if (words[p]! >= strEnd) badName(btf, fail, id, w, p - w, `parameter ${m}`);
          if (words[p + 1]! >= typeCount) badType(btf, fail, id, w, p + 1 - w, `parameter ${m}`);
        }
        break;
      case BtfKind.Datasec:
        for (let m = 0, p = w + 3; m < vlen; m++, p += 3) {
          if (words[p]! >= typeCount) badType(btf, fail, id, w, p - w, `variable ${m}`);
        }
        break;
      default:
        break;
    }
  }
}

function badName(btf: Btf, fail: Fail, id: number, w: number, word: number, what: string): never {
  const off = btf.words[w + word]!;
  return fail(
    `${what} string offset 0x${off.toString(16)} outside the string section (0x${btf.strings.end.toString(16)} bytes)`,
    btf.typesOffset + (w + word) * 4,
    id,
  );
}

function badType(btf: Btf, fail: Fail, id: number, w: number, word: number, what: string): never {
  return fail(
    `${what} type id ${btf.words[w + word]!} out of range (last id is ${btf.typeCount - 1})`,
    btf.typesOffset + (w + word) * 4,
    id,
  );
}

/** A decl tag names the whole type (-1) or one member/parameter of a struct, union or function. */
function checkDeclTag(btf: Btf, fail: Fail, id: number, w: number): void {
  const target = btf.words[w + 2]!;
  const idx = btf.words[w + 3]! | 0;
  const at = btf.typesOffset + (w + 3) * 4;
  if (idx < -1) fail(`DECL_TAG component index ${idx} is negative`, at, id);
  if (idx < 0) return;
  const tk = btf.kind(target);
  const proto = tk === BtfKind.Func ? btf.sizeOrType(target) : target;
  const pk = btf.kind(proto);
  if (pk !== BtfKind.Struct && pk !== BtfKind.Union && pk !== BtfKind.FuncProto) {
    fail(`DECL_TAG with component index ${idx} on a ${BTF_KIND_NAMES[tk]}`, at, id);
  }
  if (idx >= btf.vlen(proto)) fail(`DECL_TAG component index ${idx} out of range (${btf.vlen(proto)})`, at, id);
}

/**
 * The "next" edge of a type along the chains that declaration and size walks follow: typedef, modifiers, pointer,
 * array element, function return and prototype, var, decl tag. Each type has at most one, so a cycle is found in
 * linear time by walking and marking. -1 when the type ends a chain.
 */
function nextInChain(btf: Btf, id: number): number {
  switch (btf.kind(id)) {
    case BtfKind.Ptr:
    case BtfKind.Typedef:
    case BtfKind.Volatile:
    case BtfKind.Const:
    case BtfKind.Restrict:
    case BtfKind.TypeTag:
    case BtfKind.Func:
    case BtfKind.FuncProto:
    case BtfKind.Var:
    case BtfKind.DeclTag:
      return btf.sizeOrType(id);
    case BtfKind.Array:
      return btf.extra(id, 0);
    default:
      return -1;
  }
}

function checkChains(btf: Btf, fail: Fail): void {
  const { firstId, typeCount } = btf;
  // 0: not visited; k > 0: on the walk started at local index k-1; -1: known to end.
  const state = new Int32Array(typeCount - firstId);
  for (let start = firstId; start < typeCount; start++) {
    if (state[start - firstId] !== 0) continue;
    const stamp = start - firstId + 1;
    let id = start;
    while (id >= firstId && state[id - firstId] === 0) {
      state[id - firstId] = stamp;
      id = nextInChain(btf, id);
    }
    if (id >= firstId && state[id - firstId] === stamp) {
      fail(`${BTF_KIND_NAMES[btf.kind(id)]} is part of a type cycle`, btf.byteOffsetOf(id), id);
    }
    id = start;
    while (id >= firstId && state[id - firstId] === stamp) {
      state[id - firstId] = -1;
      id = nextInChain(btf, id);
    }
  }
}
