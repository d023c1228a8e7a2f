/**
 * The engines `tsbpf filter --backend` can run a compiled classic filter on, behind one signature: a function of
 * the captured bytes and the wire length that returns the filter's verdict (0 = no match, else the snapshot
 * length to keep, as libpcap's bpf_filter returns it).
 *
 * - `cbpf` (default): the classic program as generated JavaScript (compileCbpf), the fastest path.
 * - `vm`: the program translated to eBPF in packet mode (r1 = data, r2 = captured length, r3 = wire length) and
 *   run by the eBPF interpreter; exercises the translation and the VM on real traffic.
 * - `jit`: the same translation run by the WebAssembly JIT over the same kind of address space.
 * - `kernel`: the skb-mode translation loaded into Linux as a SOCKET_FILTER and test-run once per packet (root
 *   only, slow: one bpf() call per packet). See kernelMatcher for what differs.
 *
 * The eBPF backends copy each packet into one region allocated up front (grown when a bigger packet comes), so
 * the per-packet cost is a copy and a run, with no allocation on our side.
 */
import type { CbpfInsn } from '../cbpf/insn.js';
import { compileCbpf } from '../cbpf/jsgen.js';
import { cbpfToEbpf } from '../cbpf/to-ebpf.js';
import { InputError } from '../errors.js';
import type { Instruction } from '../isa/instruction.js';
import type { KernelProgram as KernelProgramClass } from '../kernel/prog.js';
import { HelperTable } from '../vm/helper.js';
import { Interpreter, type RunOptions, type RunResult } from '../vm/interpreter.js';
import { AddressSpace, type Region } from '../vm/memory.js';

export const FILTER_BACKENDS = ['cbpf', 'vm', 'jit', 'kernel'] as const;
export type FilterBackend = (typeof FILTER_BACKENDS)[number];

/** A compiled filter: the verdict for one packet (`data.length` is its captured length). */
export type PacketMatcher = (data: Uint8Array, wirelen: number) => number;

export function parseFilterBackend(name: string): FilterBackend {
  if ((FILTER_BACKENDS as readonly string[]).includes(name)) return name as FilterBackend;
  throw new InputError(`--backend: unknown backend '${name}' (expected ${FILTER_BACKENDS.join(', ')})`);
}

/** Turns a compiled classic program into a matcher on one backend. */
export type MatcherFactory = (prog: readonly CbpfInsn[]) => PacketMatcher;

/**
 * The factory for `backend`. Asynchronous because the JIT and kernel backends are loaded on demand (the kernel
 * one pulls in koffi); the factory itself is synchronous, so the filter loop can compile for a new link type in
 * the middle of a capture.
 */
export async function loadMatcherFactory(backend: FilterBackend): Promise<MatcherFactory> {
  switch (backend) {
    case 'cbpf':
      return compileCbpf;
    case 'vm':
      return (prog) => ebpfPacketMatcher(prog, (insns, space) => new Interpreter(insns, space, new HelperTable()));
    case 'jit': {
      const { compileJit } = await import('../jit/compile.js');
      return (prog) =>
        ebpfPacketMatcher(prog, (insns, space) => compileJit(insns, { space, helpers: new HelperTable() }));
    }
    case 'kernel': {
      const { KernelProgram } = await import('../kernel/index.js');
      return (prog) => kernelMatcher(prog, KernelProgram);
    }
  }
}

/** What the eBPF interpreter and the JIT have in common. */
interface Executor {
  run(options: RunOptions): RunResult;
}

/** Starting size of the packet region: every Ethernet frame without jumbo frames fits. */
const INITIAL_PACKET_CAPACITY = 16 * 1024;

/**
 * A packet-mode eBPF matcher on an executor built by `make` over a fresh address space. The translated program
 * bounds-checks every load against r2, so the region may be larger than the packet.
 */
export function ebpfPacketMatcher(
  prog: readonly CbpfInsn[],
  make: (insns: readonly Instruction[], space: AddressSpace) => Executor,
): PacketMatcher {
  const insns = cbpfToEbpf(prog, { mode: 'packet' });
  const space = new AddressSpace();
  const executor = make(insns, space);
  let region: Region = space.alloc(INITIAL_PACKET_CAPACITY, 'packet', 'packet');
  // Reused for every run: args[1] and args[2] are rewritten per packet.
  const args = [region.start, 0, 0];
  const options: RunOptions = { args };
  return (data, wirelen) => {
    if (data.length > region.size) {
      space.free(region);
      region = space.alloc(Math.max(data.length, region.size * 2), 'packet', 'packet');
      args[0] = region.start;
    }
    space.u8.set(data, region.start);
    args[1] = data.length;
    args[2] = wirelen >>> 0;
    return Number(executor.run(options).r0 & 0xffffffffn);
  };
}

/** Bytes of the dummy Ethernet header the kernel's skb test run strips before a SOCKET_FILTER sees the data. */
const SKB_TEST_RUN_HEADER = 14;
/**
 * Largest packet a SOCKET_FILTER test run takes: the kernel wants the data plus headroom (NET_SKB_PAD) and
 * tailroom (skb_shared_info) in one page, 3712 bytes on x86-64 with 4 KiB pages (measured), minus our header.
 */
const SKB_TEST_RUN_MAX = 3712 - SKB_TEST_RUN_HEADER;

/**
 * The kernel backend. BPF_PROG_TEST_RUN for socket filters runs eth_type_trans() on the data, which pulls the
 * first 14 bytes, so each packet is passed behind a dummy Ethernet header and the filter sees exactly the captured
 * bytes. Differences from the other backends, inherent to the kernel's test run: `len` (BPF_LEN) is the captured
 * length rather than the wire length, and packets above SKB_TEST_RUN_MAX bytes cannot be passed (an error).
 */
function kernelMatcher(prog: readonly CbpfInsn[], KernelProgram: typeof KernelProgramClass): PacketMatcher {
  const program = KernelProgram.load({ type: 'SOCKET_FILTER', insns: cbpfToEbpf(prog), name: 'tsbpf_filter' });
  let buffer = new Uint8Array(SKB_TEST_RUN_HEADER + 1514);
  // EtherType 0x88b5 (IEEE local experimental): an IPv4 or IPv6 type would make the test run insist on a whole
  // IP header behind it (EINVAL for short packets).
  buffer[12] = 0x88;
  buffer[13] = 0xb5;
  return (data) => {
    if (data.length > SKB_TEST_RUN_MAX) {
      throw new InputError(
        `--backend kernel: a ${data.length}-byte packet is larger than a socket-filter test run takes (${SKB_TEST_RUN_MAX})`,
      );
    }
    const total = SKB_TEST_RUN_HEADER + data.length;
    if (total > buffer.length) {
      const grown = new Uint8Array(total);
      grown.set(buffer.subarray(0, SKB_TEST_RUN_HEADER));
      buffer = grown;
    }
    buffer.set(data, SKB_TEST_RUN_HEADER);
    return program.testRun({ data: buffer.subarray(0, total) }).retval >>> 0;
  };
}
