/** The Linux kernel backend's syscall layer: bpf() commands, live maps and programs, probes, raw test runs. */
export * from './bpf.js';
export * from './constants.js';
export { parseCpuList, possibleCpus } from './cpus.js';
export * from './errors.js';
export { Fd, openFdCount } from './fd.js';
export * from './info.js';
export { KernelMap, type KernelMapOptions, MapArgumentError } from './map.js';
export { NativeBuffer } from './native.js';
export * from './probe.js';
export { KernelProgram, type KernelProgramOptions, type ProgramRunOptions } from './prog.js';
export { highHalfVariant, type KernelRunRawOptions, type KernelRunRawResult, kernelRunRaw } from './raw-run.js';
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
export { readCString } from './verifier-log.js';
