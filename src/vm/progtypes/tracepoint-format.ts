import { InputError } from '../../errors.js';

/** A field of a tracepoint record, from a tracefs `format` file. */
export interface TracepointField {
  name: string;
  /** The C declaration's type, e.g. `const char *`, `char[16]`, `__data_loc char[]`. */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** Element count of `char comm[16]`-style arrays. */
  arrayLength?: number;
  /** `__data_loc` fields hold (length << 16 | offset) of data after the fixed part. */
  dataLoc: boolean;
}

export interface TracepointFormat {
  /** `syscalls/sys_enter_execve`. */
  name: string;
  id: number;
  fields: TracepointField[];
  /** Bytes of the fixed part of the record. */
  size: number;
}

const FIELD = /^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d);/;

/** Parses a tracefs `events/<category>/<event>/format` file (`where` names it in errors). */
export function parseTracepointFormat(name: string, text: string, where = name): TracepointFormat {
  const fields: TracepointField[] = [];
  let id = 0;
  text.split('\n').forEach((line, i) => {
    const idMatch = /^ID:\s*(\d+)/.exec(line);
    if (idMatch) id = Number(idMatch[1]);
    if (!line.includes('field:')) return;
    const m = FIELD.exec(line);
    if (!m) throw new InputError(`${where}:${i + 1}: cannot parse field line '${line.trim()}'`);
    const decl = m[1]!.trim();
    const arr = /^(.*?)\s*\b(\w+)\s*\[(\d*)\]$/.exec(decl);
    const plain = /^(.*?)\s*\b(\w+)$/.exec(decl);
    const fieldName = arr ? arr[2]! : plain ? plain[2]! : decl;
    const type = arr ? `${arr[1]}[${arr[3]}]` : plain ? plain[1]!.trim() : decl;
    fields.push({
      name: fieldName,
      type,
      offset: Number(m[2]),
      size: Number(m[3]),
      signed: m[4] === '1',
      arrayLength: arr?.[3] ? Number(arr[3]) : undefined,
      dataLoc: decl.startsWith('__data_loc'),
    });
  });
  if (fields.length === 0) throw new InputError(`${where}: no fields`);
  const size = Math.max(...fields.map((f) => f.offset + f.size));
  return { name, id, fields, size };
}

/** The fields every record starts with (struct trace_entry). */
const COMMON = `\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
`;

function fmt(fields: [decl: string, offset: number, size: number, signed: 0 | 1][]): string {
  return COMMON + fields.map(([d, o, s, g]) => `\tfield:${d};\toffset:${o};\tsize:${s};\tsigned:${g};`).join('\n');
}

/**
 * Record layouts built in so tracepoint programs run without tracefs (x86-64, Linux 6.x, as tracefs prints them).
 * Other syscalls get a generic layout: __syscall_nr and six unsigned long arguments, or the return value.
 */
const BUILTIN: Record<string, string> = {
  'syscalls/sys_enter_execve': fmt([
    ['int __syscall_nr', 8, 4, 1],
    ['const char * filename', 16, 8, 0],
    ['const char *const * argv', 24, 8, 0],
    ['const char *const * envp', 32, 8, 0],
  ]),
  'syscalls/sys_enter_openat': fmt([
    ['int __syscall_nr', 8, 4, 1],
    ['int dfd', 16, 8, 0],
    ['const char * filename', 24, 8, 0],
    ['int flags', 32, 8, 0],
    ['umode_t mode', 40, 8, 0],
  ]),
  'sched/sched_process_exec': fmt([
    ['__data_loc char[] filename', 8, 4, 0],
    ['pid_t pid', 12, 4, 1],
    ['pid_t old_pid', 16, 4, 1],
  ]),
  'sched/sched_process_exit': fmt([
    ['char comm[16]', 8, 16, 0],
    ['pid_t pid', 24, 4, 1],
    ['int prio', 28, 4, 1],
    ['bool group_dead', 32, 1, 0],
  ]),
  'signal/signal_generate': fmt([
    ['int sig', 8, 4, 1],
    ['int errno', 12, 4, 1],
    ['int code', 16, 4, 1],
    ['char comm[16]', 20, 16, 0],
    ['pid_t pid', 36, 4, 1],
    ['int group', 40, 4, 1],
    ['int result', 44, 4, 1],
  ]),
  'signal/signal_deliver': fmt([
    ['int sig', 8, 4, 1],
    ['int errno', 12, 4, 1],
    ['int code', 16, 4, 1],
    ['unsigned long sa_handler', 24, 8, 0],
    ['unsigned long sa_flags', 32, 8, 0],
  ]),
  'block/block_rq_issue': fmt([
    ['dev_t dev', 8, 4, 0],
    ['sector_t sector', 16, 8, 0],
    ['unsigned int nr_sector', 24, 4, 0],
    ['unsigned int bytes', 28, 4, 0],
    ['unsigned short ioprio', 32, 2, 0],
    ['char rwbs[10]', 34, 10, 0],
    ['char comm[16]', 44, 16, 0],
    ['__data_loc char[] cmd', 60, 4, 0],
  ]),
  'block/block_rq_complete': fmt([
    ['dev_t dev', 8, 4, 0],
    ['sector_t sector', 16, 8, 0],
    ['unsigned int nr_sector', 24, 4, 0],
    ['int error', 28, 4, 1],
    ['unsigned short ioprio', 32, 2, 0],
    ['char rwbs[10]', 34, 10, 0],
    ['__data_loc char[] cmd', 44, 4, 0],
  ]),
};

