/**
 * The kernel as the VM's oracle: every Ethernet packet of every capture in ../shared/pcaps goes through
 * BPF_PROG_TEST_RUN in the kernel and through the VM's test run, for the XDP and socket-filter fixtures and for
 * probe programs that record what a program sees. Return values, the packets handed back, the contexts handed
 * back, errors (a packet the kernel refuses must be refused by the VM too) and map contents must be identical.
 * Skipped, with the reason printed, where bpf() is denied.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { ensurePinRoot } from '../../src/kernel/bpffs.js';
import { KernelError } from '../../src/kernel/errors.js';
import { openLinkCount } from '../../src/kernel/link.js';
import { loadCollection as loadKernel } from '../../src/kernel/load-collection.js';
import { MapType } from '../../src/maps/types.js';
import type { Collection, LoadedMap, TestRunOptions, TestRunResult } from '../../src/object/collection.js';
import { loadObjectSpec } from '../../src/object/load.js';
import type { ObjectSpec } from '../../src/object/types.js';
import { readCaptureFile } from '../../src/pcap/node-file.js';
import { loadCollection as loadVm } from '../../src/vm/collection.js';
import { SK_BUFF } from '../../src/vm/progtypes/skb.js';
import { XDP_MD } from '../../src/vm/progtypes/xdp.js';
import { bpfUnavailable, openFds } from '../kernel/support.js';
import { probeObject } from './differential-probes.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping VM-versus-kernel differential tests: ${skip}`);

const PCAPS = '../shared/pcaps';
const LINKTYPE_ETHERNET = 1;

interface Packet {
  where: string;
  data: Uint8Array;
}

/** Every packet on an Ethernet interface, in every pcap and pcapng file of the shared captures. */
async function ethernetPackets(): Promise<Packet[]> {
  const out: Packet[] = [];
  const files = readdirSync(PCAPS)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort();
  for (const file of files) {
    const { packets } = await readCaptureFile(`${PCAPS}/${file}`);
    for (const p of packets) {
      if (p.linkType === LINKTYPE_ETHERNET) out.push({ where: `${file}#${p.index}`, data: p.data.slice() });
    }
  }
  return out;
}

/** What one test run gave, in a form deepEqual compares: the error stands for itself, bytes as hex. */
type Outcome = { error: string } | { retval: string; data: string; ctx?: string };

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : '');

function outcome(collection: Collection, program: string, options: TestRunOptions): Outcome {
  try {
    const r = collection.program(program).run(options) as TestRunResult;
    // BPF_PROG_TEST_RUN reports the low 32 bits of r0.
    const out: Outcome = { retval: (r.retval & 0xffffffffn).toString(), data: hex(r.data) };
    if (options.ctx) out.ctx = hex(r.ctx);
    return out;
  } catch (error) {
    // The kernel refuses bad test-run input with EINVAL; the VM with an InputError. Anything else is a failure.
    if (error instanceof KernelError && error.code === 'EINVAL') return { error: 'EINVAL' };
    if (error instanceof InputError) return { error: 'EINVAL' };
    throw error;
  }
}

const PER_CPU = new Set<number>([MapType.PERCPU_ARRAY, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH]);

/**
 * A map's contents as comparable text, key order normalised. Per-CPU values are summed lane by lane (u64 words)
 * across CPUs: the kernel runs a test run on whichever CPU the process is on, and the two backends need not have
 * the same number of CPUs.
 */
function mapContents(map: LoadedMap): string[] {
  const perCpu = PER_CPU.has(map.spec.type);
  const rows: string[] = [];
  for (const [key, value] of map.entries()) {
    if (!perCpu) {
      rows.push(`${hex(key)}=${hex(value)}`);
      continue;
    }
    const stride = (map.spec.valueSize + 7) & ~7;
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    const sums = new Array<bigint>(stride / 8).fill(0n);
    for (let cpu = 0; cpu * stride < value.length; cpu++) {
      for (let lane = 0; lane < sums.length; lane++) sums[lane]! += view.getBigUint64(cpu * stride + lane * 8, true);
    }
    rows.push(`${hex(key)}=${sums.join(',')}`);
  }
  return rows.sort();
}

/** A __sk_buff a test run may pass in: the settable fields set to values that vary with the packet. */
function skbContext(index: number): Uint8Array {
  return SK_BUFF.bytesOf({ mark: index, priority: 7, cb: [0xc0ffee, 1, 2, 3, index], gso_segs: 1, gso_size: 1400 });
}

/** An xdp_md a test run may pass in: the first 8 bytes of the data are metadata, data_end the data's length. */
function xdpContext(_index: number, length: number): Uint8Array {
  return XDP_MD.bytesOf({ data: 8, data_end: length });
}

interface Case {
  name: string;
  spec: () => ObjectSpec;
  program: string;
  /** Maps compared after every packet (probe records); the others listed in `maps` only after the last one. */
  everyPacket?: string[];
  maps: string[];
  /** Maps whose values hold times: only their keys are compared. */
  keysOnly?: string[];
  ctx?: (index: number, length: number) => Uint8Array;
}

