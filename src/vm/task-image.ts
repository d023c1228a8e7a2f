import type { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/kinds.js';
import type { AddressSpace, Region } from './memory.js';
import { TASK_COMM_LEN, type TaskInfo } from './task.js';

/**
 * Where the fields programs read sit in struct task_struct. Programs compiled against vmlinux.h read at the
 * offsets of the BTF they were compiled (or CO-RE-relocated) against, so the image must follow that BTF.
 */
export interface TaskStructLayout {
  readonly size: number;
  readonly pid: number;
  readonly tgid: number;
  readonly comm: number;
  readonly realParent: number;
  readonly parent: number;
  readonly groupLeader: number;
}

/** task_struct of Linux 6.18 on x86-64 (its vmlinux BTF): the layout when the object carries none. */
export const BUILTIN_TASK_LAYOUT: TaskStructLayout = {
  size: 3264,
  pid: 1264,
  tgid: 1268,
  realParent: 1280,
  parent: 1288,
  groupLeader: 1328,
  comm: 1752,
};

/** The task_struct layout a BTF describes, or undefined when it has no complete task_struct with these fields. */
export function taskLayoutFromBtf(btf: Btf | undefined): TaskStructLayout | undefined {
  if (!btf) return undefined;
  const id = btf.findByName('task_struct', BtfKind.Struct).find((i) => btf.vlen(i) > 0);
  if (id === undefined) return undefined;
  const at = (path: string) => {
    const m = btf.memberOffset(id, path);
    return m.bitOffset % 8 === 0 && m.bitfieldSize === 0 ? m.bitOffset / 8 : undefined;
  };
  try {
    const fields = {
      pid: at('pid'),
      tgid: at('tgid'),
      comm: at('comm'),
      realParent: at('real_parent'),
      parent: at('parent'),
      groupLeader: at('group_leader'),
    };
    if (Object.values(fields).some((v) => v === undefined)) return undefined;
    return { size: btf.sizeof(id), ...(fields as Omit<TaskStructLayout, 'size'>) };
  } catch {
    return undefined; // a task_struct without one of the fields: not a kernel's
  }
}

/**
 * Most task images kept at once. A replayed trace may name many thousands of tasks; like an exited task's, the
 * image of one not seen for long is freed, and a pointer to it kept by a program then reads as unmapped
 * (bpf_probe_read_kernel gives -EFAULT).
 */
const MAX_IMAGES = 4096;

/** A task with the pid of its parent (the process that forked it): what real_parent and parent point to. */
export type ParentedTask = TaskInfo & { ppid?: number };

/**
 * task_struct images in the address space, one per simulated task (by pid), for bpf_get_current_task{,_btf}: pid,
 * tgid, comm, real_parent/parent (the parent's image) and group_leader (the thread group leader's image) at the
 * layout's offsets, everything else zero. They are read-only to programs (the kernel's pointers are read through
 * bpf_probe_read_kernel or verified BTF loads, never written). A task's image is rewritten each time it is asked
 * for, so a comm changed by exec shows. Parents not seen as tasks get an image with their pid and an empty comm;
 * the chain ends at pid 0 (swapper/0), which is its own parent, as init_task is.
 */
export class TaskImages {
  private readonly images = new Map<number, Region>();
  private readonly known = new Map<number, ParentedTask>();

  constructor(
    private readonly space: AddressSpace,
    readonly layout: TaskStructLayout,
  ) {}

  /** Address of the image of `task`, with its fields written. */
  addressOf(task: ParentedTask): number {
    this.known.set(task.pid, task);
    return this.write(task, 0);
  }

  /** Frees every image. */
  release(): void {
    for (const r of this.images.values()) this.space.free(r);
    this.images.clear();
  }

  private write(task: ParentedTask, depth: number): number {
    const region = this.regionOf(task.pid);
    const { view, u8 } = this.space;
    const l = this.layout;
    const at = region.start;
    view.setInt32(at + l.pid, task.pid, true);
    view.setInt32(at + l.tgid, task.tgid, true);
    u8.fill(0, at + l.comm, at + l.comm + TASK_COMM_LEN);
    const comm = task.comm.slice(0, TASK_COMM_LEN - 1);
    for (let i = 0; i < comm.length; i++) u8[at + l.comm + i] = comm.charCodeAt(i) & 0xff;
    const ppid = task.pid === 0 ? 0 : (task.ppid ?? (task.tgid === 1 ? 0 : 1));
    const parent = task.pid === 0 || depth > 64 ? at : this.write(this.taskFor(ppid), depth + 1);
    const leader =
      task.tgid === task.pid || depth > 64 ? at : this.write(this.taskFor(task.tgid, task.ppid), depth + 1);
    for (const [offset, value] of [
      [l.realParent, parent],
      [l.parent, parent],
      [l.groupLeader, leader],
    ] as const) {
      this.space.view.setBigUint64(at + offset, BigInt(value), true);
    }
    return at;
  }

  /** A task seen before, or a stand-in (a thread group leader unseen has the thread's parent). */
  private taskFor(pid: number, ppid?: number): ParentedTask {
    const seen = this.known.get(pid);
    if (seen) return seen;
    return { pid, tgid: pid, uid: 0, gid: 0, comm: pid === 0 ? 'swapper/0' : '', ppid };
  }

  /** The image of `pid`, most recently used last; beyond MAX_IMAGES the least recently used task is freed. */
  private regionOf(pid: number): Region {
    let r = this.images.get(pid);
    if (r) {
      this.images.delete(pid);
    } else {
      r = this.space.alloc(this.layout.size, `task_struct (pid ${pid})`, 'other', false);
      if (this.images.size >= MAX_IMAGES) this.evictOldest();
    }
    this.images.set(pid, r);
    return r;
  }

  private evictOldest(): void {
    const [pid, region] = this.images.entries().next().value as [number, Region];
    this.space.free(region);
    this.images.delete(pid);
    this.known.delete(pid);
  }
}