/** A built-in layout for `category/event`, or undefined. */
export function builtinTracepointFormat(name: string): TracepointFormat | undefined {
  const text = BUILTIN[name];
  if (text !== undefined) return parseTracepointFormat(name, text, `built-in format of ${name}`);
  if (/^syscalls\/sys_enter_\w+$/.test(name)) {
    const args = Array.from(
      { length: 6 },
      (_, i) => [`unsigned long arg${i}`, 16 + 8 * i, 8, 0] as [string, number, number, 0],
    );
    return parseTracepointFormat(name, fmt([['int __syscall_nr', 8, 4, 1], ...args]));
  }
  if (/^syscalls\/sys_exit_\w+$/.test(name)) {
    return parseTracepointFormat(
      name,
      fmt([
        ['int __syscall_nr', 8, 4, 1],
        ['long ret', 16, 8, 1],
      ]),
    );
  }
  return undefined;
}

/** Where tracepoint layouts come from: tracefs (a node adapter) first, then the built-ins. */
export type TracepointFormatSource = (name: string) => TracepointFormat | undefined;

/** A record value for a field: integers, strings for char arrays, __data_loc strings and pointers to strings. */
export type TracepointValue = number | bigint | string | readonly number[];

/**
 * Lays out a record: common fields (common_type = the event id, common_pid) first, then the given fields; strings
 * go into char arrays and __data_loc areas directly, and are placed in memory through `pointerTo` for pointer fields.
 */
export function encodeTracepointRecord(
  format: TracepointFormat,
  values: Readonly<Record<string, TracepointValue>>,
  common: { pid: number },
  pointerTo: (text: string) => bigint,
): Uint8Array {
  const byName = new Map(format.fields.map((f) => [f.name, f]));
  const tail: Uint8Array[] = [];
  let tailSize = 0;
  const fixed = new Uint8Array(format.size);
  const view = new DataView(fixed.buffer);
  const setInt = (f: TracepointField, v: number | bigint) => {
    const big = BigInt.asUintN(f.size * 8, BigInt(v));
    for (let i = 0; i < f.size; i++) fixed[f.offset + i] = Number((big >> BigInt(8 * i)) & 0xffn);
  };
  view.setUint16(0, format.id & 0xffff, true);
  view.setInt32(4, common.pid, true);
  for (const [name, value] of Object.entries(values)) {
    const f = byName.get(name);
    if (!f) {
      throw new InputError(`${format.name} has no field '${name}' (fields: ${[...byName.keys()].join(', ')})`);
    }
    if (f.dataLoc) {
      const bytes = typeof value === 'string' ? encodeString(value) : Uint8Array.from(value as readonly number[]);
      const offset = format.size + tailSize;
      tail.push(bytes);
      tailSize += bytes.length;
      view.setUint32(f.offset, (bytes.length << 16) | offset, true);
    } else if (typeof value === 'string' && f.arrayLength !== undefined) {
      fixed.set(encodeString(value).subarray(0, f.size), f.offset);
      fixed[f.offset + f.size - 1] = 0;
    } else if (typeof value === 'string') {
      setInt(f, pointerTo(value));
    } else if (Array.isArray(value)) {
      fixed.set((value as readonly number[]).slice(0, f.size), f.offset);
    } else {
      setInt(f, value as number | bigint);
    }
  }
  const out = new Uint8Array(format.size + tailSize);
  out.set(fixed);
  let at = format.size;
  for (const t of tail) {
    out.set(t, at);
    at += t.length;
  }
  return out;
}

/** A NUL-terminated byte string (UTF-8). */
export function encodeString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
