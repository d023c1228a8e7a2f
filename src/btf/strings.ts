/**
 * A BTF string section. Offsets are global: a split BTF's strings continue its base's, so lookups below `start`
 * go to the base. Strings are decoded on first use and cached, which keeps parsing vmlinux cheap (most of its
 * ~100k names are never looked at by a given tool).
 */
export class BtfStrings {
  /** Global offset of this section's first byte (the base's total string size, 0 without a base). */
  readonly start: number;
  private readonly cache = new Map<number, string>();

  constructor(
    readonly bytes: Uint8Array,
    readonly base?: BtfStrings,
  ) {
    this.start = base ? base.end : 0;
  }

  /** Global offset one past the last byte. */
  get end(): number {
    return this.start + this.bytes.length;
  }

  /** True when `offset` is inside this section or its base's. */
  has(offset: number): boolean {
    return offset >= 0 && offset < this.end;
  }

  /** The NUL-terminated string at a global offset; the caller checked `has(offset)` (parsing does). */
  get(offset: number): string {
    if (offset < this.start) return this.base!.get(offset);
    let s = this.cache.get(offset);
    if (s === undefined) {
      s = decode(this.bytes, offset - this.start);
      this.cache.set(offset, s);
    }
    return s;
  }
}

let utf8: TextDecoder | undefined;

/** Decodes up to the next NUL (the section is checked to end with one). ASCII fast path, UTF-8 otherwise. */
function decode(bytes: Uint8Array, start: number): string {
  let end = start;
  let ascii = true;
  while (end < bytes.length && bytes[end] !== 0) {
    if (bytes[end]! >= 0x80) ascii = false;
    end++;
  }
  if (!ascii) {
    utf8 ??= new TextDecoder();
    return utf8.decode(bytes.subarray(start, end));
  }
  if (end - start < 64) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  return String.fromCharCode.apply(null, Array.from(bytes.subarray(start, end)));
}
