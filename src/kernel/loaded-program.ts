/**
 * A program of a kernel collection: the `LoadedProgram` face of a `KernelProgram`. run() is BPF_PROG_TEST_RUN;
 * attach() goes by the section name or an explicit target (see auto-attach.ts) and returns a link that the
 * collection also closes when it closes.
 */
import type { LoadedProgram, TestRunOptions, TestRunResult } from '../object/collection.js';
import type { ProgramSpec } from '../object/types.js';
import { type AttachOptions, autoAttach } from './auto-attach.js';
import { progTestRun } from './bpf.js';
import { ProgType, TestRunFlags } from './constants.js';
import type { KernelLink } from './link.js';
import type { KernelProgram } from './prog.js';

export class KernelLoadedProgram implements LoadedProgram {
  private readonly links = new Set<KernelLink>();

  constructor(
    readonly spec: ProgramSpec,
    readonly program: KernelProgram,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get fd(): number {
    return this.program.fd.fd;
  }

  run(options: TestRunOptions = {}): TestRunResult {
    // SYSCALL and raw tracepoint programs run once, with the context read in place: the kernel refuses ctx_out and
    // repeat for them (bpf_prog_test_run_syscall / _raw_tp answer EINVAL).
    const syscall = this.spec.type === ProgType.SYSCALL || this.spec.type === ProgType.RAW_TRACEPOINT;
    const result = progTestRun({
      progFd: this.fd,
      data: options.data,
      ctx: options.ctx,
      ctxInPlace: syscall,
      repeat: syscall ? undefined : options.repeat,
      cpu: options.cpu,
      flags: options.cpu !== undefined ? TestRunFlags.RUN_ON_CPU : 0,
    });
    return {
      retval: BigInt(result.retval),
      data: options.data ? result.data : undefined,
      ctx: options.ctx ? result.ctx : undefined,
      durationNs: result.durationNs,
    };
  }

  attach(target?: string | AttachOptions): KernelLink {
    const link = autoAttach(this.spec, this.fd, target);
    this.links.add(link);
    link.whenClosed(() => this.links.delete(link));
    return link;
  }

  /** Links made by attach() and still open. */
  openLinks(): KernelLink[] {
    return [...this.links];
  }

  close(): void {
    for (const link of [...this.links]) link.close();
    this.program.close();
  }
}
