/**
 * A minimal WebAssembly binary writer: a growable byte buffer with LEB128 encoders, and the module layout the JIT
 * needs (types, imports, globals, functions, exports, and the branch-hint custom section that tells V8 which side
 * of a bounds or budget check is cold). Written by hand so the core has no dependency and compiles a program in
 * well under a millisecond.
 */

/** Growable byte buffer with the encodings of the WebAssembly binary format. */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;
  /** Whether branch hints are being recorded (while a function body is written). */
  hinting = false;
  /**
   * The hints recorded: (offset from `bodyStart`, 1 likely / 0 unlikely) pairs in hintBuf[0 .. hintLen), a buffer
   * reused from function to function (no growing array per compilation).
   */
  hintBuf = new Int32Array(256);
  hintLen = 0;
  bodyStart = 0;

  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
  }

  /**
   * Makes room for `n` more bytes. The check is inlined at every call site; only `grow` is out of line. Hot emitters
   * reserve once and then write `bytes` directly (see `sleb32At`).
   */
  reserve(n: number): void {
    if (this.length + n > this.bytes.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Records a hint for the `if` or `br_if` about to be written: V8 lays out the unlikely side out of line. */
  hint(likely: boolean): this {
    if (this.hinting) this.pushHint(this.length - this.bodyStart, likely ? 1 : 0);
    return this;
  }

  /** Records a hint for the branch at body offset `offset` (for code written directly into `bytes`). */
  hintAt(offset: number, likely: boolean): void {
    if (this.hinting) this.pushHint(offset, likely ? 1 : 0);
  }

  private pushHint(offset: number, likely: number): void {
    if (this.hintLen + 2 > this.hintBuf.length) {
      const grown = new Int32Array(this.hintBuf.length * 2);
      grown.set(this.hintBuf);
      this.hintBuf = grown;
    }
    this.hintBuf[this.hintLen++] = offset;
    this.hintBuf[this.hintLen++] = likely;
  }

  u8(b: number): this {
    if (this.length >= this.bytes.length) this.grow(1);
    this.bytes[this.length++] = b;
    return this;
  }

  /** Two bytes at once (a prefixed opcode, or an opcode and a small operand). */
  u8x2(a: number, b: number): this {
    this.reserve(2);
    this.bytes[this.length++] = a;
    this.bytes[this.length++] = b;
    return this;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^32. */
  uleb(n: number): this {
    this.reserve(5);
    n >>>= 0;
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      this.bytes[this.length++] = b;
    } while (n !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer. */
  sleb32(n: number): this {
    this.reserve(5);
    n |= 0;
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        this.bytes[this.length++] = b;
        return this;
      }
      this.bytes[this.length++] = b | 0x80;
    }
  }

  /** Signed LEB128 of a 64-bit integer given as its two 32-bit halves (no BigInt on the hot path). */
  sleb64(lo: number, hi: number): this {
    if (hi === lo >> 31) return this.sleb32(lo);
    this.reserve(10);
    lo >>>= 0;
    hi |= 0;
    for (;;) {
      const b = lo & 0x7f;
      // shift the 64-bit pair right by 7, arithmetically
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>= 7;
      const done = (hi === 0 && lo === 0 && (b & 0x40) === 0) || (hi === -1 && lo === 0xffffffff && (b & 0x40) !== 0);
      if (done) {
        this.bytes[this.length++] = b;
        return this;
      }
      this.bytes[this.length++] = b | 0x80;
    }
  }

  /** Appends a snippet recorded by `snippet`, with its branch hints moved to where it lands. */
  put(s: Snippet): this {
    if (this.hinting) {
      const at = this.length - this.bodyStart;
      for (let i = 0; i < s.hints.length; i += 2) this.pushHint(at + s.hints[i]!, s.hints[i + 1]!);
    }
    return this.append(s.bytes);
  }

  /** Appends raw bytes. */
  append(src: Uint8Array): this {
    this.reserve(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
    return this;
  }

  /** Appends a name (length-prefixed UTF-8; the JIT only uses ASCII). */
  name(s: string): this {
    this.uleb(s.length);
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.bytes[this.length++] = s.charCodeAt(i) & 0x7f;
    return this;
  }

  /**
   * Starts a length-prefixed run (a section, a function body): reserves five bytes for its length, patched by
   * `endSized` as a padded LEB128 (valid in the binary format), so nothing is written twice.
   */
  beginSized(): number {
    this.reserve(5);
    const at = this.length;
    this.length += 5;
    return at;
  }

  endSized(at: number): void {
    let n = this.length - at - 5;
    for (let i = 0; i < 4; i++) {
      this.bytes[at + i] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.bytes[at + 4] = n & 0x7f;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A fixed run of instructions written once and copied wherever it recurs (cheaper than encoding it again). */
export interface Snippet {
  readonly bytes: Uint8Array;
  /** Branch hints as (offset in `bytes`, likely) pairs. */
  readonly hints: readonly number[];
}

/** Records what `write` emits as a Snippet. */
export function snippet(write: (w: ByteWriter) => void): Snippet {
  const w = new ByteWriter(64);
  w.hinting = true;
  write(w);
  return { bytes: w.finish(), hints: Array.from(w.hintBuf.subarray(0, w.hintLen)) };
}

/**
 * Writes the signed LEB128 of a 32-bit integer at `bytes[o]` (room for five bytes reserved) and returns the offset
 * after it: for emitters that write a run of instructions without a method call per byte.
 */
export function sleb32At(bytes: Uint8Array, o: number, n: number): number {
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      bytes[o] = b;
      return o + 1;
    }
    bytes[o++] = b | 0x80;
  }
}

/** Writes the unsigned LEB128 of a non-negative integer below 2^32 at `bytes[o]`, as `sleb32At`. */
export function ulebAt(bytes: Uint8Array, o: number, n: number): number {
  n >>>= 0;
  while (n >= 0x80) {
    bytes[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  bytes[o] = n;
  return o + 1;
}

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export type ValType = typeof I32 | typeof I64 | typeof F64;

export interface FuncType {
  params: readonly ValType[];
  results: readonly ValType[];
}

export interface FuncImport {
  module: string;
  name: string;
  type: number;
}

/** One defined function: its type index, extra locals (as runs of one type) and a writer of its instructions. */
export interface FuncBody {
  type: number;
  locals: readonly (readonly [count: number, type: ValType])[];
  /** Writes the body's instructions (without the final `end`). */
  emit: (w: ByteWriter) => void;
}

export interface ModuleParts {
  types: readonly FuncType[];
  imports: readonly FuncImport[];
  /** Imported memory (module, name), minimum pages. */
  memory?: { module: string; name: string; minPages: number };
  /** Imported funcref table (module, name), minimum size: host functions reached by call_indirect. */
  table?: { module: string; name: string; minSize: number };
  globals: readonly { type: ValType; mutable: boolean; init: number }[];
  functions: readonly FuncBody[];
  exports: readonly { name: string; kind: 'func' | 'global'; index: number }[];
}

/**
 * Lays out a whole module into `out` (reset first) and returns a copy of the bytes. Function indexes count imports
 * first, as the format does. One writer for everything keeps compilation allocation-free but for the result.
 */
export function writeModule(parts: ModuleParts, out: ByteWriter = new ByteWriter(1024)): Uint8Array {
  out.length = 0;
  out.append(MAGIC);
  const section = (id: number, fill: (w: ByteWriter) => void): void => {
    out.u8(id);
    const at = out.beginSized();
    fill(out);
    out.endSized(at);
  };
  section(1, (w) => {
    w.uleb(parts.types.length);
    for (const t of parts.types) {
      w.u8(0x60).uleb(t.params.length);
      for (const p of t.params) w.u8(p);
      w.uleb(t.results.length);
      for (const r of t.results) w.u8(r);
    }
  });
  section(2, (w) => {
    const { memory, table } = parts;
    w.uleb(parts.imports.length + (memory ? 1 : 0) + (table ? 1 : 0));
    if (memory) w.name(memory.module).name(memory.name).u8(0x02).u8(0x00).uleb(memory.minPages);
    if (table) w.name(table.module).name(table.name).u8(0x01).u8(0x70).u8(0x00).uleb(table.minSize);
    for (const imp of parts.imports) w.name(imp.module).name(imp.name).u8(0x00).uleb(imp.type);
  });
  section(3, (w) => {
    w.uleb(parts.functions.length);
    for (const f of parts.functions) w.uleb(f.type);
  });
  if (parts.globals.length > 0) {
    section(6, (w) => {
      w.uleb(parts.globals.length);
      for (const g of parts.globals) {
        w.u8(g.type).u8(g.mutable ? 1 : 0);
        if (g.type === I64) w.u8(0x42).sleb32(g.init);
        else if (g.type === I32) w.u8(0x41).sleb32(g.init);
        else throw new Error('f64 globals are not used by the JIT');
        w.u8(0x0b);
      }
    });
  }
  section(7, (w) => {
    w.uleb(parts.exports.length);
    for (const e of parts.exports)
      w.name(e.name)
        .u8(e.kind === 'func' ? 0x00 : 0x03)
        .uleb(e.index);
  });
  // the code goes to its own writer first: the branch hints that describe it must come before it
  const code = codeScratch;
  code.length = 0;
  code.uleb(parts.functions.length);
  const hinted: [index: number, hints: Int32Array][] = [];
  for (const [i, f] of parts.functions.entries()) {
    const at = code.beginSized();
    code.bodyStart = code.length;
    code.hinting = true;
    code.hintLen = 0;
    code.uleb(f.locals.length);
    for (const [count, type] of f.locals) code.uleb(count).u8(type);
    f.emit(code);
    code.u8(0x0b);
    code.endSized(at);
    if (code.hintLen > 0) hinted.push([parts.imports.length + i, code.hintBuf.slice(0, code.hintLen)]);
    code.hinting = false;
  }
  if (hinted.length > 0) {
    // the branch hinting proposal's custom section (used by V8 when branch hinting is enabled, ignored otherwise)
    section(0, (w) => {
      w.name('metadata.code.branch_hint').uleb(hinted.length);
      for (const [index, hints] of hinted) {
        w.uleb(index).uleb(hints.length / 2);
        for (let h = 0; h < hints.length; h += 2)
          w.uleb(hints[h]!)
            .u8(1)
            .u8(hints[h + 1]!);
      }
    });
  }
  out.u8(10).uleb(code.length).append(code.bytes.subarray(0, code.length));
  return out.finish();
}

const codeScratch = new ByteWriter(1 << 16);

const MAGIC = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
