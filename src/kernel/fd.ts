/**
 * An owned file descriptor (a map, program, link or BTF object). Closing it drops this process's reference to
 * the kernel object; the object itself lives on while something else holds it (a pin, an attachment, another fd).
 *
 * Safety nets, because a forgotten fd keeps kernel memory alive for as long as the process runs:
 * - a FinalizationRegistry closes the fd once its `Fd` object is garbage collected;
 * - a process 'exit' hook closes every fd still open (the kernel would at exit anyway, but this also runs when
 *   the process is only leaving the event loop and keeps the accounting in `openFdCount` honest for tests).
 * The registry is unregistered on close(), so a number the kernel has since reused is never closed twice.
 */
import { KernelError } from './errors.js';
import { lastErrno, sysClose } from './syscall.js';

const open = new Set<Fd>();
const registry = new FinalizationRegistry<number>((fd) => {
  sysClose(fd);
});
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const fd of open) fd.close();
  });
}

export class Fd {
  private value: number;

  /** Takes ownership of `fd` (a non-negative descriptor returned by the kernel). */
  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`not a file descriptor: ${fd}`);
    this.value = fd;
    open.add(this);
    registry.register(this, fd, this);
    installExitHook();
  }

  /** The descriptor number; throws after close() so a stale number never reaches the kernel. */
  get fd(): number {
    if (this.value < 0) throw new KernelError('use of fd', 9, 'file descriptor already closed');
    return this.value;
  }

  get closed(): boolean {
    return this.value < 0;
  }

  /** Closes the descriptor. Idempotent. */
  close(): void {
    if (this.value < 0) return;
    const fd = this.value;
    this.value = -1;
    open.delete(this);
    registry.unregister(this);
    if (sysClose(fd) < 0) {
      const errno = lastErrno();
      // EINTR still releases the descriptor on Linux; anything else means it was not ours.
      if (errno !== 4) throw new KernelError('close', errno);
    }
  }

  toString(): string {
    return this.value < 0 ? 'fd(closed)' : `fd(${this.value})`;
  }
}

/** Number of `Fd`s this process has open through this module (for leak checks). */
export function openFdCount(): number {
  return open.size;
}
