/**
 * bcc's log2 histogram printer (print_log2_hist in bcc's table.py), byte for byte: a header naming the value
 * type, then one row per power-of-two bucket from 1 up to the highest non-empty one, with a bar of up to 40 stars
 * scaled to the largest count. Bucket 0 is not printed, as in bcc (bpf_log2l maps 0 and 1 to buckets 0 and 1).
 */
const STARS_MAX = 40;

function stars(val: number, valMax: number, width: number): string {
  let text = '';
  for (let i = 0; ; i++) {
    if (i > (width * val) / valMax - 1 || i > width - 1) break;
    text += '*';
  }
  if (val > valMax) text = `${text.slice(0, -1)}+`;
  return text;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const padEnd = (s: string | number, n: number) => String(s).padEnd(n);

/** The histogram of `counts` (index = log2 bucket) as bcc prints it, lines joined with \n (no trailing newline). */
export function formatLog2Histogram(counts: readonly number[], valType: string, stripLeadingZero = false): string {
  let idxMax = -1;
  let valMax = 0;
  counts.forEach((v, i) => {
    if (v > 0) idxMax = i;
    if (v > valMax) valMax = v;
  });
  const wide = idxMax > 32;
  const lines: string[] = [];
  if (idxMax > 0) {
    lines.push(
      wide
        ? `               ${padEnd(valType, 29)} : count     distribution`
        : `     ${padEnd(valType, 19)} : count     distribution`,
    );
  }
  const width = wide ? STARS_MAX / 2 : STARS_MAX;
  let strip = stripLeadingZero;
  for (let i = 1; i <= idxMax; i++) {
    let low = 2 ** i / 2;
    const high = 2 ** i - 1;
    if (low === high) low -= 1;
    const val = counts[i] ?? 0;
    const row = wide
      ? `${pad(low, 20)} -> ${padEnd(high, 20)} : ${padEnd(val, 8)} |${padEnd(stars(val, valMax, width), width)}|`
      : `${pad(low, 10)} -> ${padEnd(high, 10)} : ${padEnd(val, 8)} |${padEnd(stars(val, valMax, width), width)}|`;
    if (strip) {
      if (val) {
        lines.push(row);
        strip = false;
      }
    } else {
      lines.push(row);
    }
  }
  return lines.join('\n');
}

/**
 * Histograms of a map whose keys are bucket indexes (a number) or a section plus a bucket (`{ name, slot }`, as
 * bitesize keys processes): one histogram, or one per section headed `\n<sectionHeader> = <section>` as bcc does.
 */
export function formatLog2Histograms(
  entries: readonly { bucket: number; section?: string; count: number }[],
  valType: string,
  sectionHeader = 'Bucket',
): string {
  const sections = new Map<string | undefined, number[]>();
  for (const e of entries) {
    let counts = sections.get(e.section);
    if (!counts) sections.set(e.section, (counts = []));
    while (counts.length <= e.bucket) counts.push(0);
    counts[e.bucket]! += e.count;
  }
  const out: string[] = [];
  for (const [section, counts] of sections) {
    if (section !== undefined) out.push(`\n${sectionHeader} = ${section}`);
    out.push(formatLog2Histogram(counts, valType));
  }
  return out.join('\n');
}
