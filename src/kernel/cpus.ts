/**
 * The number of possible CPUs, which sizes per-CPU map values: the kernel copies one 8-byte-aligned slot per
 * possible CPU (not online CPU) to and from user space. Read once from sysfs, as libbpf does.
 */
import { readFileSync } from 'node:fs';

let cached: number | undefined;

/** Parses a CPU list such as "0-3,5,7-8" into its count. */
export function parseCpuList(text: string): number {
  let count = 0;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`malformed CPU list: "${text.trim()}"`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    count += last - first + 1;
  }
  return count;
}

export function possibleCpus(): number {
  cached ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return cached;
}

/** Every CPU number of a CPU list such as "0-3,5". */
export function cpuListNumbers(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`malformed CPU list: "${text.trim()}"`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let cpu = first; cpu <= last; cpu++) out.push(cpu);
  }
  return out;
}

/** The online CPUs (perf events can only be opened on these). */
export function onlineCpus(): number[] {
  return cpuListNumbers(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}
