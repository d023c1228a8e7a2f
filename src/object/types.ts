/**
 * The kernel-free description of an eBPF object (cilium/ebpf's CollectionSpec): what an ELF file, or assembled
 * instructions, define. Nothing here touches a kernel; a spec can be edited before it is loaded (set a constant,
 * resize a map) and loads the same way into the userspace VM and into Linux.
 */
import type { Btf } from '../btf/btf.js';
import type { BtfExt } from '../btf/ext.js';
import type { Instruction } from '../isa/instruction.js';

/** How an instruction refers to a map: lddw src=1 (the map itself) or src=2 (an address inside its value). */
export interface MapReference {
  /** Index (in `ProgramSpec.instructions`, not slots) of the lddw. */
  insn: number;
  /** Name of the map in `ObjectSpec.maps` (global data maps are named like libbpf: `.rodata`, `.data`, `.bss`...). */
  map: string;
  kind: 'map' | 'value';
  /** Byte offset into the value (kind 'value': global variables). */
  offset: number;
}

/** A call through a function pointer or a callback: lddw src=4 whose target is a subprogram of the program. */
export interface FuncReference {
  insn: number;
  /** Target instruction index within the linked program. */
  target: number;
}

/** An extern resolved at load time: `.kconfig` (CONFIG_* values, LINUX_KERNEL_VERSION) or `.ksyms` (kernel symbols). */
export interface ExternSpec {
  name: string;
  kind: 'kconfig' | 'ksym';
  /** BTF type id of the extern's VAR or FUNC, when the object has BTF. */
  btfId?: number;
  weak: boolean;
  /** For kconfig externs: offset and size inside the `.kconfig` map's value. */
  offset?: number;
  size?: number;
}

export interface FuncInfoRecord {
  /** Instruction index (not slot) in the linked program. */
  insn: number;
  /** BTF id of the FUNC. */
  typeId: number;
}

export interface LineInfoRecord {
  insn: number;
  fileName: string;
  line: string;
  lineNumber: number;
  column: number;
}

/** A CO-RE relocation carried along with the program it applies to (indices in the linked program). */
export interface CoreRelocation {
  insn: number;
  /** BTF id of the local root type. */
  typeId: number;
  /** Access string, e.g. "0:1:2". */
  accessString: string;
  /** bpf_core_relo_kind. */
  kind: number;
}

export interface ProgramSpec {
  /** The function symbol's name. */
  name: string;
  /** ELF section, e.g. `xdp`, `kprobe/do_unlinkat`, `tracepoint/syscalls/sys_enter_execve`. */
  section: string;
  /** BPF_PROG_TYPE_* number and its lower-case name (`xdp`, `kprobe`, `tracepoint`, ...). */
  type: number;
  typeName: string;
  /** BPF_* attach type for types that need one (cgroup, tracing, lsm...). */
  expectedAttachType?: number;
  /** What to attach to, from the section name: `do_unlinkat`, `syscalls/sys_enter_execve`, `eth0`... */
  attachTarget?: string;
  /** Loaded with BPF_F_SLEEPABLE (`.s` section suffixes). */
  sleepable: boolean;
  /** Entry function followed by every subprogram it calls (directly, or through callbacks), linked. */
  instructions: Instruction[];
  mapReferences: MapReference[];
  funcReferences: FuncReference[];
  /** Helper calls by id are plain instructions; kfunc calls name the kernel function here (insn index -> name). */
  kfuncCalls: Map<number, string>;
  funcInfo: FuncInfoRecord[];
  lineInfo: LineInfoRecord[];
  coreRelocations: CoreRelocation[];
  /** The object's license (the kernel checks GPL-only helpers against it). */
  license: string;
  /** kern_version for old kprobe objects (`version` section), 0 if absent. */
  kernelVersion: number;
  /** Source file from line_info, if any. */
  sourceFile?: string;
  /** The functions linked into `instructions`, in order: the entry first, then each subprogram appended. */
  functions?: LinkedFunction[];
  /** lddw of a `.ksyms` variable (BPF_PSEUDO_BTF_ID, imm left 0): resolved against kernel BTF at load. */
  ksymReferences?: { insn: number; name: string }[];
  /** False for `SEC("?...")`: libbpf does not load such a program unless asked to. */
  autoload?: boolean;
  /** Loaded with BPF_F_XDP_HAS_FRAGS (`xdp.frags` sections). */
  xdpFrags?: boolean;
}

/** One function inside a linked program. */
export interface LinkedFunction {
  name: string;
  /** Index (instructions, not slots) of its first instruction in `ProgramSpec.instructions`. */
  insn: number;
  /** Its length in 8-byte slots. */
  slots: number;
}

export interface MapSpec {
  name: string;
  /** BPF_MAP_TYPE_* number. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode?: number;
  /** LIBBPF_PIN_NONE (0) or LIBBPF_PIN_BY_NAME (1). */
  pinning: number;
  /** map_extra (bloom filter hash count, arena address). */
  extra?: number;
  /** BTF ids of key and value types when the object declares them. */
  keyTypeId?: number;
  valueTypeId?: number;
  /** Inner map template for ARRAY_OF_MAPS / HASH_OF_MAPS. */
  inner?: MapSpec;
  /**
   * Initial contents: for global data maps the section bytes (one value, key 0); for prog arrays and map-in-maps
   * the names of the programs or maps given in `.values` initialisers, by index.
   */
  initialData?: Uint8Array;
  initialReferences?: { index: number; name: string }[];
  /** Global data (`.rodata*`, `.data*`, `.bss`, `.kconfig`): an ARRAY with one element. */
  globalData?: '.rodata' | '.data' | '.bss' | '.kconfig';
  /** Read-only for programs and frozen after load (`.rodata`, `.kconfig`). */
  readOnly: boolean;
  /** Where it was defined: `.maps` (BTF-defined), `maps` (legacy struct bpf_map_def), or the data section. */
  section: string;
}

/** A global variable: a named, typed window into a global data map's value. */
export interface VariableSpec {
  name: string;
  /** Name of the global data map holding it. */
  map: string;
  offset: number;
  size: number;
  /** BTF type id of the variable's type, when known. */
  typeId?: number;
  /** In `.rodata`: a constant programs see as fixed once loaded. */
  constant: boolean;
  /** A `static` variable (libbpf's skeleton leaves these out; programs still use them). */
  static?: boolean;
}

export interface ObjectSpec {
  /** File name or a caller-chosen name. */
  name: string;
  programs: ProgramSpec[];
  maps: MapSpec[];
  variables: VariableSpec[];
  externs: ExternSpec[];
  license: string;
  kernelVersion: number;
  littleEndian: boolean;
  /** The object's BTF (DATASEC sizes and offsets fixed up), and its .BTF.ext. */
  btf?: Btf;
  btfExt?: BtfExt;
}
