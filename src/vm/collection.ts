import { InputError } from '../errors.js';
import { ArrayMap } from '../maps/array.js';
import { createMap } from '../maps/create.js';
import type { VmMap } from '../maps/map.js';
import { PerfEventArrayMap } from '../maps/perf-event-array.js';
import { RefMap } from '../maps/ref-array.js';
import { RingBufMap } from '../maps/ringbuf.js';
import { type MapDefinition, MapType } from '../maps/types.js';
import type { Collection, RecordReader } from '../object/collection.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from '../object/types.js';
import { ProgType } from '../uapi/bpf.js';
import { hookOf } from './attach-target.js';
import { VmEvents } from './events.js';
import { runtimeHelpers } from './helpers/index.js';
import { compileJit } from '../jit/compile.js';
import { verifyObjectProgram } from '../verifier/object.js';
import { JitCompileError } from '../jit/errors.js';
import { Interpreter, type InterpreterLinks } from './interpreter.js';
import { linkForVm } from './link-program.js';
import { VmLoadedMap } from './loaded-map.js';
import { AddressSpace } from './memory.js';
import type { Predecoded } from './predecode.js';
import { type ProgramExecutor, VmProgram } from './program.js';
import { programKind } from './progtypes/index.js';
import { builtinTracepointFormat, type TracepointFormatSource } from './progtypes/tracepoint-format.js';
import { type PerfSample, perfBufferReader, ringBufferReader } from './readers.js';
import { type RuntimeOptions, VmRuntime } from './runtime.js';

/** The userspace backends: the interpreter, or every program compiled to WebAssembly when loaded. */
export type VmBackend = 'vm' | 'jit';

export interface LoadCollectionOptions extends RuntimeOptions {
  /**
   * 'vm' (default): the interpreter, nothing to compile, best for programs run once or a few times. 'jit': each
   * program compiled to WebAssembly at load (tens of microseconds to a few milliseconds), several times faster per
   * run; maps, helpers, tail calls, callbacks, events and faults behave the same. See docs/backends.md.
   */
  backend?: VmBackend;
  /**
   * Tracepoint record layouts (e.g. `tracefsFormats` from tsbpf/node, reading the running kernel's tracefs);
   * the built-in layouts answer what it does not.
   */
  tracepointFormats?: TracepointFormatSource;
  /**
   * JIT only (default true): run tsbpf's verifier on each program first; for an accepted program the JIT leaves out
   * the bounds checks of the accesses the verifier proved safe and the instruction budget (the verifier proved the
   * program terminates). Programs it rejects or does not model keep every check.
   */
  verify?: boolean;
}

/**
 * An ObjectSpec loaded into the userspace VM: one address space holding every map, global data and program
 * context; programs linked against the maps; helpers bound to the shared runtime (CPU, task, clocks, trace pipe);
 * an event source for attached programs. Implements the backend-neutral Collection.
 */
export class VmCollection implements Collection {
  readonly backend: VmBackend;
  readonly space: AddressSpace;
  readonly runtime: VmRuntime;
  readonly events: VmEvents;
  readonly programs = new Map<string, VmProgram>();
  readonly maps = new Map<string, VmLoadedMap>();
  private readonly byCode = new Map<Predecoded, VmProgram>();
  private closed = false;

