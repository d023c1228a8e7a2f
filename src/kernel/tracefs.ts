/**
 * tracefs: tracepoint ids (events/<category>/<name>/id), the legacy kprobe/uprobe event interface for kernels
 * without the kprobe PMU, and trace_pipe. Found at /sys/kernel/tracing or /sys/kernel/debug/tracing; when neither
 * is mounted we mount tracefs at /sys/kernel/tracing (root only), as `perf` does.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** tracefs is not reachable (not mounted, cannot be mounted). */
export class TracefsError extends Error {
  override name = 'TracefsError';
}

/** A tracepoint, kprobe target or similar name that does not exist on this kernel. */
export class AttachTargetError extends InputError {
  override name = 'AttachTargetError';
}

let root: string | undefined;

/** The tracefs mount point, mounting tracefs at /sys/kernel/tracing if needed. */
export function tracefsRoot(): string {
  if (root) return root;
  for (const candidate of CANDIDATES) {
    if (existsSync(`${candidate}/events`)) return (root = candidate);
  }
  try {
    execFileSync('mount', ['-t', 'tracefs', 'tracefs', CANDIDATES[0]!], { stdio: 'pipe' });
  } catch (error) {
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    throw new TracefsError(`tracefs is not mounted and mounting it at ${CANDIDATES[0]} failed: ${reason}`);
  }
  if (!existsSync(`${CANDIDATES[0]}/events`))
    throw new TracefsError(`mounted tracefs at ${CANDIDATES[0]} has no events`);
  return (root = CANDIDATES[0]!);
}

/** The perf id of tracepoint `category/name` (e.g. `syscalls/sys_enter_execve`). */
export function tracepointId(category: string, name: string): number {
  if (!/^[\w.-]+$/.test(category) || !/^[\w.-]+$/.test(name)) {
    throw new AttachTargetError(`tracepoint "${category}/${name}": not a tracepoint name`);
  }
  const path = `${tracefsRoot()}/events/${category}/${name}/id`;
  if (!existsSync(path)) throw new AttachTargetError(`tracepoint "${category}/${name}" does not exist (no ${path})`);
  return Number(readFileSync(path, 'utf8').trim());
}

/** The path of trace_pipe. */
export function tracePipePath(): string {
  return `${tracefsRoot()}/trace_pipe`;
}

let legacyCounter = 0;

/**
 * Adds a probe through `kprobe_events` / `uprobe_events` (kernels or builds without the perf PMU interface) and
 * returns its tracepoint id and a function that removes it again. `definition` is what follows the probe name,
 * e.g. `do_unlinkat` or `/bin/bash:0x4f0`.
 */
export function addLegacyProbe(
  kind: 'kprobe' | 'uprobe',
  retprobe: boolean,
  definition: string,
): { id: number; remove: () => void } {
  const base = tracefsRoot();
  const file = `${base}/${kind}_events`;
  if (!existsSync(file)) {
    throw new TracefsError(`no ${kind} PMU and no ${file} (kernel built without CONFIG_${kind.toUpperCase()}_EVENTS?)`);
  }
  const group = `tsbpf_${process.pid}`;
  const event = `${retprobe ? 'r' : 'p'}_${definition.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}_${legacyCounter++}`;
  try {
    appendFileSync(file, `${retprobe ? 'r' : 'p'}:${group}/${event} ${definition}\n`);
  } catch (error) {
    throw new AttachTargetError(`${kind} "${definition}": the kernel refused it (${(error as Error).message})`);
  }
  const remove = () => {
    try {
      appendFileSync(file, `-:${group}/${event}\n`);
    } catch {
      // Already gone (the event was removed by someone else, or tracefs went away).
    }
  };
  try {
    return { id: tracepointId(group, event), remove };
  } catch (error) {
    remove();
    throw error;
  }
}
