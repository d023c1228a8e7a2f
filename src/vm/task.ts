/**
 * The simulated task and CPU a program runs on behalf of: what bpf_get_current_pid_tgid, _uid_gid, _comm and
 * bpf_get_smp_processor_id report, and what trace_pipe lines name. Events carry their own (the process that
 * triggered them); test runs use the collection's default.
 */
export interface TaskInfo {
  /** Thread id (the kernel's pid). */
  pid: number;
  /** Process id (the kernel's tgid). */
  tgid: number;
  uid: number;
  gid: number;
  /** Command name, at most 15 bytes (TASK_COMM_LEN - 1). */
  comm: string;
  /** Parent's tgid (task->real_parent->tgid); default 1 (init), 0 for init itself. */
  ppid?: number;
}

/** TASK_COMM_LEN. */
export const TASK_COMM_LEN = 16;

export const DEFAULT_TASK: Readonly<TaskInfo> = { pid: 1, tgid: 1, uid: 0, gid: 0, comm: 'tsbpf' };

/** A complete task from partial fields: a tgid defaults to the pid (a single-threaded process). */
export function taskFrom(partial: Partial<TaskInfo> = {}, base: Readonly<TaskInfo> = DEFAULT_TASK): TaskInfo {
  const pid = partial.pid ?? base.pid;
  return {
    pid,
    tgid: partial.tgid ?? (partial.pid !== undefined ? pid : base.tgid),
    uid: partial.uid ?? base.uid,
    gid: partial.gid ?? base.gid,
    comm: (partial.comm ?? base.comm).slice(0, TASK_COMM_LEN - 1),
    ppid: partial.ppid ?? base.ppid,
  };
}
