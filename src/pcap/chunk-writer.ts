/** Receives finished output chunks; may keep them (a writer never reuses a chunk it has handed over). */
export type ChunkSink = (chunk: Uint8Array) => void;

/**
 * An output buffer that hands full chunks to a sink: writers fill it record by record through `reserve`, which
 * returns a DataView and offset with room for the record; a record larger than a chunk gets a chunk of its own.
 */
export class ChunkWriter {
  private buf: Uint8Array;
  private view: DataView;
  private used = 0;

  constructor(
    private readonly sink: ChunkSink,
    private readonly chunkSize = 1 << 20,
  ) {
    this.buf = new Uint8Array(chunkSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Room for `n` bytes: returns the offset to write at in `this.bytes` / `this.dataView`, and commits them. */
  reserve(n: number): number {
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.replace(n);
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  get bytes(): Uint8Array {
    return this.buf;
  }

  get dataView(): DataView {
    return this.view;
  }

  /** Hands what has been written so far to the sink. */
  flush(): void {
    if (this.used === 0) return;
    const full = this.used === this.buf.length;
    this.sink(full ? this.buf : this.buf.slice(0, this.used));
    if (full || this.buf.length > this.chunkSize) this.replace(this.chunkSize);
    this.used = 0;
  }

  private replace(size: number): void {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
}
