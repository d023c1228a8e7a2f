import { InputError } from '../errors.js';
import type { Link, LoadedProgram, TestRunOptions, TestRunResult } from '../object/collection.js';
import type { ProgramSpec } from '../object/types.js';
import type { Executor } from './executor.js';
import { VmFault } from './fault.js';
import type { RunResult } from './interpreter.js';
import type { RedirectTarget } from './invocation.js';
import type { VmLinkedProgram } from './link-program.js';
import type { Predecoded } from './predecode.js';
import { lineAt, ProgramFault } from './program-fault.js';
import type { ContextInput } from './progtypes/layout.js';
import type { ContextRequest, PreparedContext, ProgramKind } from './progtypes/types.js';
import type { VmRuntime } from './runtime.js';

export interface VmTestRunOptions extends Omit<TestRunOptions, 'ctx'> {
  /** Context bytes, or the context struct's fields by name ({ mark: 1 }, { di: 5 }). */
  ctx?: ContextInput;
  /** Instruction budget of each run (default 1,000,000). */
  budget?: number;
}

export interface VmTestRunResult extends TestRunResult {
  /** Where bpf_redirect / bpf_redirect_map sent the packet in the last run. */
  redirect?: RedirectTarget;
}

/**
 * What runs a loaded program: the Interpreter or a JitProgram, over the collection's address space, helpers and
 * links. `active` names the code running when a fault was thrown (a tail-call target's, say).
 */
export interface ProgramExecutor extends Executor {
  readonly active: Predecoded;
}

let nextProgramId = 1;

/**
 * A program loaded into a VM collection: its linked code, an executor (interpreter or JIT) with its own stack (tail
 * calls switch code inside it), and its type's context conventions. Runs set the runtime's current invocation for
 * the helpers.
 */
export class VmProgram implements LoadedProgram {
  readonly id = nextProgramId++;

  constructor(
    readonly spec: ProgramSpec,
    readonly linked: VmLinkedProgram,
    readonly kind: ProgramKind,
    private readonly rt: VmRuntime,
    /** The interpreter or the JIT's compiled module, chosen by the collection's backend. */
    readonly executor: ProgramExecutor,
    private readonly attacher: (program: VmProgram, target?: string | Record<string, unknown>) => Link,
    /** The program (this one or a tail-call target) a predecoded body belongs to, for fault reports. */
    private readonly owner: (code: VmLinkedProgram['predecoded']) => VmProgram | undefined,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** BPF_PROG_TEST_RUN: runs `repeat` times on one context; the result is the last run's, the duration the mean. */
  run(options: VmTestRunOptions = {}): VmTestRunResult {
    const repeat = Math.max(1, options.repeat ?? 1);
    const cpu = options.cpu ?? this.rt.cpu;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.rt.cpus) {
      throw new InputError(`test run cpu ${cpu} is outside 0..${this.rt.cpus - 1}`);
    }
    const prepared = this.prepare({ data: options.data, ctx: options.ctx, mode: 'test' });
    try {
      return this.rt.withTask(this.rt.task, cpu, () => {
        let result: RunResult | undefined;
        const start = performance.now();
        for (let i = 0; i < repeat; i++) result = this.execute(prepared, options.budget);
        const durationNs = Math.round(((performance.now() - start) * 1e6) / repeat);
        const out = prepared.finish();
        return {
          // the kernel's program runs return u32, and BPF_PROG_TEST_RUN reports that: the low half of r0
          retval: BigInt.asUintN(32, result!.r0),
          r0: result!.r0,
          data: out.data,
          ctx: out.ctx,
          durationNs,
          insnsExecuted: result!.insnsExecuted,
          redirect: prepared.invocation.redirect,
        };
      });
    } finally {
      prepared.release();
    }
  }

  attach(target?: string | Record<string, unknown>): Link {
    return this.attacher(this, target);
  }

  /** Lays out a context for this program's type. */
  prepare(request: ContextRequest): PreparedContext {
    return this.kind.prepare(this.rt.space, request);
  }

  /** One run on a prepared context; faults come back as ProgramFault with the source line. */
  execute(prepared: PreparedContext, budget?: number): RunResult {
    this.rt.current = prepared.invocation;
    prepared.invocation.redirect = undefined;
    try {
      return this.executor.run({ args: [prepared.invocation.ctx], budget, packet: prepared.packet });
    } catch (err) {
      if (err instanceof VmFault && !(err instanceof ProgramFault)) throw this.explain(err);
      throw err;
    }
  }

  private explain(fault: VmFault): ProgramFault {
    const program = this.owner(this.executor.active) ?? this;
    const insn = program.linked.insnOfSlot[fault.pc];
    const source = insn === undefined ? undefined : lineAt(program.spec.lineInfo, insn);
    return new ProgramFault(program.name, fault, source);
  }
}
