import type { PerfEventArrayMap } from '../maps/perf-event-array.js';
import type { RingBufMap } from '../maps/ringbuf.js';
import type { RecordReader } from '../object/collection.js';

/** A ring buffer's reader: records in commit order, by poll or as an async iterator (ends on close). */
export function ringBufferReader(map: RingBufMap): RecordReader<Uint8Array> {
  const abort = new AbortController();
  return {
    poll: (onRecord) => map.consume(onRecord),
    close: () => abort.abort(),
    [Symbol.asyncIterator]: () => map.records(abort.signal),
  };
}

export interface PerfSample {
  cpu: number;
  data: Uint8Array;
  lost?: number;
}

/** A perf buffer's reader: samples CPU by CPU; a CPU's lost-sample count rides on its next sample. */
export function perfBufferReader(map: PerfEventArrayMap): RecordReader<PerfSample> {
  const abort = new AbortController();
  const reported = map.lost.map(() => 0);
  const withLost = (s: { cpu: number; data: Uint8Array }): PerfSample => {
    const lost = (map.lost[s.cpu] ?? 0) - (reported[s.cpu] ?? 0);
    if (lost > 0) {
      reported[s.cpu] = map.lost[s.cpu]!;
      return { ...s, lost };
    }
    return s;
  };
  return {
    poll: (onRecord) => map.consume((s) => onRecord(withLost(s))),
    close: () => abort.abort(),
    [Symbol.asyncIterator]: async function* () {
      for await (const s of map.records(abort.signal)) yield withLost(s);
    },
  };
}
