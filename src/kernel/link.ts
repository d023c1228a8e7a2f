/**
 * Attachments. A `KernelLink` owns whatever keeps a program attached (a BPF link fd, perf event fds, a legacy
 * probe in tracefs, a socket option, a cgroup PROG_ATTACH) and undoes it on close(). Every open link is also
 * closed when its collection closes and at process exit: BPF link and perf event fds would be released by the
 * kernel anyway, but legacy tracefs probes and PROG_ATTACH attachments outlive the process unless removed.
 */
import type { Link } from '../object/collection.js';
import { linkDetach } from './bpf.js';
import type { Fd } from './fd.js';
import { type LinkInfo, linkInfo } from './info.js';
import { AttachTargetError } from './tracefs.js';

const open = new Set<KernelLink>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const link of [...open]) link.close();
  });
}

export class KernelLink implements Link {
  private releases: (() => void)[];
  private onClose: (() => void) | undefined;

  /**
   * `releases` run in reverse order on close (detach first, then close the fds they used). `linkFd` is the BPF
   * link, when the attachment is one (for info(), pinning and updates).
   */
  constructor(
    readonly program: string,
    readonly target: string,
    releases: (() => void)[],
    readonly linkFd?: Fd,
  ) {
    this.releases = releases;
    open.add(this);
    installExitHook();
  }

  get closed(): boolean {
    return !open.has(this);
  }

  /** Called once when the link closes (the owning collection forgets it). @internal */
  whenClosed(callback: () => void): void {
    this.onClose = callback;
  }

  /** The kernel's id of the BPF link, when the attachment is a BPF link. */
  id(): number | undefined {
    return this.linkFd && !this.linkFd.closed ? linkInfo(this.linkFd.fd).id : undefined;
  }

  /** What the kernel reports about the BPF link (target, program id), or undefined when it is not a BPF link. */
  info(): LinkInfo | undefined {
    return this.linkFd && !this.linkFd.closed ? linkInfo(this.linkFd.fd) : undefined;
  }

  /**
   * Detaches the program from its target while the link stays open (BPF_LINK_DETACH, libbpf's bpf_link__detach):
   * the program stops running there, the link turns defunct (info() still answers, with the target cleared) and
   * close() later just releases it. Only BPF links can do this; other attachments detach by close().
   */
  detach(): void {
    if (this.closed) throw new AttachTargetError(`${this.target}: the link is closed`);
    if (!this.linkFd) {
      throw new AttachTargetError(`${this.target}: not a BPF link, so it cannot be detached apart from close()`);
    }
    linkDetach(this.linkFd.fd);
  }

  /** Detaches. Idempotent; every release step runs even if one throws (the first error is rethrown). */
  close(): void {
    if (!open.delete(this)) return;
    let first: unknown;
    for (const release of this.releases.reverse()) {
      try {
        release();
      } catch (error) {
        first ??= error;
      }
    }
    this.releases = [];
    this.onClose?.();
    if (first) throw first;
  }
}

/** Number of links not yet closed (for leak checks in tests). */
export function openLinkCount(): number {
  return open.size;
}
