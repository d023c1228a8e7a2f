/**
 * Maps as text at the end of `tsbpf run FILE.o` and `tsbpf attach`: bcc-style log2 histograms for bucket maps,
 * otherwise BTF-decoded `key: value` lines (array maps show only the entries a program wrote to).
 */
import type { LoadedMap } from '../object/collection.js';
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
