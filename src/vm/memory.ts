/**
 * The VM's address space: one WebAssembly.Memory shared by the interpreter, the JIT and the host (maps, helpers).
 *
 * Pointers are linear addresses into that memory (64-bit values whose upper half is 0). Every access an unverified
 * program makes is checked with a shadow map: one shadow byte per 8-byte chunk of the data area says whether the
 * chunk is fully readable, fully writable, partly valid or unmapped. Regions are 8-byte aligned and separated by at
 * least one unmapped chunk, so an access of up to 8 bytes whose first and last chunks are both valid cannot straddle
 * two regions. The shadow map itself sits at the start of the memory; its own chunks are unmapped, so address 0
 * (null) and anything below the data area always fault. Partial chunks (a region whose size is not a multiple of 8)
 * take the slow path, which checks against the exact region bounds.
 */

/** Shadow byte values. */
export const SHADOW_NONE = 0x00;
/** Chunk fully inside a region: readable. */
export const SHADOW_READ = 0x08;
/** Chunk fully inside a writable region: readable and writable. */
export const SHADOW_WRITE = 0x10;
/** Chunk partly inside a region (its last chunk): check exact bounds. */
export const SHADOW_PARTIAL = 0x20;

const PAGE = 65536;
const CHUNK_SHIFT = 3;
const GUARD = 8;

export type RegionKind = 'stack' | 'memory' | 'packet' | 'context' | 'map' | 'map-value' | 'scratch' | 'other';

export interface Region {
  readonly start: number;
  readonly size: number;
  readonly name: string;
  readonly kind: RegionKind;
  writable: boolean;
}

export interface AddressSpaceOptions {
  /** Largest size the data area may grow to, in bytes (default 256 MiB). */
  maxBytes?: number;
  /** Initial data area in bytes (default 1 MiB). */
  initialBytes?: number;
}

export class AddressSpace {
  readonly memory: WebAssembly.Memory;
  /** First byte of the data area (everything below is the shadow map). */
  readonly dataStart: number;
  /** Byte views of the memory, refreshed when it grows. */
  u8: Uint8Array;
  view: DataView;
  private readonly maxBytes: number;
  private top: number;
  private readonly regions: Region[] = [];
  private sorted = true;
  private readonly freeLists = new Map<number, number[]>();

  constructor(options: AddressSpaceOptions = {}) {
    const maxData = roundUp(options.maxBytes ?? 256 * 1024 * 1024, PAGE);
    const shadowBytes = roundUp((maxData + maxData / 8) >> CHUNK_SHIFT, PAGE);
    this.dataStart = shadowBytes;
    this.maxBytes = shadowBytes + maxData;
    const initial = shadowBytes + roundUp(options.initialBytes ?? 1024 * 1024, PAGE);
    this.memory = new WebAssembly.Memory({ initial: initial / PAGE, maximum: this.maxBytes / PAGE });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.view = new DataView(this.memory.buffer);
    this.top = this.dataStart + GUARD;
  }

  /**
   * Re-creates the byte views if the memory grew. Growing detaches the old ArrayBuffer, so its views read length 0:
   * testing that is cheap, while reading `memory.buffer` is a call into the engine on every helper call and run.
   */
  refresh(): void {
    if (this.u8.length === 0) {
      this.u8 = new Uint8Array(this.memory.buffer);
      this.view = new DataView(this.memory.buffer);
    }
  }

