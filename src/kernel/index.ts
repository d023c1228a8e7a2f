/** The Linux kernel backend's syscall layer: bpf() commands, live maps and programs, probes, raw test runs. */

export {
  attachCgroup,
  attachClassicFilter,
  attachSocketFilter,
  attachXdp,
  interfaceIndex,
  XdpFlags,
} from './attach-net.js';
export { attachKprobe, attachTracepoint, attachUprobe } from './attach-probe.js';
export { attachPerfSampling, attachRawTracepoint, attachTracing, type SamplingOptions } from './attach-tracing.js';
export type { AttachOptions } from './auto-attach.js';
export * from './bpf.js';
export { DEFAULT_PIN_ROOT, ensurePinRoot, PinError } from './bpffs.js';
export { decodeBtfValue } from './btf-value.js';
export * from './constants.js';
export { parseCpuList, possibleCpus } from './cpus.js';
export * from './errors.js';
export { Fd, openFdCount } from './fd.js';
export * from './info.js';
export { KernelCollection, UnknownNameError } from './kernel-collection.js';
export { KernelLink, openLinkCount } from './link.js';
export { type LoadCollectionOptions, loadCollection } from './load-collection.js';
export { CollectionLoadError, MissingFeatureError } from './load-errors.js';
export { KernelLoadedMap } from './loaded-map.js';
export { KernelLoadedProgram } from './loaded-program.js';
export { KernelMap, type KernelMapOptions, MapArgumentError } from './map.js';
export { NativeBuffer } from './native.js';
export { type PerfBufferOptions, PerfBufferReader, type PerfRecord } from './perfbuf-reader.js';
export * from './probe.js';
export { KernelProgram, type KernelProgramOptions, type ProgramRunOptions } from './prog.js';
export { highHalfVariant, type KernelRunRawOptions, type KernelRunRawResult, kernelRunRaw } from './raw-run.js';
export { RingBufferReader } from './ringbuf-reader.js';
export {
  lastErrno,
  MAP_SHARED,
  type MappedRegion,
  PROT_READ,
  PROT_WRITE,
  sysBpf,
  sysClose,
  syscallsAvailable,
  sysEpollCreate1,
  sysEpollCtl,
  sysEpollWaitAsync,
  sysGetpid,
  sysIoctl,
  sysMmap,
  sysPerfEventOpen,
  sysSetsockopt,
} from './syscall.js';
export { TracePipeReader } from './trace-pipe.js';
export { AttachTargetError, TracefsError } from './tracefs.js';
export { readCString } from './verifier-log.js';
