import type { ByteQueue } from './byte-queue.js';
import { PcapError, type PcapErrorKind } from './errors.js';
import type { CaptureInterface } from './packet.js';

/** What the format readers (classic pcap, pcapng) share with the `CaptureParser` that drives them. */
export interface ReaderContext {
  readonly queue: ByteQueue;
  /** True once the caller said no more input follows. */
  readonly ended: boolean;
  /** Source name for error messages. */
  readonly source?: string;
  /** Every interface seen so far; readers append. */
  readonly interfaces: CaptureInterface[];
  /** Index the next packet gets; readers increment. */
  packetIndex: number;
}

/** Builds the error a reader throws, naming the byte offset. */
export function fail(ctx: ReaderContext, kind: PcapErrorKind, offset: number, detail: string): PcapError {
  return new PcapError(kind, offset, detail, ctx.source);
}

/**
 * Called when a reader needs `need` contiguous bytes for `what` but the queue has fewer. Before end of input that
 * just means "wait for more" (null); after it, an input that stops exactly between records is finished (null) and
 * anything else is a truncated file.
 */
export function needMore(ctx: ReaderContext, need: number, what: string): null {
  const left = ctx.queue.available;
  if (!ctx.ended || left === 0) return null;
  throw fail(ctx, 'truncated file', ctx.queue.offset, `${what} needs ${need} bytes, only ${left} left`);
}

/** `0x` and 8 hex digits, for magic numbers and link-type fields in messages. */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
