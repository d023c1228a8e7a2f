/**
 * Decodes map keys and values through the object's BTF into plain JavaScript, in the shape bpftool's JSON map
 * dump uses: integers as numbers (bigints beyond 2^53), char arrays as strings, structs as objects keyed by member
 * name, arrays as arrays, enums as their enumerator's name, DATASECs as objects keyed by variable name. Bytes that
 * do not match the type's size decode as an array of bytes, so a wrong BTF id never throws.
 */
import type { Btf } from '../btf/btf.js';
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BtfKind } from '../btf/kinds.js';
import type { DecodedValue } from '../object/collection.js';

/** Raw bytes as numbers (bpftool's fallback when a map has no BTF). */
export function bytesValue(bytes: Uint8Array): DecodedValue {
  return Array.from(bytes);
}

/** Decodes `bytes` as type `typeId`; falls back to raw bytes when the sizes disagree or the type is unusable. */
export function decodeBtfValue(btf: Btf, typeId: number, bytes: Uint8Array): DecodedValue {
  try {
    const size = btf.sizeof(typeId);
    if (size !== bytes.length) return bytesValue(bytes);
    return decodeAt(btf, typeId, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, 0);
  } catch {
    return bytesValue(bytes);
  }
}

function readUnsigned(view: DataView, byteOffset: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(view.getUint8(byteOffset + i));
  return value;
}

function integer(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Reads `bits` bits starting `bitOffset` bits into the byte at `byteOffset` (little-endian bit numbering). */
function readBits(view: DataView, byteOffset: number, bitOffset: number, bits: number, signed: boolean): bigint {
  const first = byteOffset + Math.floor(bitOffset / 8);
  const shift = bitOffset % 8;
  const bytes = Math.ceil((shift + bits) / 8);
  let raw = readUnsigned(view, first, bytes) >> BigInt(shift);
  raw &= (1n << BigInt(bits)) - 1n;
  return signed ? BigInt.asIntN(bits, raw) : raw;
}

function decodeAt(btf: Btf, id: number, view: DataView, byteOffset: number, depth: number): DecodedValue {
  if (depth > 64) return null;
  const resolved = btf.resolve(id);
  const kind = btf.kind(resolved);
  switch (kind) {
    case BtfKind.Int: {
      const word = btf.extra(resolved, 0);
      const encoding = (word >>> 24) & 0xf;
      const bits = word & 0xff;
      const value = readBits(view, byteOffset, (word >>> 16) & 0xff, bits, (encoding & BTF_INT_SIGNED) !== 0);
      if (encoding & BTF_INT_BOOL) return value !== 0n;
      return integer(value);
    }
    case BtfKind.Ptr:
      return integer(readUnsigned(view, byteOffset, btf.pointerSize()));
    case BtfKind.Enum:
    case BtfKind.Enum64: {
      const size = btf.sizeOrType(resolved);
      const value = readUnsigned(view, byteOffset, size);
      const type = btf.type(resolved);
      if (type.kind === BtfKind.Enum || type.kind === BtfKind.Enum64) {
        for (const v of type.values) if (BigInt.asUintN(size * 8, BigInt(v.value)) === value) return v.name;
      }
      return integer(type.kind === BtfKind.Enum && type.signed ? BigInt.asIntN(size * 8, value) : value);
    }
    case BtfKind.Float: {
      const size = btf.sizeOrType(resolved);
      if (size === 4) return view.getFloat32(byteOffset, true);
      if (size === 8) return view.getFloat64(byteOffset, true);
      return bytesValue(new Uint8Array(view.buffer, view.byteOffset + byteOffset, size));
    }
    case BtfKind.Array: {
      const elem = btf.extra(resolved, 0);
      const count = btf.extra(resolved, 2);
      const elemSize = btf.sizeof(elem);
      const elemResolved = btf.resolve(elem);
      if (elemSize === 1 && btf.kind(elemResolved) === BtfKind.Int) {
        const encoding = (btf.extra(elemResolved, 0) >>> 24) & 0xf;
        if (encoding & BTF_INT_CHAR || btf.name(elemResolved) === 'char') {
          const bytes = new Uint8Array(view.buffer, view.byteOffset + byteOffset, count);
          const end = bytes.indexOf(0);
          return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
        }
      }
      const out: DecodedValue[] = [];
      for (let i = 0; i < count; i++) out.push(decodeAt(btf, elem, view, byteOffset + i * elemSize, depth + 1));
      return out;
    }
    case BtfKind.Struct:
    case BtfKind.Union: {
      const out: { [field: string]: DecodedValue } = {};
      for (const member of btf.members(resolved)) {
        const at = byteOffset + Math.floor(member.bitOffset / 8);
        let value: DecodedValue;
        if (member.bitfieldSize > 0) {
          const memberType = btf.resolve(member.type);
          const signed =
            btf.kind(memberType) === BtfKind.Int && ((btf.extra(memberType, 0) >>> 24) & BTF_INT_SIGNED) !== 0;
          value = integer(readBits(view, byteOffset, member.bitOffset, member.bitfieldSize, signed));
        } else {
          value = decodeAt(btf, member.type, view, at, depth + 1);
        }
        if (member.name === '' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
          Object.assign(out, value);
        } else {
          out[member.name] = value;
        }
      }
      return out;
    }
    case BtfKind.Datasec: {
      const out: { [field: string]: DecodedValue } = {};
      const type = btf.type(resolved);
      if (type.kind !== BtfKind.Datasec) return null;
      for (const v of type.vars) {
        if (v.offset + v.size > view.byteLength - byteOffset) continue;
        const varType = btf.kind(v.type) === BtfKind.Var ? btf.sizeOrType(v.type) : v.type;
        out[btf.name(v.type)] = decodeAt(btf, varType, view, byteOffset + v.offset, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}
