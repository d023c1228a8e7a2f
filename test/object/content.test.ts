import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CORE_RELO_KIND_NAMES } from '../../src/btf/ext.js';
import { AttachType, MapFlags, MapType, ProgType } from '../../src/uapi/bpf.js';
import { loadFixture } from './fixtures.js';

describe('what each fixture holds', () => {
  it('execve: a tracepoint printing through a .rodata format string', () => {
    const spec = loadFixture('execve');
    const [p] = spec.programs;
    assert.equal(p!.type, ProgType.TRACEPOINT);
    assert.equal(p!.typeName, 'tracepoint');
    assert.equal(p!.attachTarget, 'syscalls/sys_enter_execve');
    assert.equal(p!.sourceFile, './execve.bpf.c');
    const rodata = spec.maps.find((m) => m.name === '.rodata')!;
    assert.equal(new TextDecoder().decode(rodata.initialData!.subarray(0, 12)), 'execve by %s');
    assert.deepEqual(p!.mapReferences, [{ insn: p!.mapReferences[0]!.insn, map: '.rodata', kind: 'value', offset: 0 }]);
  });

  it('unlink: kprobe and kretprobe with CO-RE relocations carried', () => {
    const spec = loadFixture('unlink');
    assert.deepEqual(
      spec.programs.map((p) => [p.name, p.section, p.typeName, p.attachTarget]),
      [
        ['do_unlinkat', 'kprobe/do_unlinkat', 'kprobe', 'do_unlinkat'],
        ['do_unlinkat_exit', 'kretprobe/do_unlinkat', 'kprobe', 'do_unlinkat'],
      ],
    );
    const relos = spec.programs[0]!.coreRelocations;
    assert.ok(relos.length >= 1);
    for (const r of relos) {
      assert.ok(r.insn < spec.programs[0]!.instructions.length);
      assert.equal(CORE_RELO_KIND_NAMES[r.kind], 'byte_off');
      assert.match(r.accessString, /^\d+(:\d+)*$/);
    }
  });

  it('signals: hash map and ring buffer used by two tracepoints', () => {
    const spec = loadFixture('signals');
    const senders = spec.maps.find((m) => m.name === 'senders')!;
    assert.deepEqual(
      [senders.type, senders.keySize, senders.valueSize, senders.maxEntries],
      [MapType.HASH, 4, 24, 10240],
    );
    assert.equal(spec.btf!.name(spec.btf!.resolve(senders.valueTypeId!)), 'sender');
    const events = spec.maps.find((m) => m.name === 'events')!;
    assert.deepEqual([events.type, events.maxEntries], [MapType.RINGBUF, 256 * 1024]);
    const deliver = spec.programs.find((p) => p.name === 'on_deliver')!;
    assert.deepEqual([...new Set(deliver.mapReferences.map((r) => r.map))], ['senders', 'events']);
  });

  it('sockex: a socket filter using LD_ABS and an array map', () => {
    const spec = loadFixture('sockex');
    const p = spec.programs[0]!;
    assert.equal(p.type, ProgType.SOCKET_FILTER);
    assert.ok(
      p.instructions.some((i) => i.opcode === 0x30 && i.imm === 23),
      'ldabsb 14 + 9',
    );
    assert.deepEqual(
      spec.maps.map((m) => [m.name, m.type, m.maxEntries]),
      [['my_map', MapType.ARRAY, 256]],
    );
  });

  it('maps: LPM trie, LRU hash, perf event array, map-in-map, pinning, numa node and map_extra', () => {
    const spec = loadFixture('maps');
    const m = Object.fromEntries(spec.maps.map((x) => [x.name, x]));
    assert.equal(m.routes!.type, MapType.LPM_TRIE);
    assert.equal(m.routes!.flags, MapFlags.NO_PREALLOC);
    assert.equal(m.routes!.keySize, 8);
    assert.equal(m.recent!.type, MapType.LRU_HASH);
    assert.deepEqual([m.perf_out!.type, m.perf_out!.keySize, m.perf_out!.valueSize], [MapType.PERF_EVENT_ARRAY, 4, 4]);
    assert.equal(m.outer!.type, MapType.ARRAY_OF_MAPS);
    assert.equal(m.outer!.valueSize, 4);
    assert.deepEqual(
      [m.outer!.inner!.name, m.outer!.inner!.type, m.outer!.inner!.maxEntries],
      ['outer.inner', MapType.ARRAY, 8],
    );
    assert.deepEqual(m.outer!.initialReferences, [{ index: 0, name: 'inner_a' }]);
    assert.equal(m.pinned!.pinning, 1);
    assert.equal(m.pinned!.numaNode, 0);
    assert.deepEqual([m.seen!.type, m.seen!.extra, m.seen!.keySize], [MapType.BLOOM_FILTER, 3, 0]);
  });

  it('tailcall: the prog array is initialised with the programs named in .values', () => {
    const spec = loadFixture('tailcall');
    const table = spec.maps[0]!;
    assert.equal(table.type, MapType.PROG_ARRAY);
    assert.deepEqual(table.initialReferences, [
      { index: 1, name: 'stage_one' },
      { index: 3, name: 'stage_two' },
    ]);
    assert.ok(spec.programs.every((p) => p.expectedAttachType === AttachType.XDP));
  });

  it('core: bpf_loop callback linked as a function reference, externs laid out like libbpf', () => {
    const spec = loadFixture('core');
    const exec = spec.programs.find((p) => p.name === 'on_exec')!;
    assert.equal(exec.type, ProgType.TRACING);
    assert.equal(exec.expectedAttachType, AttachType.TRACE_RAW_TP);
    assert.equal(exec.attachTarget, 'sched_process_exec');
    assert.deepEqual(
      exec.functions!.map((f) => f.name),
      ['on_exec', 'add_step'],
    );
    assert.equal(exec.funcReferences.length, 1);
    const ref = exec.funcReferences[0]!;
    assert.equal(ref.target, exec.functions![1]!.insn);
    const lddw = exec.instructions[ref.insn]!;
    assert.equal(lddw.src, 4);
    // imm is pc-relative in slots: from the lddw's slot to the callback's first slot.
    let slot = 0;
    for (let i = 0; i < ref.insn; i++) slot += exec.instructions[i]!.opcode === 0x18 ? 2 : 1;
    let target = 0;
    for (let i = 0; i < ref.target; i++) target += exec.instructions[i]!.opcode === 0x18 ? 2 : 1;
    assert.equal(slot + lddw.imm + 1, target);
    assert.deepEqual(
      spec.externs.map((e) => [e.name, e.kind, e.weak, e.offset]),
      [
        ['LINUX_KERNEL_VERSION', 'kconfig', false, 0],
        ['CONFIG_PREEMPT', 'kconfig', true, 4],
        ['bpf_prog_active', 'ksym', false, undefined],
      ],
    );
    const kconfig = spec.maps.find((m) => m.name === '.kconfig')!;
    assert.equal(kconfig.valueSize, 5);
    assert.deepEqual(
      exec.mapReferences.filter((r) => r.map === '.kconfig').map((r) => r.offset),
      [0, 4],
    );
    assert.deepEqual(
      exec.ksymReferences!.map((r) => r.name),
      ['bpf_prog_active'],
    );
    assert.equal(exec.instructions[exec.ksymReferences![0]!.insn]!.src, 3);
    assert.ok(exec.coreRelocations.length >= 2);
    assert.equal(spec.programs[1]!.expectedAttachType, AttachType.TRACE_FENTRY);
  });

  it('legacy: struct bpf_map_def maps and a version section, without BTF', () => {
    const spec = loadFixture('legacy');
    assert.equal(spec.btf, undefined);
    assert.equal(spec.kernelVersion, 0x060100);
    assert.deepEqual(
      spec.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.section]),
      [
        ['calls', MapType.ARRAY, 4, 8, 64, 0, 'maps'],
        ['flags_map', MapType.HASH, 8, 16, 1024, MapFlags.NO_PREALLOC, 'maps'],
      ],
    );
    assert.deepEqual(
      spec.programs[0]!.mapReferences.map((r) => r.map),
      ['calls'],
    );
    assert.equal(spec.programs[0]!.lineInfo.length, 0);
  });

  it('bpfeb: a big-endian object reads the same way', () => {
    const spec = loadFixture('bpfeb');
    assert.equal(spec.littleEndian, false);
    const totals = spec.maps.find((m) => m.name === 'totals')!;
    assert.deepEqual([totals.type, totals.keySize, totals.valueSize, totals.maxEntries], [MapType.ARRAY, 4, 8, 4]);
    const data = spec.maps.find((m) => m.name === '.data')!;
    assert.deepEqual([...data.initialData!], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(
      spec.programs[0]!.functions!.map((f) => f.name),
      ['eb_filter', 'mix'],
    );
  });

  it('globals: variables of every data section, statics marked', () => {
    const spec = loadFixture('globals');
    assert.deepEqual(
      spec.variables.map((v) => [v.name, v.map, v.offset, v.size, v.constant, v.static]),
      [
        ['scale', '.rodata', 0, 4, true, false],
        ['counter', '.data', 0, 4, false, false],
        ['hidden_state', '.data', 4, 4, false, true],
        ['custom_value', '.data.custom', 0, 8, false, false],
        ['hits', '.bss', 0, 4, false, false],
      ],
    );
    const rodata = spec.maps.find((m) => m.name === '.rodata')!;
    assert.equal(rodata.readOnly, true);
    assert.equal(rodata.flags & MapFlags.RDONLY_PROG, MapFlags.RDONLY_PROG);
  });
});
