import type { Btf } from './btf.js';
import { BtfKind } from './kinds.js';

/** A value decoded through BTF: numbers (bigints above 2^53), objects for structs, arrays for arrays. */
export type BtfValue = number | bigint | string | boolean | null | BtfValue[] | { [field: string]: BtfValue };

const BTF_INT_SIGNED = 1;
const BTF_INT_BOOL = 4;

/**
 * Decodes `bytes` as BTF type `id`, in the shape bpftool's `formatted` JSON uses: integers as numbers (a u64 that
 * does not fit a double's integers as a bigint), bools as booleans, structs as objects keyed by member name
 * (anonymous members merged in), unions as objects of every member's view, arrays as arrays (char arrays too, as
 * arrays of numbers), enums as the enumerator's name when one matches, pointers as numbers. Bytes shorter than
 * the type decode as far as they go; missing parts are null.
 */
export function decodeBtfValue(btf: Btf, id: number, bytes: Uint8Array, bitOffset = 0, bitSize = 0): BtfValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeAt(btf, id, view, bitOffset, bitSize, 0);
}

function decodeAt(btf: Btf, id: number, view: DataView, bitOffset: number, bitSize: number, depth: number): BtfValue {
  if (depth > 64) return null;
  const tid = btf.resolve(id);
  const t = btf.type(tid);
  switch (t.kind) {
    case BtfKind.Int: {
      const bits = bitSize || t.bits;
      const signed = (t.encoding & BTF_INT_SIGNED) !== 0;
      const v = readBits(view, bitOffset + t.bitOffset, bits, bitSize ? bits : t.size * 8, signed);
      if (v === undefined) return null;
      if (t.encoding & BTF_INT_BOOL) return v !== 0n;
      return toNumber(v);
    }
    case BtfKind.Enum:
    case BtfKind.Enum64: {
      const v = readBits(view, bitOffset, bitSize || t.size * 8, bitSize || t.size * 8, t.signed);
      if (v === undefined) return null;
      const match = (t.values as { name: string; value: number | bigint }[]).find((e) => BigInt(e.value) === v);
      return match ? match.name : toNumber(v);
    }
    case BtfKind.Ptr: {
      const size = btf.pointerSize();
      const v = readBits(view, bitOffset, size * 8, size * 8, false);
      return v === undefined ? null : toNumber(v);
    }
    case BtfKind.Array: {
      const elemSize = btf.sizeof(t.type);
      const out: BtfValue[] = [];
      for (let i = 0; i < t.nelems; i++)
        out.push(decodeAt(btf, t.type, view, bitOffset + i * elemSize * 8, 0, depth + 1));
      return out;
    }
    case BtfKind.Struct:
    case BtfKind.Union: {
      const out: { [field: string]: BtfValue } = {};
      for (const m of btf.members(tid)) {
        const v = decodeAt(btf, m.type, view, bitOffset + m.bitOffset, m.bitfieldSize, depth + 1);
        if (m.name === '' && v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, v);
        else out[m.name] = v;
      }
      return out;
    }
    case BtfKind.Float: {
      const byte = bitOffset >>> 3;
      if (byte + t.size > view.byteLength) return null;
      if (t.size === 4) return view.getFloat32(byte, true);
      if (t.size === 8) return view.getFloat64(byte, true);
      return null;
    }
    case BtfKind.Datasec: {
      const out: { [field: string]: BtfValue } = {};
      for (const v of t.vars) {
        // each entry is a VAR named after the variable; the Var case decodes its type
        out[btf.name(v.type)] = decodeAt(btf, v.type, view, bitOffset + v.offset * 8, 0, depth + 1);
      }
      return out;
    }
    case BtfKind.Var:
      return decodeAt(btf, t.type, view, bitOffset, bitSize, depth + 1);
    default:
      return null;
  }
}

/** `bits` bits at `bitOffset` (little endian), sign-extended when `signed`; undefined past the end of the bytes. */
function readBits(
  view: DataView,
  bitOffset: number,
  bits: number,
  _storage: number,
  signed: boolean,
): bigint | undefined {
  if (bits === 0) return 0n;
  const first = bitOffset >>> 3;
  const last = (bitOffset + bits - 1) >>> 3;
  if (last >= view.byteLength) return undefined;
  let v = 0n;
  for (let i = last; i >= first; i--) v = (v << 8n) | BigInt(view.getUint8(i));
  v = (v >> BigInt(bitOffset & 7)) & ((1n << BigInt(bits)) - 1n);
  return signed ? BigInt.asIntN(bits, v) : v;
}

function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
