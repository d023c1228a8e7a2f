/**
 * Errors by which the running kernel (or this machine) refuses what it was asked: a syscall's errno, a program the
 * verifier rejects, a feature the kernel was built without, no tracefs. They are neither bad input (exit 2) nor a
 * bug in tsbpf: the CLI prints them as `tsbpf: FILE: kernel: MESSAGE` and exits 1, as a fault in the VM does.
 * The kernel module is imported only when a command already uses the kernel backend, so koffi stays unloaded
 * otherwise.
 */
import { InputError, oneLine } from '../errors.js';

export interface KernelFailure {
  message: string;
  /** The verifier's log when it rejected a program. */
  log?: string;
}

export async function kernelFailure(err: unknown): Promise<KernelFailure | undefined> {
  if (err instanceof InputError || !(err instanceof Error)) return undefined;
  const kernel = await import('../kernel/index.js');
  const refusals = [
    kernel.KernelError,
    kernel.CollectionLoadError,
    kernel.KernelUnsupportedError,
    kernel.TracefsError,
    kernel.PinError,
  ];
  if (!refusals.some((kind) => err instanceof kind)) return undefined;
  const log = (err as { log?: unknown }).log;
  return { message: oneLine(err.message), log: typeof log === 'string' && log !== '' ? log : undefined };
}
