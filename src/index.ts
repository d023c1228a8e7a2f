/**
 * tsbpf's public API. Everything here runs in any JavaScript engine (Node or a browser); the Linux kernel backend
 * (koffi syscalls) is a separate entry, `tsbpf/kernel`, and the Node file adapters live under `tsbpf/node`.
 */
export * from './btf/index.js';
export { type CompileOptions, compileFilter, resolveLinkType } from './cbpf/compile.js';
export { dltDescribe, dltFromName, dltName } from './cbpf/dlt.js';
export { FilterError } from './cbpf/errors.js';
export type { CbpfInsn } from './cbpf/insn.js';
export { compileCbpfInterpreter, runCbpf } from './cbpf/interpret.js';
export { compileCbpf } from './cbpf/jsgen.js';
export { formatC, formatDecimal, formatInsn, formatListing } from './cbpf/listing.js';
export { builtinResolver, type Resolver, resolverFromFiles } from './cbpf/nametoaddr.js';
export { OptimizerError, optimize } from './cbpf/optimize.js';
export { cbpfToEbpf } from './cbpf/to-ebpf.js';
export { CbpfError, validateCbpf } from './cbpf/validate.js';
export * from './conformance/data-file.js';
export * from './conformance/run.js';
export * from './elf/index.js';
export { InputError } from './errors.js';
export * from './isa/index.js';
export * from './maps/index.js';
export type * from './object/collection.js';
export type * from './object/types.js';
export * from './pcap/index.js';
export * from './uapi/bpf.js';
export { VmFault } from './vm/fault.js';
export { type Helper, type HelperCall, type HelperFn, HelperTable } from './vm/helper.js';
export { Interpreter, type RunOptions, type RunResult } from './vm/interpreter.js';
export { AddressSpace, type Region } from './vm/memory.js';
export { MemoryRunner } from './vm/run-memory.js';
export { type BtfValue, decodeBtfValue } from './btf/btf-decode.js';
export {
  type CompileTimes,
  compileJit,
  JitCompileError,
  JitMemoryRunner,
  type JitOptions,
  JitProgram,
} from './jit/index.js';
export {
  type MapInfo as VerifierMapInfo,
  progTypeFromSection,
  type VerifyOptions,
  VerifyOptionsError,
  type VerifyResult,
  verifyObjectProgram,
  verifyProgram,
} from './verifier/index.js';
export { type Hook, type HookKind, hookOf } from './vm/attach-target.js';
export { type LoadCollectionOptions, loadCollection, type VmBackend, VmCollection } from './vm/collection.js';
export { type EventOrigin, type EventPayload, type FiredRun, type ProbePayload, VmEvents } from './vm/events.js';
export type { Executor } from './vm/executor.js';
export { formatLog2Histogram, formatLog2Histograms } from './vm/histogram.js';
export { type InterpreterLinks, MAX_TAIL_CALLS } from './vm/interpreter.js';
export { VmLoadedMap } from './vm/loaded-map.js';
export { type PacketRunOptions, type PacketRunSummary, runOverPackets } from './vm/packet-run.js';
export { VmProgram, type VmTestRunOptions, type VmTestRunResult } from './vm/program.js';
export { ProgramFault, type SourceLocation } from './vm/program-fault.js';
export { ContextLayout } from './vm/progtypes/layout.js';
export { SK_BUFF } from './vm/progtypes/skb.js';
export {
  builtinTracepointFormat,
  parseTracepointFormat,
  type TracepointFormat,
} from './vm/progtypes/tracepoint-format.js';
export { BPF_SOCK, BPF_SOCK_OPS, PERF_EVENT_DATA, PT_REGS } from './vm/progtypes/tracing.js';
export { XDP_MD } from './vm/progtypes/xdp.js';
export type { TaskInfo } from './vm/task.js';
export { formatTraceLine, type TraceEntry, TracePipe } from './vm/trace-pipe.js';
export {
  formatObjectSummary,
  formatProgramListing,
  getVariable,
  loadObjectSpec,
  ObjectError,
  objectSpecFromElf,
  progTypeName,
  SECTION_DEFS,
  sectionKind,
  setVariable,
  summarizeObject,
} from './object/index.js';
