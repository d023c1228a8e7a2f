/**
 * Loading an ObjectSpec into the Linux kernel (libbpf's bpf_object__load): check features, upload the object's
 * BTF, create (or reuse pinned) maps and fill global data, load every program linked to those maps, then fill
 * prog-array and map-in-map slots. Anything that fails undoes what was made, so a failed load leaves no fd, map,
 * program or pin behind.
 */
import type { ObjectSpec } from '../object/types.js';
import { btfLoad } from './bpf.js';
import { DEFAULT_PIN_ROOT, ensurePinRoot } from './bpffs.js';
import { BtfUpload } from './btf-upload.js';
import type { Fd } from './fd.js';
import { checkFeatures } from './features.js';
import { kconfigValue } from './kconfig.js';
import { KernelCollection } from './kernel-collection.js';
import { fillReferences, loadMaps } from './load-maps.js';
import { loadProgram, type ProgramLoadContext } from './load-program.js';
import type { KernelLoadedMap } from './loaded-map.js';
import { KernelLoadedProgram } from './loaded-program.js';
import { kernelConfig, kernelVersionCode } from './running-kernel.js';

export interface LoadCollectionOptions {
  /** Directory for LIBBPF_PIN_BY_NAME maps (default /sys/fs/bpf). */
  pinRoot?: string;
  /** Verifier log level for every program (0: only on failure). */
  logLevel?: number;
  /** Only load these programs (by name); default all. */
  programs?: readonly string[];
  /** Skip the feature probes (they cost a few syscalls, once per process). */
  skipFeatureCheck?: boolean;
}

export function loadCollection(spec: ObjectSpec, options: LoadCollectionOptions = {}): KernelCollection {
  const wanted = options.programs ? new Set(options.programs) : undefined;
  // As libbpf: `SEC("?...")` programs load only when asked for by name.
  const programs = wanted
    ? spec.programs.filter((p) => wanted.has(p.name) || wanted.has(p.section))
    : spec.programs.filter((p) => p.autoload !== false);
  const selected: ObjectSpec = { ...spec, programs };
  if (!options.skipFeatureCheck) checkFeatures(selected);
  const pinRoot = options.pinRoot ?? DEFAULT_PIN_ROOT;
  if (spec.maps.some((m) => m.pinning === 1)) ensurePinRoot(pinRoot);

  const warnings: string[] = [];
  let upload: BtfUpload | undefined;
  let btfFd: Fd | undefined;
  let maps: Map<string, KernelLoadedMap> | undefined;
  const loaded = new Map<string, KernelLoadedProgram>();
  try {
    if (spec.btf) {
      upload = new BtfUpload(spec.btf);
      // Line info strings may be appended to the upload, so the records are built before the bytes are taken.
      for (const program of programs) {
        for (const line of program.lineInfo) {
          upload.stringOffset(line.fileName);
          upload.stringOffset(line.line);
        }
      }
      try {
        btfFd = btfLoad({ data: upload.bytes() }).fd;
      } catch (error) {
        warnings.push(`object BTF not loaded, continuing without it: ${(error as Error).message}`);
        upload = undefined;
      }
    }
    const kconfigMap = spec.maps.find((m) => m.globalData === '.kconfig');
    const kconfig = kconfigMap
      ? kconfigValue(kconfigMap, spec.externs, kernelVersionCode(), kernelConfig())
      : undefined;
    maps = loadMaps({ spec, btf: spec.btf, btfFd: btfFd?.fd, pinRoot, kconfig });
    const mapsByName = maps;
    const mapFd = (name: string) => mapsByName.get(name)?.fd;
    const context: ProgramLoadContext = {
      objectName: spec.name,
      mapFd,
      btf: spec.btf,
      upload,
      btfFd: btfFd?.fd,
      coreCache: undefined,
      logLevel: options.logLevel ?? 0,
      weakKsyms: new Set(spec.externs.filter((e) => e.kind === 'ksym' && e.weak).map((e) => e.name)),
    };
    for (const program of programs) {
      const kernelProgram = loadProgram(context, program);
      loaded.set(program.name, new KernelLoadedProgram(program, kernelProgram));
    }
    const unloaded = new Set(spec.programs.filter((p) => !programs.includes(p)).map((p) => p.name));
    fillReferences(maps, (name) => loaded.get(name)?.fd, unloaded);
    return new KernelCollection(selected, loaded, maps, btfFd, warnings);
  } catch (error) {
    for (const program of loaded.values()) program.close();
    for (const map of maps?.values() ?? []) map.closeAndUnpinIfCreated();
    btfFd?.close();
    throw error;
  }
}
