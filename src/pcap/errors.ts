import { InputError } from '../errors.js';

/** What part of a capture file a `PcapError` is about; it starts the message. */
export type PcapErrorKind =
  | 'not a capture file'
  | 'unsupported file'
  | 'bad file header'
  | 'corrupt record'
  | 'corrupt block'
  | 'truncated file';

/**
 * A capture file that cannot be read: an unknown format, an unsupported version, or a corrupt record. `offset` is
 * the byte offset (from the start of the input) of the header or record that is wrong, so a user can look at it
 * with a hex dump; packets before it have already been delivered by the reader. Message shape:
 * `trace.pcap: corrupt record at byte 1234: captured length 70000 exceeds the maximum 262144`.
 */
export class PcapError extends InputError {
  override name = 'PcapError';
  constructor(
    readonly kind: PcapErrorKind,
    /** Byte offset of the offending file header, record or block. */
    readonly offset: number,
    /** What is wrong, without the location. */
    readonly detail: string,
    /** The file (or other source) name, when the reader was given one. */
    readonly source?: string,
  ) {
    super(`${source ? `${source}: ` : ''}${kind} at byte ${offset}: ${detail}`);
  }
}
