/**
 * Maps as text at the end of `tsbpf run FILE.o` and `tsbpf attach`: bcc-style log2 histograms for bucket maps,
 * otherwise BTF-decoded `key: value` lines (array maps show only the entries a program wrote to).
 */
import type { DecodedValue, LoadedMap } from '../object/collection.js';
import { MapType } from '../uapi/bpf.js';
import { formatLog2Histograms } from '../vm/histogram.js';

/** A map as text: a bcc histogram when its key is a bucket index (or --hist names it), else key: value lines. */
export function formatMap(m: LoadedMap, hist: string | undefined): string {
  const entries = m.decodedEntries();
  const histogram = hist !== undefined || /hist|dist|slot/i.test(m.name);
  if (histogram && entries.every((e) => typeof e.key === 'number' && typeof e.value === 'number')) {
    const rows = entries.map((e) => ({ bucket: e.key as number, count: e.value as number }));
    return `${m.name}:\n${formatLog2Histograms(rows, hist ?? 'value')}`;
  }
  const perKey = perKeyHistograms(m.name, entries, hist);
  if (perKey) return `${m.name}:\n${perKey}`;
  const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  // .bss/.data: one entry whose value is the section's variables; print them by name, as a skeleton shows them
  const only = entries.length === 1 ? entries[0]!.value : undefined;
  if (m.spec.globalData && only !== null && typeof only === 'object' && !Array.isArray(only)) {
    return [`${m.name}:`, ...Object.entries(only).map(([name, value]) => `  ${name} = ${show(value)}`)].join('\n');
  }
  // arrays hold every index; like bcc's tools, show the ones a program wrote to (--json keeps them all)
  const array = m.spec.type === MapType.ARRAY || m.spec.type === MapType.PERCPU_ARRAY;
  const shown = array ? entries.filter((e) => !isZero(e.value)) : entries;
  const hidden = entries.length - shown.length;
  const lines = shown.map((e) => `  ${show(e.key)}: ${show(e.value)}`);
  if (hidden > 0) lines.push(`  (${hidden} of ${entries.length} entries are zero)`);
  return [`${m.name}:`, ...lines].join('\n');
}

function isZero(v: unknown): boolean {
  if (v === 0 || v === 0n) return true;
  if (Array.isArray(v)) return v.every(isZero);
  if (v !== null && typeof v === 'object') return Object.values(v).every(isZero);
  return false;
}

/** The bucket counts of a value that is one array of numbers, or a struct whose only field is one. */
function bucketCounts(value: DecodedValue): { field?: string; counts: number[] } | undefined {
  const numbers = (v: DecodedValue) =>
    Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'bigint') ? v.map(Number) : undefined;
  const direct = numbers(value);
  if (direct) return { counts: direct };
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return;
  const fields = Object.entries(value);
  if (fields.length !== 1) return undefined;
  const counts = numbers(fields[0]![1]);
  return counts && { field: fields[0]![0], counts };
}

/**
 * bcc's per-key histograms (`print_log2_hist` with a section header): a map whose values are arrays of log2
 * buckets (`struct hist { u32 slots[N]; }`) keyed by something such as a command name prints one histogram per key.
 */
function perKeyHistograms(
  name: string,
  entries: { key: DecodedValue; value: DecodedValue }[],
  hist: string | undefined,
): string | undefined {
  if (entries.length === 0) return undefined;
  const buckets = entries.map((e) => bucketCounts(e.value));
  if (buckets.some((b) => b === undefined)) return undefined;
  const field = buckets[0]!.field;
  if (hist === undefined && !/hist|dist|slot/i.test(`${name} ${field ?? ''}`)) return undefined;
  // a key struct of one field names the sections (bcc: "Process Name = dd" for a comm key)
  const keyField = (key: DecodedValue) =>
    key !== null && typeof key === 'object' && !Array.isArray(key) && !(key instanceof Uint8Array)
      ? Object.entries(key)
      : undefined;
  const first = keyField(entries[0]!.key);
  const header = first?.length === 1 ? first[0]![0] : 'key';
  const label = (key: DecodedValue) => {
    const fields = keyField(key);
    const shown = fields?.length === 1 ? fields[0]![1] : key;
    return typeof shown === 'string' ? shown : JSON.stringify(shown, (_, x) => (typeof x === 'bigint' ? `${x}` : x));
  };
  const rows = entries.flatMap((e, i) =>
    buckets[i]!.counts.map((count, bucket) => ({ bucket, section: label(e.key), count })),
  );
  return formatLog2Histograms(rows, hist ?? 'value', header);
}