const fixture = (path: string) => () =>
  loadObjectSpec(new Uint8Array(readFileSync(`test/fixtures/${path}`)), { name: path });

/**
 * Every XDP and socket-filter program of the fixtures, plus the probes. objects/bpfeb.bpf.o (a socket filter) is
 * not here: it is big-endian, which the kernel here byte-swaps on load but the VM refuses to run.
 */
const CASES: Case[] = [
  {
    name: 'sockex (socket filter, LD_ABS)',
    spec: fixture('objects/sockex.bpf.o'),
    program: 'bpf_prog1',
    maps: ['my_map'],
  },
  {
    name: 'sockcount (socket filter returning skb->len)',
    spec: fixture('kernel/sockcount.bpf.o'),
    program: 'count_bytes',
    maps: ['sock_stats'],
  },
  {
    name: 'xdp_parse (XDP parser)',
    spec: fixture('objects/xdp_parse.bpf.o'),
    program: 'xdp_count',
    maps: ['counters'],
  },
  { name: 'tailcall (XDP tail calls)', spec: fixture('objects/tailcall.bpf.o'), program: 'entry', maps: [] },
  {
    name: 'maps (XDP with LPM, LRU, map-in-map, pinned hash)',
    spec: fixture('objects/maps.bpf.o'),
    program: 'lookup',
    maps: ['routes', 'inner_a', 'pinned'],
    keysOnly: ['recent'],
  },
  {
    name: 'skb_probe (socket filter context and packet access)',
    spec: probeObject,
    program: 'skb_probe',
    everyPacket: ['skb_seen'],
    maps: [],
    ctx: skbContext,
  },
  {
    name: 'xdp_probe (XDP geometry, adjust_head, adjust_tail)',
    spec: probeObject,
    program: 'xdp_probe',
    everyPacket: ['xdp_seen'],
    maps: [],
  },
  {
    name: 'xdp_probe with 8 bytes of metadata before the packet',
    spec: probeObject,
    program: 'xdp_probe',
    everyPacket: ['xdp_seen'],
    maps: [],
    ctx: xdpContext,
  },
];

/** Most mismatches reported per case: the first few say what is wrong. */
const REPORT = 8;

describe('VM and kernel test runs agree on every Ethernet packet of ../shared/pcaps', { skip: skip ?? false }, () => {
  let packets: Packet[];
  let fdsBefore: string[];
  const pinRoot = `/sys/fs/bpf/tsbpf-differential-${process.pid}`;

  before(async () => {
    packets = await ethernetPackets();
    // Warm the kernel backend's one-time caches (feature probes, attr buffers) outside the leak check.
    loadKernel(fixture('objects/xdp_parse.bpf.o')()).close();
    fdsBefore = openFds();
    ensurePinRoot(pinRoot);
  });

  after(() => {
    rmSync(pinRoot, { recursive: true, force: true });
    assert.deepEqual(openFds(), fdsBefore, 'every fd the tests opened is closed');
    assert.equal(openLinkCount(), 0);
  });

  test('the captures hold Ethernet packets of every size class, short ones included', () => {
    assert.ok(packets.length > 1000, `${packets.length} Ethernet packets`);
    assert.ok(packets.some((p) => p.data.length < 14), 'a packet shorter than an Ethernet header');
    assert.ok(packets.some((p) => p.data.length > 4096), 'a packet larger than a page');
  });

  for (const c of CASES) {
    test(c.name, () => {
      const vm = loadVm(c.spec());
      let kernel: Collection | undefined;
      try {
        kernel = loadKernel(c.spec(), { pinRoot });
        const mismatches: string[] = [];
        const differ = (what: string) => {
          if (mismatches.length < REPORT) mismatches.push(what);
          else mismatches[REPORT - 1] = `... and more (last: ${what})`;
        };
        packets.forEach((p, index) => {
          const options: TestRunOptions = { data: p.data, repeat: 1, ctx: c.ctx?.(index, p.data.length) };
          const inVm = outcome(vm, c.program, options);
          const inKernel = outcome(kernel!, c.program, options);
          try {
            assert.deepEqual(inVm, inKernel);
          } catch {
            const where = `${p.where} (${p.data.length} bytes)`;
            differ(`${where}: vm ${JSON.stringify(inVm)} kernel ${JSON.stringify(inKernel)}`);
          }
          for (const name of c.everyPacket ?? []) {
            const a = mapContents(vm.map(name));
            const b = mapContents(kernel!.map(name));
            if (a.join() !== b.join()) differ(`${p.where} (${p.data.length} bytes): ${name}: vm ${a} kernel ${b}`);
          }
        });
        assert.deepEqual(mismatches, [], `${c.name}: ${packets.length} packets`);
        for (const name of c.maps) {
          assert.deepEqual(mapContents(vm.map(name)), mapContents(kernel.map(name)), `map ${name}`);
        }
        for (const name of c.keysOnly ?? []) {
          assert.deepEqual([...vm.map(name).keys()].map(hex).sort(), [...kernel.map(name).keys()].map(hex).sort());
        }
      } finally {
        kernel?.close();
        vm.close();
      }
    });
  }
});
