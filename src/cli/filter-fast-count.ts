/**
 * The fast path of `tsbpf filter EXPR FILE --count` for classic pcap files: records are read straight out of large
 * read buffers and the filter (classic BPF compiled to JavaScript that takes the record's offset) runs on them in
 * place, with no packet object or subarray per packet. Anything unusual — pcapng, another pcap version, FCS bits in
 * the link-type field, a record longer than the snapshot length, a truncated file — returns undefined before any
 * output, and the caller runs the general scanner, which has every tolerance and error message of the reader.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { compileCbpfOffsetJs } from '../cbpf/jsgen.js';
import { CaptureParser } from '../pcap/parser.js';
import { compileForInterface } from './filter-scan.js';

const HEADER = 24;
const RECORD_HEADER = 16;
const BUFFER_SIZE = 4 << 20;

export interface FastCount {
  packets: number;
  matched: number;
}

export function fastPcapCount(path: string, expression: string, optimize: boolean): FastCount | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(HEADER);
    if (readSync(fd, head, 0, HEADER, 0) !== HEADER) return undefined;
    const parser = new CaptureParser({ source: path });
    parser.push(head);
    if (parser.next() !== null) return undefined; // parses the file header (a 24-byte header holds no record)
    const format = parser.format;
    const iface = parser.interfaces[0];
    if (!format || format.format !== 'pcap' || format.versionMajor !== 2 || format.versionMinor !== 4 || !iface) {
      return undefined;
    }
    if ((format.linkTypeField ?? 0) >>> 16 !== 0) return undefined; // FCS or reserved bits: the reader's business
    const filter = compileCbpfOffsetJs(compileForInterface(expression, iface, optimize));
    if (!filter) return undefined;
    const le = format.littleEndian;
    const snaplen = iface.effectiveSnaplen;
    let buf = new Uint8Array(BUFFER_SIZE);
    let view = new DataView(buf.buffer);
    let filePos = HEADER;
    let have = 0; // bytes of buf holding file data, from 0
    let packets = 0;
    let matched = 0;
    for (;;) {
      const n = readSync(fd, buf, have, buf.length - have, filePos);
      filePos += n;
      have += n;
      let pos = 0;
      while (pos + RECORD_HEADER <= have) {
        const caplen = view.getUint32(pos + 8, le);
        const wirelen = view.getUint32(pos + 12, le);
        if (caplen > snaplen) return undefined;
        const end = pos + RECORD_HEADER + caplen;
        if (end > have) break;
        packets++;
        if (filter(buf, pos + RECORD_HEADER, caplen, wirelen) !== 0) matched++;
        pos = end;
      }
      if (n === 0) return pos === have ? { packets, matched } : undefined; // a truncated tail: let the reader report it
      // keep the partial record at the front; grow the buffer if one record is larger than it
      buf.copyWithin(0, pos, have);
      have -= pos;
      if (have === buf.length) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
        view = new DataView(buf.buffer);
      }
    }
  } finally {
    closeSync(fd);
  }
}
