/**
 * Builds raw BTF blobs for tests: malformed inputs (cycles, bad ids, bad offsets) and split BTF that clang cannot
 * produce. Types are given as word arrays: [name_off, info, size_or_type, ...kind data].
 */
export class BtfBuilder {
  private readonly types: number[][] = [];
  private readonly strings: number[];
  private readonly stringOffsets = new Map<string, number>();

  /** `stringStart` is the base's string size for split BTF (whose own section need not start with NUL). */
  constructor(private readonly stringStart = 0) {
    this.strings = stringStart === 0 ? [0] : [];
  }

  /** Adds a string (deduplicated) and returns its global offset. */
  str(s: string): number {
    if (s === '') return 0; // offset 0 is the empty string in a base and, through it, in a split BTF
    const known = this.stringOffsets.get(s);
    if (known !== undefined) return known;
    const off = this.stringStart + this.strings.length;
    for (const b of new TextEncoder().encode(s)) this.strings.push(b);
    this.strings.push(0);
    this.stringOffsets.set(s, off);
    return off;
  }

  /** Adds a type record; returns its position (0-based) among this builder's types. */
  add(words: number[]): number {
    this.types.push(words);
    return this.types.length - 1;
  }

  int(name: string, size: number, signed = false): number[] {
    return [this.str(name), info(1, 0), size, ((signed ? 1 : 0) << 24) | (size * 8)];
  }

  ref(kind: number, type: number, name = ''): number[] {
    return [this.str(name), info(kind, 0), type];
  }

  struct(name: string, size: number, members: [string, number, number][], kind = 4): number[] {
    const words = [this.str(name), info(kind, members.length), size];
    for (const [n, t, off] of members) words.push(this.str(n), t, off);
    return words;
  }

  /** The blob: header, types, strings, in the given byte order. */
  build(littleEndian = true): Uint8Array {
    const typeWords = this.types.flat();
    const typeLen = typeWords.length * 4;
    const strLen = this.strings.length;
    const out = new Uint8Array(24 + typeLen + strLen);
    const view = new DataView(out.buffer);
    view.setUint16(0, 0xeb9f, littleEndian);
    out[2] = 1;
    view.setUint32(4, 24, littleEndian);
    view.setUint32(8, 0, littleEndian);
    view.setUint32(12, typeLen, littleEndian);
    view.setUint32(16, typeLen, littleEndian);
    view.setUint32(20, strLen, littleEndian);
    for (let i = 0; i < typeWords.length; i++) view.setUint32(24 + i * 4, typeWords[i]! >>> 0, littleEndian);
    out.set(this.strings, 24 + typeLen);
    return out;
  }
}

/** The info word: kind in bits 24-28, vlen in 0-15, kind_flag in bit 31. */
export function info(kind: number, vlen: number, kindFlag = false): number {
  return ((kindFlag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}
