import { InputError } from '../../errors.js';

/** A field of a context struct: byte offset and size (1, 2, 4 or 8), `count` > 1 for arrays (cb[5], ip6[4]). */
export interface CtxField {
  name: string;
  offset: number;
  size: number;
  count?: number;
}

export type FieldValue = number | bigint | readonly (number | bigint)[];

/** A context the caller gave as bytes, or as named fields to lay out. */
export type ContextInput = Uint8Array | Readonly<Record<string, FieldValue>>;

/**
 * The layout of a program type's context struct (struct __sk_buff, xdp_md, pt_regs...), with the UAPI's offsets,
 * so hosts can build contexts from named fields and read them back.
 */
export class ContextLayout {
  private readonly byName: Map<string, CtxField>;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly fields: readonly CtxField[],
  ) {
    this.byName = new Map(fields.map((f) => [f.name, f]));
  }

  field(name: string): CtxField {
    const f = this.byName.get(name);
    if (!f) throw new InputError(`${this.name} has no field '${name}' (fields: ${[...this.byName.keys()].join(', ')})`);
    return f;
  }

  /** Bytes of the struct with the given fields set (the rest zero). */
  encode(values: Readonly<Record<string, FieldValue>>, into: Uint8Array = new Uint8Array(this.size)): Uint8Array {
    const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
    for (const [name, value] of Object.entries(values)) {
      const f = this.field(name);
      const items = Array.isArray(value) ? (value as readonly (number | bigint)[]) : [value as number | bigint];
      const count = f.count ?? 1;
      if (items.length > count) throw new InputError(`${this.name}.${name}: ${items.length} values for ${count}`);
      items.forEach((v, i) => {
        writeInt(view, f.offset + i * f.size, f.size, v);
      });
    }
    return into;
  }

  /** Field values of struct bytes: numbers up to 4 bytes, bigints for 8, arrays for array fields. */
  decode(bytes: Uint8Array): Record<string, FieldValue> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: Record<string, FieldValue> = {};
    for (const f of this.fields) {
      if (f.offset + f.size * (f.count ?? 1) > bytes.length) continue;
      const read = (at: number) => readInt(view, at, f.size);
      out[f.name] = f.count ? Array.from({ length: f.count }, (_, i) => read(f.offset + i * f.size)) : read(f.offset);
    }
    return out;
  }

  /** Context bytes from a caller's input: bytes as given (at most the struct size), or encoded fields. */
  bytesOf(input: ContextInput | undefined, what = 'ctx'): Uint8Array {
    if (input === undefined) return new Uint8Array(this.size);
    if (input instanceof Uint8Array) {
      if (input.length > this.size) {
        throw new InputError(`${what}: ${input.length} bytes is larger than ${this.name} (${this.size} bytes)`);
      }
      const out = new Uint8Array(this.size);
      out.set(input);
      return out;
    }
    return this.encode(input);
  }
}

export function writeInt(view: DataView, at: number, size: number, v: number | bigint): void {
  switch (size) {
    case 1:
      view.setUint8(at, Number(BigInt.asUintN(8, BigInt(v))));
      break;
    case 2:
      view.setUint16(at, Number(BigInt.asUintN(16, BigInt(v))), true);
      break;
    case 4:
      view.setUint32(at, Number(BigInt.asUintN(32, BigInt(v))), true);
      break;
    default:
      view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
  }
}

export function readInt(view: DataView, at: number, size: number): number | bigint {
  switch (size) {
    case 1:
      return view.getUint8(at);
    case 2:
      return view.getUint16(at, true);
    case 4:
      return view.getUint32(at, true);
    default:
      return view.getBigUint64(at, true);
  }
}

/** Fields of consecutive u32s from `offset`: ['len', 'pkt_type'] -> len@0, pkt_type@4. */
export function u32Fields(names: readonly string[], offset = 0): CtxField[] {
  return names.map((name, i) => ({ name, offset: offset + 4 * i, size: 4 }));
}
