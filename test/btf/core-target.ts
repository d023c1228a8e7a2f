/**
 * A hand-built target BTF for CO-RE tests: the kernel types the fixture touches, laid out differently from any
 * real kernel (fields moved and reordered, regrouped into other anonymous members, bitfields shifted, enumerators
 * renumbered), so relocated values differ from what clang compiled in. `SHIFTED` is the layout: the oracle.
 */
import type { Btf } from '../../src/btf/btf.js';
import { parseBtf } from '../../src/btf/index.js';
import { BtfBuilder, info } from './builder.js';

/** Byte offsets (bit offsets for bitfields) and values of the shifted layout. */
export const SHIFTED = {
  taskSize: 4096,
  /** `unsigned int __state` in the new layout, `long state` in the old one. */
  state: 8,
  mm: 40,
  /** Bitfields, in bits: a signed one, an unsigned one, and one straddling a 4-byte boundary. */
  schedResetOnFork: 1600,
  inExecve: 1605,
  initPrivateForkClass: 1630,
  comm: 2000,
  pidLinks: 2048,
  pid: 3000,
  tgid: 3004,
  realParent: 3008,
  mmSize: 512,
  /** mm_count sits two anonymous structs deep at 64; mmap_base inside an anonymous union; mm_users at the top. */
  mmCount: 64,
  mmapBase: 200,
  mmUsers: 300,
  pidTypeSid: 7,
  perfContextUser: 0xfffffffffffffe01n,
};

/**
 * Declares types by id before their words are known, so records can point at types defined later (pointers to
 * the struct that contains them), which BTF allows.
 */
class TypeTable {
  private readonly makers: (() => number[])[] = [];
  constructor(readonly b: BtfBuilder) {}
  add(make: () => number[]): number {
    this.makers.push(make);
    return this.makers.length;
  }
  build(name: string): Btf {
    for (const make of this.makers) this.b.add(make());
    return parseBtf(this.b.build(), { file: name });
  }
}

export interface ShiftedTarget {
  btf: Btf;
  ids: Record<'taskStruct' | 'mmStruct' | 'listHead' | 'pidType', number>;
}

/** `old`: a pre-5.14 kernel whose task_struct has `long state` instead of `unsigned int __state`. */
export function buildShiftedTarget(old = false): ShiftedTarget {
  const b = new BtfBuilder();
  const t = new TypeTable(b);
  const s = SHIFTED;
  const members = (name: string, size: number, list: [string, number, number][], kind = 4, kflag = false) => {
    const words = [b.str(name), info(kind, list.length, kflag), size];
    for (const [n, type, off] of list) words.push(b.str(n), type, off);
    return words;
  };
  const bitfield = (bits: number, offset: number): number => ((bits << 24) | offset) >>> 0;
  const array = (elem: number, n: number) => [0, info(3, 0), 0, elem, int, n];

  const int = t.add(() => b.int('int', 4, true));
  const uint = t.add(() => b.int('unsigned int', 4));
  const ulong = t.add(() => b.int('long unsigned int', 8));
  const long = t.add(() => b.int('long int', 8, true));
  const char = t.add(() => [b.str('char'), info(1, 0), 1, (2 << 24) | 8]);
  const pidT = t.add(() => b.ref(8, int, 'pid_t'));
  const counter = t.add(() => members('', 4, [['counter', int, 0]]));
  const atomicT = t.add(() => b.ref(8, counter, 'atomic_t'));
  const taskPtr = t.add(() => b.ref(2, taskStruct));
  const mmPtr = t.add(() => b.ref(2, mmStruct));
  const hlistNode = t.add(() =>
    members('hlist_node', 16, [
      ['next', hlistPtr, 0],
      ['pprev', hlistPtrPtr, 64],
    ]),
  );
  const hlistPtr = t.add(() => b.ref(2, hlistNode));
  const hlistPtrPtr = t.add(() => b.ref(2, hlistPtr));
  const listHead = t.add(() =>
    members('list_head', 16, [
      ['next', listPtr, 0],
      ['prev', listPtr, 64],
    ]),
  );
  const listPtr = t.add(() => b.ref(2, listHead));
  const taskStruct = t.add(() =>
    members(
      'task_struct',
      s.taskSize,
      [
        [old ? 'state' : '__state', old ? long : uint, s.state * 8],
        ['mm', mmPtr, s.mm * 8],
        ['sched_reset_on_fork', int, bitfield(1, s.schedResetOnFork)],
        ['in_execve', uint, bitfield(1, s.inExecve)],
        ['init_private_fork_class', uint, bitfield(4, s.initPrivateForkClass)],
        ['comm', t.add(() => array(char, 16)), s.comm * 8],
        ['pid_links', t.add(() => array(hlistNode, 4)), s.pidLinks * 8],
        ['pid', pidT, s.pid * 8],
        ['tgid', pidT, s.tgid * 8],
        ['real_parent', taskPtr, s.realParent * 8],
      ],
      4,
      true,
    ),
  );
  const innermost = t.add(() => members('', 8, [['mm_count', atomicT, 0]]));
  const inner = t.add(() => members('', 64, [['', innermost, 0]]));
  const withBase = t.add(() => members('', 16, [['mmap_base', ulong, 64]]));
  const anonUnion = t.add(() =>
    members(
      '',
      16,
      [
        ['task_size', ulong, 0],
        ['', withBase, 0],
      ],
      5,
    ),
  );
  const mmStruct = t.add(() =>
    members('mm_struct', s.mmSize, [
      ['', inner, s.mmCount * 8],
      ['', anonUnion, (s.mmapBase - 8) * 8],
      ['mm_users', atomicT, s.mmUsers * 8],
    ]),
  );
  const enumerators = (list: [string, number][]) => list.flatMap(([n, v]) => [b.str(n), v >>> 0]);
  const pidType = t.add(() => [
    b.str('pid_type'),
    info(6, 5),
    4,
    ...enumerators([
      ['PIDTYPE_PID', 0],
      ['PIDTYPE_TGID', 1],
      ['PIDTYPE_PGID', 2],
      ['PIDTYPE_SID', s.pidTypeSid],
      ['PIDTYPE_MAX', 8],
    ]),
  ]);
  t.add(() => [
    b.str('perf_callchain_context'),
    info(19, 2),
    8,
    b.str('PERF_CONTEXT_KERNEL'),
    0xffffff80,
    0xffffffff,
    b.str('PERF_CONTEXT_USER'),
    Number(s.perfContextUser & 0xffffffffn),
    Number(s.perfContextUser >> 32n),
  ]);
  const btf = t.build(old ? 'shifted-old.btf' : 'shifted.btf');
  return { btf, ids: { taskStruct, mmStruct, listHead, pidType } };
}
