/**
 * The progress bar of `tsbpf filter` on long files: bytes of the capture read so far, on stderr, only when stderr
 * is a terminal (a log file or a pipe gets no control characters) and the file is large enough to take a while.
 * It is also left out when matching lines are printed to the same terminal, where it would mix with them.
 */
import cliProgress from 'cli-progress';

/** Captures smaller than this finish before a bar would be worth drawing. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export interface Progress {
  update(bytesRead: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update() {}, stop() {} };

export interface ProgressChoice {
  /** Size of the capture file in bytes. */
  totalBytes: number;
  /** Whether matching packets are printed as lines on stdout. */
  printsLines: boolean;
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
}

/** Whether a bar is drawn for this run (pure, so the rule can be tested without a terminal). */
export function wantsProgress(c: ProgressChoice): boolean {
  return c.stderrIsTTY && c.totalBytes >= PROGRESS_MIN_BYTES && !(c.printsLines && c.stdoutIsTTY);
}

/** A bar over `totalBytes` on stderr when wantsProgress says so, else a no-op. */
export function startProgress(c: ProgressChoice, label: string): Progress {
  if (!wantsProgress(c)) return NO_PROGRESS;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} MB | ETA {eta_formatted}`,
      clearOnComplete: true,
      hideCursor: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const mb = (bytes: number): number => Math.round(bytes / 1e6);
  bar.start(mb(c.totalBytes), 0);
  return {
    update: (bytesRead) => bar.update(mb(bytesRead)),
    stop: () => bar.stop(),
  };
}
