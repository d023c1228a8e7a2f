/**
 * The input side of the streaming reader: chunks pushed in arbitrary sizes, read as if they were one array.
 *
 * Records are parsed straight out of the current chunk (`head`, from `pos`) through a DataView, so packets inside
 * one chunk cost no copy. When a record straddles chunks, `ensure(n)` builds a fresh array of exactly the bytes
 * needed, taken from the head remainder and the following chunks, and makes it the head; the chunk the bytes came
 * from continues as a view. Memory is therefore the chunks not yet consumed plus at most one record, whatever the
 * file size, and nothing handed out is ever overwritten (fresh arrays are never reused).
 */
export class ByteQueue {
  /** The chunk being read. */
  head: Uint8Array = new Uint8Array(0);
  /** DataView over `head`. */
  view: DataView = new DataView(this.head.buffer);
  /** Read position in `head`. */
  pos = 0;
  /** Absolute input offset of `head[0]`. */
  private base = 0;
  /** Chunks after `head`, oldest first; `first` indexes the next one so shifting is O(1). */
  private rest: Uint8Array[] = [];
  private first = 0;
  /** Bytes in `rest` (from `first`). */
  private restBytes = 0;

  /** Absolute input offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Unread bytes in total. */
  get available(): number {
    return this.head.length - this.pos + this.restBytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.pos === this.head.length && this.restBytes === 0) {
      this.setHead(chunk, this.base + this.head.length);
    } else {
      this.rest.push(chunk);
      this.restBytes += chunk.length;
    }
  }

  /**
   * Makes at least `n` unread bytes contiguous in `head` from `pos`. Returns false (changing nothing) when fewer
   * than `n` bytes have been pushed.
   */
  ensure(n: number): boolean {
    const have = this.head.length - this.pos;
    if (have >= n) return true;
    if (have + this.restBytes < n) return false;
    if (have === 0) {
      // Nothing left in the head: start from the next chunk, which may already hold n bytes.
      this.advance();
      if (this.head.length >= n) return true;
    }
    const merged = new Uint8Array(n);
    const start = this.offset;
    let filled = this.head.length - this.pos;
    merged.set(this.head.subarray(this.pos), 0);
    while (filled < n) {
      const next = this.rest[this.first]!;
      const take = Math.min(next.length, n - filled);
      merged.set(take === next.length ? next : next.subarray(0, take), filled);
      filled += take;
      this.restBytes -= take;
      if (take === next.length) {
        this.rest[this.first++] = EMPTY;
      } else {
        this.rest[this.first] = next.subarray(take);
      }
    }
    this.compact();
    this.setHead(merged, start);
    return true;
  }

  /** Consumes `n` bytes, which `ensure(n)` has made contiguous. */
  consume(n: number): void {
    this.pos += n;
    if (this.pos === this.head.length && this.restBytes > 0) this.advance();
  }

  /** Consumes up to `n` bytes without making them contiguous (for skipping large blocks); returns how many. */
  discard(n: number): number {
    let done = 0;
    while (done < n) {
      const have = this.head.length - this.pos;
      if (have === 0) {
        if (this.restBytes === 0) break;
        this.advance();
        continue;
      }
      const take = Math.min(have, n - done);
      this.pos += take;
      done += take;
    }
    return done;
  }

  private advance(): void {
    const next = this.rest[this.first];
    if (next === undefined) return;
    this.rest[this.first++] = EMPTY;
    this.restBytes -= next.length;
    this.compact();
    this.setHead(next, this.base + this.head.length);
  }

  private setHead(chunk: Uint8Array, base: number): void {
    this.head = chunk;
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.length);
    this.pos = 0;
    this.base = base;
  }

  private compact(): void {
    if (this.first === this.rest.length) {
      this.rest.length = 0;
      this.first = 0;
    } else if (this.first > 64) {
      this.rest = this.rest.slice(this.first);
      this.first = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
