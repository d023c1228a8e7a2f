import type { RawRunner } from '../conformance/run.js';
import { InputError } from '../errors.js';
import type { HelperTable } from '../vm/helper.js';
import { MemoryRunner } from '../vm/run-memory.js';

export const BACKENDS = ['vm', 'jit', 'kernel'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function parseBackend(name: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new InputError(`unknown backend '${name}' (expected ${BACKENDS.join(', ')})`);
}

/**
 * The backend of a run without --backend: the JIT when the program runs more than once (--repeat > 1, every packet
 * of a capture), where compiling pays for itself; the interpreter for a single run, where it would not (the crossover
 * is measured in docs/backends.md).
 */
export function defaultBackend(runs: { repeat: number; pcap?: unknown }): BackendName {
  return runs.repeat > 1 || runs.pcap !== undefined ? 'jit' : 'vm';
}

/**
 * A runner for raw programs (r1 = memory, r2 = length) on the chosen backend. The VM and JIT share the userspace
 * runtime; the kernel backend loads each program into Linux and test-runs it.
 */
export async function rawRunner(backend: BackendName, helpers: HelperTable): Promise<RawRunner> {
  switch (backend) {
    case 'vm':
      return (insns, mem) => new MemoryRunner(insns, helpers, mem.length).run(mem).r0;
    case 'jit': {
      const { JitMemoryRunner } = await import('../jit/run-memory.js');
      return (insns, mem) => new JitMemoryRunner(insns, helpers, mem.length).run(mem).r0;
    }
    case 'kernel': {
      // loaded on demand: the kernel backend pulls in koffi and only works on Linux
      const { kernelRunRaw } = await import('../kernel/index.js');
      return (insns, mem) => kernelRunRaw(insns, { data: mem }).retval;
    }
    default:
      throw new InputError(`backend '${backend}' is not available for raw programs yet`);
  }
}
