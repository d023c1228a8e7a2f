/**
 * What `tsbpf filter` prints for a matching packet: its 1-based number in the capture, its timestamp (UTC, with
 * the file's precision), its length on the wire and a tcpdump-like summary of its protocols:
 *
 *     3 2009-03-12 14:23:45.123456 74 IP 10.0.0.1.5000 > 10.0.0.2.80: tcp 0
 *
 * UTC rather than local time so that the same file prints the same lines on every machine (tcpdump -tttt
 * prints local time).
 */
import type { CapturedPacket, CaptureInterface } from '../pcap/packet.js';
import { summarizePacket } from '../pcap/summary.js';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD HH:MM:SS.ffffff` (or 9 fraction digits when the capture has nanosecond timestamps), in UTC. */
export function formatTimestamp(seconds: number, nanos: number, nanoPrecision: boolean): string {
  const d = new Date(seconds * 1000);
  const date = Number.isNaN(d.getTime())
    ? `@${seconds}`
    : `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
      `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const fraction = nanoPrecision ? String(nanos).padStart(9, '0') : String(Math.floor(nanos / 1000)).padStart(6, '0');
  return `${date}.${fraction}`;
}

/** The output line for a matching packet (without the newline). */
export function formatMatch(p: CapturedPacket, iface: CaptureInterface | undefined): string {
  const nano = (iface?.ticksPerSecond ?? 1e6) > 1e6;
  return `${p.index + 1} ${formatTimestamp(p.seconds, p.nanos, nano)} ${p.originalLength} ${summarizePacket(p)}`;
}

/**
 * Collects output text and writes it in large pieces: one write per line costs more than filtering the packet,
 * and a capture can have millions of matches.
 */
export class TextBatcher {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly limit = 64 * 1024,
  ) {}

  line(text: string): void {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.write(text);
  }
}
