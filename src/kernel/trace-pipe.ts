/**
 * Lines of the kernel's trace_pipe (bpf_trace_printk output), as an async iterator. trace_pipe is opened
 * non-blocking and waited on with epoll, because a blocking read would occupy a libuv worker thread that nothing
 * can interrupt (and keep the process alive after close()). Reading consumes the lines: the pipe is global, and
 * like `bpftool prog tracelog` we see every program's output.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { Epoll } from './epoll.js';
import { tracePipePath } from './tracefs.js';

export class TracePipeReader implements AsyncIterable<string> {
  private readonly fd: number;
  private readonly epoll: Epoll;
  private readonly buffer = new Uint8Array(64 * 1024);
  private readonly decoder = new TextDecoder();
  private partial = '';
  private closed = false;
  waitTimeoutMs = 100;

  constructor(path: string = tracePipePath()) {
    this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      this.epoll = new Epoll(1);
      this.epoll.add(this.fd, 0);
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  /** Complete lines available now (possibly none). */
  readAvailable(): string[] {
    if (this.closed) return [];
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw error;
      }
      if (n <= 0) break;
      this.partial += this.decoder.decode(this.buffer.subarray(0, n), { stream: true });
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    return lines;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    while (!this.closed) {
      const lines = this.readAvailable();
      for (const line of lines) {
        if (this.closed) return;
        yield line;
      }
      if (lines.length === 0) await this.epoll.wait(this.waitTimeoutMs);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.epoll.close();
    closeSync(this.fd);
  }
}