  constructor(
    readonly spec: ObjectSpec,
    options: LoadCollectionOptions = {},
  ) {
    const backend = options.backend ?? 'vm';
    if (backend !== 'vm' && backend !== 'jit') {
      throw new InputError(`backend '${String(backend)}' is not a userspace backend (vm or jit)`);
    }
    this.backend = backend;
    if (!spec.littleEndian) {
      throw new InputError(
        `${spec.name}: a big-endian object cannot run in the userspace VM (it runs little-endian code)`,
      );
    }
    this.space = new AddressSpace();
    const rt = (this.runtime = new VmRuntime(this.space, options));
    const external = options.tracepointFormats;
    const formats: TracepointFormatSource = (name) => external?.(name) ?? builtinTracepointFormat(name);
    this.events = new VmEvents(rt, formats);
    const vmMaps = new Map<string, VmMap>();
    for (const ms of spec.maps) {
      const map = createMap(definitionOf(ms, rt.cpus), this.space, { cpus: rt.cpus });
      vmMaps.set(ms.name, map);
      rt.addMap(map);
      this.maps.set(ms.name, new VmLoadedMap(ms, map, spec.btf, (id) => this.objectById(id)));
      if (ms.initialData && map instanceof ArrayMap) {
        const value = new Uint8Array(map.valueSize);
        value.set(ms.initialData.subarray(0, map.valueSize));
        map.update(new Uint8Array(4), value);
      }
    }
    const helpers = runtimeHelpers(rt, { btf: spec.btf });
    const entriesOf = (code: Predecoded) => this.byCode.get(code)?.linked.functionEntries;
    const links: InterpreterLinks = {
      tailCallTarget: (mapAddress, index) => {
        const map = mapAddress <= 0xffffffffn ? rt.mapAt(Number(mapAddress)) : undefined;
        if (!(map instanceof RefMap) || map.def.type !== MapType.PROG_ARRAY) return undefined;
        const target = map.at(index) as VmProgram | undefined;
        return target?.linked.predecoded;
      },
      functionAt: (value) => {
        for (const p of this.programs.values()) {
          const pc = Number(value) - p.linked.textBase;
          if (value <= 0xffffffffn && p.linked.functionEntries.has(pc)) return { program: p.linked.predecoded, pc };
        }
        return undefined;
      },
    };
    for (const ps of spec.programs) {
      const linked = linkForVm(ps, vmMaps, helpers, this.space);
      const kind = programKind(ps.type, ps.typeName, this.tracepointFormatOf(ps, formats));
      const executor: ProgramExecutor =
        backend === 'jit'
          ? compileFor(spec, ps, () => compileJit(linked.predecoded, {
                space: this.space,
                helpers,
                links,
                ...(options.verify === false ? {} : provenSafe(spec, ps)),
                callbackEntries: (code) => (code === linked.predecoded ? linked.functionEntries : entriesOf(code)),
              }))
          : new Interpreter(linked.predecoded, this.space, helpers, links);
      const program = new VmProgram(
        ps,
        linked,
        kind,
        rt,
        executor,
        (p, target) => this.events.attach(p, target),
        (code) => this.byCode.get(code),
      );
      this.programs.set(ps.name, program);
      this.byCode.set(linked.predecoded, program);
    }
    // references given in the object (`.values = { [0] = &prog }`), then freeze read-only data
    for (const ms of spec.maps) {
      const map = vmMaps.get(ms.name)!;
      for (const ref of ms.initialReferences ?? []) {
        const target = map.def.type === MapType.PROG_ARRAY ? this.programs.get(ref.name) : vmMaps.get(ref.name);
        if (!target || !(map instanceof RefMap)) {
          throw new InputError(`map '${ms.name}' [${ref.index}]: no program or map named '${ref.name}'`);
        }
        map.set(ref.index, target);
      }
      if (ms.readOnly && map instanceof ArrayMap) for (const b of map.blocks) this.space.setWritable(b, false);
    }
  }

  program(name: string): VmProgram {
    const p = this.programs.get(name);
    if (!p) throw new InputError(`no program '${name}' (programs: ${[...this.programs.keys()].join(', ') || 'none'})`);
    return p;
  }

  map(name: string): VmLoadedMap {
    const m = this.maps.get(name);
    if (!m) throw new InputError(`no map '${name}' (maps: ${[...this.maps.keys()].join(', ') || 'none'})`);
    return m;
  }

  /** Puts a program into a prog array (what user space does with the program's fd). */
  setTailCall(progArray: string, index: number, program: string | undefined): void {
    const map = this.map(progArray).map;
    if (!(map instanceof RefMap) || map.def.type !== MapType.PROG_ARRAY) {
      throw new InputError(`map '${progArray}' is not a prog array`);
    }
    map.set(index, program === undefined ? undefined : this.program(program));
  }

