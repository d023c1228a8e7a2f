/**
 * The userspace trace pipe: lines as the kernel's /sys/kernel/tracing/trace_pipe prints bpf_trace_printk output,
 * `<comm>-<pid> [<cpu>] <flags> <seconds>.<micros>: bpf_trace_printk: <message>`, readable as an array, by callback
 * or as an async iterator.
 */
export interface TraceEntry {
  comm: string;
  pid: number;
  cpu: number;
  timestampNs: bigint;
  message: string;
}

export function formatTraceLine(e: TraceEntry): string {
  const seconds = e.timestampNs / 1_000_000_000n;
  const micros = (e.timestampNs / 1000n) % 1_000_000n;
  // trace_print_context: "%16s-%-7d "
  const task = `${e.comm.padStart(16)}-${String(e.pid).padEnd(7)}`;
  return `${task} [${String(e.cpu).padStart(3, '0')}] d..31 ${String(seconds).padStart(5)}.${String(micros).padStart(6, '0')}: bpf_trace_printk: ${e.message}`;
}

export class TracePipe {
  /** Lines not yet read, oldest first (bounded like the kernel's ring buffer). */
  private readonly pending: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  capacity = 65536;
  lost = 0;

  write(entry: TraceEntry): void {
    // a message may hold several lines; the kernel prints each as it comes, trailing newline dropped
    const line = formatTraceLine({ ...entry, message: entry.message.replace(/\n$/, '') });
    if (this.listeners.size > 0) for (const l of this.listeners) l(line);
    if (this.pending.length >= this.capacity) {
      this.pending.shift();
      this.lost++;
    }
    this.pending.push(line);
  }

  /** Takes every pending line. */
  read(): string[] {
    return this.pending.splice(0);
  }

  /** Calls `listener` for each new line; returns the unsubscribe function. */
  subscribe(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async *lines(signal?: AbortSignal): AsyncIterableIterator<string> {
    while (!signal?.aborted) {
      const batch = this.read();
      if (batch.length > 0) {
        yield* batch;
        continue;
      }
      await new Promise<void>((resolve) => {
        const off = this.subscribe(() => {
          off();
          resolve();
        });
        signal?.addEventListener(
          'abort',
          () => {
            off();
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}
