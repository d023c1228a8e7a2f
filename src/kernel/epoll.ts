/**
 * An epoll set waited on asynchronously: epoll_wait runs on a libuv worker thread (koffi async call), so readers
 * of ring buffers, perf buffers and trace_pipe never block the event loop. Each wait has a timeout, which is how a
 * reader notices that it was closed: the epoll fd is only closed once no wait is pending on it (closing an fd a
 * worker thread is blocked on would let the number be reused under it).
 */
import { KernelError } from './errors.js';
import { Fd } from './fd.js';
import { NativeBuffer } from './native.js';
import { lastErrno, sysEpollCreate1, sysEpollCtl, sysEpollWaitAsync } from './syscall.js';

const EPOLL_CLOEXEC = 0x80000;
const EPOLL_CTL_ADD = 1;
export const EPOLLIN = 1;
/** struct epoll_event is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16 bytes). */
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_OFFSET = process.arch === 'x64' ? 4 : 8;

export class Epoll {
  private readonly fd: Fd;
  private readonly events: NativeBuffer;
  private waiting = false;
  private closing = false;

  constructor(readonly maxEvents = 64) {
    const fd = sysEpollCreate1(EPOLL_CLOEXEC);
    if (fd < 0) throw new KernelError('epoll_create1', lastErrno());
    this.fd = new Fd(fd);
    this.events = new NativeBuffer(EVENT_SIZE * maxEvents);
  }

  /** Watches `fd` for input; `data` comes back from wait() when it is ready. */
  add(fd: number, data: number, events = EPOLLIN): void {
    const event = new NativeBuffer(EVENT_SIZE);
    try {
      event.view.setUint32(0, events, true);
      event.view.setUint32(DATA_OFFSET, data >>> 0, true);
      if (sysEpollCtl(this.fd.fd, EPOLL_CTL_ADD, fd, event.address) < 0)
        throw new KernelError('epoll_ctl', lastErrno());
    } finally {
      event.free();
    }
  }

  /** The data of every ready fd (empty after the timeout, or once closed). */
  async wait(timeoutMs: number): Promise<number[]> {
    if (this.closing) return [];
    if (this.waiting) throw new Error('epoll: one wait at a time');
    this.waiting = true;
    let count: number;
    try {
      count = await sysEpollWaitAsync(this.fd.fd, this.events.address, this.maxEvents, timeoutMs);
    } finally {
      this.waiting = false;
      if (this.closing) this.release();
    }
    if (this.closing || count <= 0) return [];
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.events.view.getUint32(i * EVENT_SIZE + DATA_OFFSET, true));
    return out;
  }

  /** Closes now, or when the pending wait returns. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (!this.waiting) this.release();
  }

  private release(): void {
    if (this.fd.closed) return;
    this.fd.close();
    this.events.free();
  }
}