  variable(name: string): { get(): Uint8Array; set(bytes: Uint8Array): void } {
    const v = this.spec.variables.find((x) => x.name === name);
    if (!v) throw new InputError(`no global variable '${name}'`);
    const map = this.map(v.map).map;
    if (!(map instanceof ArrayMap)) throw new InputError(`variable '${name}': map '${v.map}' is not global data`);
    const at = map.elementAddress(0) + v.offset;
    return {
      get: () => this.space.u8.slice(at, at + v.size),
      set: (bytes) => {
        if (v.constant) throw new InputError(`variable '${name}' is in .rodata: it is frozen once loaded`);
        if (bytes.length !== v.size) throw new InputError(`variable '${name}' is ${v.size} bytes, not ${bytes.length}`);
        this.space.u8.set(bytes, at);
      },
    };
  }

  ringBuffer(mapName: string): RecordReader<Uint8Array> {
    const map = this.map(mapName).map;
    if (!(map instanceof RingBufMap)) throw new InputError(`map '${mapName}' is not a ring buffer`);
    return ringBufferReader(map);
  }

  perfBuffer(mapName: string): RecordReader<PerfSample> {
    const map = this.map(mapName).map;
    if (!(map instanceof PerfEventArrayMap)) throw new InputError(`map '${mapName}' is not a perf event array`);
    return perfBufferReader(map);
  }

  tracePipe(signal?: AbortSignal): AsyncIterableIterator<string> {
    return this.runtime.tracePipe.lines(signal);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    for (const m of this.maps.values()) m.map.close();
  }

  private objectById(id: number): { id: number } | undefined {
    for (const p of this.programs.values()) if (p.id === id) return p;
    for (const m of this.maps.values()) if (m.map.id === id) return m.map;
    return undefined;
  }

  private tracepointFormatOf(ps: ProgramSpec, formats: TracepointFormatSource) {
    if (ps.type !== ProgType.TRACEPOINT) return undefined;
    try {
      const hook = hookOf(ps.section);
      return hook.target === '*' ? undefined : formats(hook.target);
    } catch {
      return undefined; // a section that names no tracepoint: the context is taken as bytes
    }
  }
}

/** Loads an object into the userspace VM (the interpreter, or the JIT with `backend: 'jit'`). */
export function loadCollection(spec: ObjectSpec, options: LoadCollectionOptions = {}): VmCollection {
  return new VmCollection(spec, options);
}

/** Compiles one program, naming the object and program when the JIT cannot. */
/**
 * JIT options for a program tsbpf's verifier accepts: the accesses it proved in bounds (unchecked) and no budget.
 * Programs with CO-RE relocations keep their checks: the verifier sees them relocated against the kernel's BTF,
 * which need not be the layout the VM runs them with.
 */
function provenSafe(spec: ObjectSpec, ps: ProgramSpec): { verifiedAccesses?: ReadonlySet<number>; budgetChecks?: boolean } {
  if (ps.coreRelocations.length > 0) return {};
  try {
    const verdict = verifyObjectProgram(spec, ps);
    if (verdict.verdict !== 'accepted' || !verdict.safeAccesses) return {};
    return { verifiedAccesses: new Set(verdict.safeAccesses), budgetChecks: false };
  } catch {
    return {}; // anything the verifier cannot take keeps the checked code
  }
}

function compileFor<T>(spec: ObjectSpec, ps: ProgramSpec, compile: () => T): T {
  try {
    return compile();
  } catch (err) {
    if (err instanceof JitCompileError) throw new InputError(`${spec.name}: program '${ps.name}': ${err.message}`);
    throw err;
  }
}

/** BPF_MAP_CREATE's fields from a MapSpec; perf event arrays sized 0 get one slot per CPU, as libbpf does. */
function definitionOf(ms: MapSpec, cpus: number): MapDefinition {
  const maxEntries = ms.type === MapType.PERF_EVENT_ARRAY && ms.maxEntries === 0 ? cpus : ms.maxEntries;
  return {
    name: ms.name,
    type: ms.type,
    keySize: ms.keySize,
    valueSize: ms.valueSize,
    maxEntries,
    flags: ms.flags,
    extra: ms.extra,
    inner: ms.inner ? definitionOf(ms.inner, cpus) : undefined,
  };
}
