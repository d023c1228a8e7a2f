/**
 * Native (malloc'ed) memory for everything the kernel reads or writes by address.
 *
 * Why not JS buffers: V8 may move small typed arrays on the heap, and there is no supported way to learn a JS
 * buffer's address anyway; yet bpf() attrs are full of addresses (keys, values, instructions, log buffers). koffi
 * allocates C memory that never moves, and `koffi.view` exposes it as an ArrayBuffer without copying, so we write
 * it with DataView and pass its address as an integer.
 *
 * Lifetime: the owner calls `free()`; a FinalizationRegistry frees buffers whose owner forgot, once the
 * NativeBuffer object itself is unreachable. Callers must not keep `bytes`/`view` beyond the buffer's life.
 */
import koffi from 'koffi';

const registry = new FinalizationRegistry<unknown>((pointer) => koffi.free(pointer));

export class NativeBuffer {
  /** Address of the first byte; user-space addresses fit a double exactly (below 2^48 on x86_64 and arm64). */
  readonly address: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  private pointer: unknown;

  /** Allocates `size` zeroed bytes (at least 1, 8-byte aligned by malloc). */
  constructor(readonly size: number) {
    const pointer = koffi.alloc('uint8_t', Math.max(size, 1));
    this.pointer = pointer;
    this.address = Number(koffi.address(pointer));
    const buffer = koffi.view(pointer, Math.max(size, 1));
    this.bytes = new Uint8Array(buffer, 0, size);
    this.view = new DataView(buffer, 0, Math.max(size, 1));
    this.bytes.fill(0);
    registry.register(this, pointer, this);
  }

  /** A native copy of `data`. */
  static from(data: Uint8Array): NativeBuffer {
    const buffer = new NativeBuffer(data.length);
    buffer.bytes.set(data);
    return buffer;
  }

  /** A NUL-terminated UTF-8 copy of `text`. */
  static cString(text: string): NativeBuffer {
    const encoded = new TextEncoder().encode(text);
    const buffer = new NativeBuffer(encoded.length + 1);
    buffer.bytes.set(encoded);
    return buffer;
  }

  get freed(): boolean {
    return this.pointer === undefined;
  }

  /** Releases the memory. Idempotent. */
  free(): void {
    if (this.pointer === undefined) return;
    registry.unregister(this);
    koffi.free(this.pointer);
    this.pointer = undefined;
  }
}

/** Writes an address or other non-negative integer below 2^53 as a little-endian u64 without a BigInt. */
export function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

/** Reads a little-endian u64 as a number (exact below 2^53). */
export function getU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

/**
 * Several native regions allocated together and freed together: one bpf() command's key, value, name, log and
 * so on. `put` and `reserve` return addresses; regions are 8-byte aligned as the kernel expects for u64 arrays.
 */
export class NativeArena {
  private readonly buffers: NativeBuffer[] = [];

  /** Copies `data` to native memory and returns its address (0 for an empty or absent input, i.e. NULL). */
  put(data: Uint8Array | undefined): number {
    if (!data || data.length === 0) return 0;
    const buffer = NativeBuffer.from(data);
    this.buffers.push(buffer);
    return buffer.address;
  }

  /** A NUL-terminated string's address. */
  putString(text: string): number {
    const buffer = NativeBuffer.cString(text);
    this.buffers.push(buffer);
    return buffer.address;
  }

  /** `size` zeroed bytes the kernel will write into. */
  reserve(size: number): NativeBuffer {
    const buffer = new NativeBuffer(size);
    this.buffers.push(buffer);
    return buffer;
  }

  free(): void {
    for (const buffer of this.buffers) buffer.free();
    this.buffers.length = 0;
  }
}

/** Runs `fn` with a fresh arena and frees it afterwards, whatever happens. */
export function withArena<T>(fn: (arena: NativeArena) => T): T {
  const arena = new NativeArena();
  try {
    return fn(arena);
  } finally {
    arena.free();
  }
}