  /** Allocates a zeroed region of `size` bytes (8-byte aligned, guarded on both sides). */
  alloc(size: number, name: string, kind: RegionKind = 'other', writable = true): Region {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`bad region size ${size}`);
    const span = roundUp(Math.max(size, 1), 8);
    let start = this.freeLists.get(span)?.pop();
    if (start === undefined) {
      start = this.top;
      const end = start + span + GUARD;
      if (end > this.maxBytes) {
        throw new VmOutOfMemory(`address space exhausted allocating ${size} bytes for ${name}`);
      }
      if (end > this.memory.buffer.byteLength) {
        this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
        this.refresh();
      }
      this.top = end;
    } else {
      this.u8.fill(0, start, start + span);
    }
    const region: Region = { start, size, name, kind, writable };
    if (this.regions.length > 0 && this.regions[this.regions.length - 1]!.start > start) this.sorted = false;
    this.regions.push(region);
    this.mark(region);
    return region;
  }

  /**
   * Reserves `size` bytes of host-only memory (registers, bookkeeping): addressable by the runtime but unmapped for
   * programs, so any access a program makes to it faults.
   */
  reserve(size: number): number {
    const start = this.top;
    const end = start + roundUp(Math.max(size, 1), 8) + GUARD;
    if (end > this.maxBytes) throw new VmOutOfMemory(`address space exhausted reserving ${size} bytes`);
    if (end > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
      this.refresh();
    }
    this.top = end;
    return start;
  }

  /** Releases a region: its chunks become unmapped and its space is reused by later allocations of the same size. */
  free(region: Region): void {
    const i = this.regions.indexOf(region);
    if (i < 0) return;
    this.regions.splice(i, 1);
    this.unmark(region);
    const span = roundUp(Math.max(region.size, 1), 8);
    let list = this.freeLists.get(span);
    if (!list) this.freeLists.set(span, (list = []));
    list.push(region.start);
  }

  /** Makes a region read-only or writable again (read-only data, frozen maps). */
  setWritable(region: Region, writable: boolean): void {
    region.writable = writable;
    this.mark(region);
  }

  /** A view of a region's bytes (valid until the memory grows). */
  bytes(region: Region): Uint8Array {
    return this.u8.subarray(region.start, region.start + region.size);
  }

  /** Whether [addr, addr + size) lies inside one region, writable if `write`. */
  check(addr: number, size: number, write: boolean): boolean {
    const u8 = this.u8;
    const first = u8[addr >>> CHUNK_SHIFT];
    const last = u8[(addr + size - 1) >>> CHUNK_SHIFT];
    if (first === undefined || last === undefined) return false;
    const both = first & last;
    if (both & (write ? SHADOW_WRITE : SHADOW_WRITE | SHADOW_READ)) return true;
    if (!((first | last) & SHADOW_PARTIAL)) return false;
    const region = this.regionAt(addr);
    return region !== undefined && addr + size <= region.start + region.size && (!write || region.writable);
  }

  /** The region containing `addr`, if any. */
  regionAt(addr: number): Region | undefined {
    const regions = this.sortedRegions();
    let lo = 0;
    let hi = regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = regions[mid]!;
      if (addr < r.start) hi = mid - 1;
      else if (addr >= r.start + Math.max(r.size, 1)) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** The region nearest to `addr` (for fault messages). */
  nearestRegion(addr: number): Region | undefined {
    const regions = this.sortedRegions();
    let best: Region | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const r of regions) {
      const distance = addr < r.start ? r.start - addr : Math.max(0, addr - (r.start + r.size - 1));
      if (distance < bestDistance) {
        best = r;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** All live regions, by address. */
  allRegions(): readonly Region[] {
    return this.sortedRegions();
  }

  private sortedRegions(): Region[] {
    if (!this.sorted) {
      this.regions.sort((a, b) => a.start - b.start);
      this.sorted = true;
    }
    return this.regions;
  }

  private mark(region: Region): void {
    const full = region.writable ? SHADOW_WRITE | SHADOW_READ : SHADOW_READ;
    const firstChunk = region.start >>> CHUNK_SHIFT;
    const fullChunks = region.size >>> CHUNK_SHIFT;
    this.u8.fill(full, firstChunk, firstChunk + fullChunks);
    if (region.size & 7) this.u8[firstChunk + fullChunks] = SHADOW_PARTIAL;
  }

  private unmark(region: Region): void {
    const firstChunk = region.start >>> CHUNK_SHIFT;
    this.u8.fill(SHADOW_NONE, firstChunk, firstChunk + roundUp(Math.max(region.size, 1), 8) / 8);
  }
}

/** The address space has no room left for an allocation. */
export class VmOutOfMemory extends Error {
  override name = 'VmOutOfMemory';
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
