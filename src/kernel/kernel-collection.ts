/**
 * A loaded object in the Linux kernel: the `Collection` interface over live maps and programs. Closing it closes
 * every link its programs made, the readers it handed out, the programs, the maps (pins stay: they are meant to
 * outlive the process) and the object's BTF.
 */
import type { Collection, RecordReader } from '../object/collection.js';
import type { ObjectSpec } from '../object/types.js';
import { MapType } from './constants.js';
import type { Fd } from './fd.js';
import type { KernelLoadedMap } from './loaded-map.js';
import type { KernelLoadedProgram } from './loaded-program.js';
import { MapArgumentError } from './map.js';
import { type PerfBufferOptions, PerfBufferReader, type PerfRecord } from './perfbuf-reader.js';
import { RingBufferReader } from './ringbuf-reader.js';
import { TracePipeReader } from './trace-pipe.js';

/** A name that is not in the collection (a program, map or variable). */
export class UnknownNameError extends MapArgumentError {
  override name = 'UnknownNameError';
}

export class KernelCollection implements Collection {
  readonly backend = 'kernel' as const;
  private readonly readers = new Set<{ close(): void }>();
  private closed = false;

  constructor(
    readonly spec: ObjectSpec,
    readonly programs: ReadonlyMap<string, KernelLoadedProgram>,
    readonly maps: ReadonlyMap<string, KernelLoadedMap>,
    private readonly btfFd: Fd | undefined,
    /** Notes about what was degraded during the load (BTF refused, and so on). */
    readonly warnings: readonly string[] = [],
  ) {}

  program(name: string): KernelLoadedProgram {
    const program = this.programs.get(name);
    if (!program)
      throw new UnknownNameError(
        `${this.spec.name}: no program "${name}" (have: ${[...this.programs.keys()].join(', ')})`,
      );
    return program;
  }

  map(name: string): KernelLoadedMap {
    const map = this.maps.get(name);
    if (!map)
      throw new UnknownNameError(`${this.spec.name}: no map "${name}" (have: ${[...this.maps.keys()].join(', ')})`);
    return map;
  }

  /** A global variable's bytes, read and written through the mmap'ed global data map when possible. */
  variable(name: string): { get(): Uint8Array; set(bytes: Uint8Array): void } {
    const spec = this.spec.variables.find((v) => v.name === name);
    if (!spec) throw new UnknownNameError(`${this.spec.name}: no global variable "${name}"`);
    const map = this.map(spec.map);
    const key = new Uint8Array(4);
    return {
      get: () => {
        const mapped = map.mapped();
        if (mapped) return mapped.slice(spec.offset, spec.offset + spec.size);
        return (map.lookup(key) ?? new Uint8Array(map.spec.valueSize)).slice(spec.offset, spec.offset + spec.size);
      },
      set: (bytes: Uint8Array) => {
        if (bytes.length !== spec.size) {
          throw new MapArgumentError(`variable "${name}": ${bytes.length} bytes given, it has ${spec.size}`);
        }
        if (map.spec.readOnly)
          throw new MapArgumentError(`variable "${name}" is in ${spec.map}, read-only once loaded`);
        const mapped = map.mapped();
        if (mapped) {
          mapped.set(bytes, spec.offset);
          return;
        }
        const value = map.lookup(key) ?? new Uint8Array(map.spec.valueSize);
        value.set(bytes, spec.offset);
        map.update(key, value);
      },
    };
  }

  ringBuffer(mapName: string): RingBufferReader {
    const map = this.map(mapName);
    if (map.spec.type !== MapType.RINGBUF) throw new MapArgumentError(`map "${mapName}" is not a ring buffer`);
    return this.track(new RingBufferReader({ fd: map.fd, size: map.map.maxEntries, name: mapName }));
  }

  perfBuffer(mapName: string, options?: PerfBufferOptions): PerfBufferReader {
    const map = this.map(mapName);
    if (map.spec.type !== MapType.PERF_EVENT_ARRAY)
      throw new MapArgumentError(`map "${mapName}" is not a perf event array`);
    return this.track(new PerfBufferReader(map.map, options));
  }

  tracePipe(): TracePipeReader {
    return this.track(new TracePipeReader());
  }

  private track<T extends { close(): void }>(reader: T): T {
    this.readers.add(reader);
    const close = reader.close.bind(reader);
    reader.close = () => {
      this.readers.delete(reader);
      close();
    };
    return reader;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    let first: unknown;
    const attempt = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        first ??= error;
      }
    };
    for (const reader of [...this.readers]) attempt(() => reader.close());
    for (const program of this.programs.values()) attempt(() => program.close());
    for (const map of this.maps.values()) attempt(() => map.close());
    if (this.btfFd) attempt(() => this.btfFd?.close());
    if (first) throw first;
  }
}

export type { PerfRecord, RecordReader };
