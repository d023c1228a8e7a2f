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
