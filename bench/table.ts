/** Prints rows as an aligned text table (numbers right-aligned). */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  cells.forEach((row, n) => {
    const line = row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line);
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Mean ns per call of `fn`, measured for about `ms` milliseconds after a warm-up. */
export function timeNs(fn: () => void, ms = 300): number {
  const warmEnd = performance.now() + ms / 3;
  while (performance.now() < warmEnd) fn();
  let runs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    runs += 16;
    now = performance.now();
  }
  return ((now - start) * 1e6) / runs;
}
