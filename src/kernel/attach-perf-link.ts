/**
 * Binding a program to an open perf event (kprobe, uprobe, tracepoint, sampling event): BPF_LINK_CREATE with
 * BPF_PERF_EVENT where the kernel has it (5.15+; it also carries a bpf_cookie), else the older
 * PERF_EVENT_IOC_SET_BPF + PERF_EVENT_IOC_ENABLE. Either way, closing the returned fds detaches.
 */
import { linkCreate } from './bpf.js';
import { AttachType } from './constants.js';
import { isKernelError } from './errors.js';
import type { Fd } from './fd.js';
import { PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_SET_BPF, perfIoctl } from './perf-event.js';

let linkCreateWorks: boolean | undefined;

/**
 * Attaches `progFd` to `perfFd` and enables the event; returns the BPF link fd when one was made. The events are
 * opened disabled and a BPF link does not enable them: probe and tracepoint programs run anyway (they hang off the
 * trace event), but a sampling event never overflows until enabled, so as libbpf we enable on both paths.
 */
export function bindPerfEvent(progFd: number, perfFd: Fd, cookie?: bigint): Fd | undefined {
  let link: Fd | undefined;
  if (linkCreateWorks !== false) {
    try {
      link = linkCreate({
        progFd,
        target: perfFd.fd,
        attachType: AttachType.PERF_EVENT,
        perfEventCookie: cookie,
      });
      linkCreateWorks = true;
    } catch (error) {
      // EINVAL: no perf links on this kernel; anything else (the program does not fit the event) is an answer.
      if (linkCreateWorks === true || !isKernelError(error, 'EINVAL')) throw error;
      linkCreateWorks = false;
    }
  }
  if (!link) perfIoctl(perfFd, PERF_EVENT_IOC_SET_BPF, progFd);
  try {
    perfIoctl(perfFd, PERF_EVENT_IOC_ENABLE, 0);
  } catch (error) {
    link?.close();
    throw error;
  }
  return link;
}
