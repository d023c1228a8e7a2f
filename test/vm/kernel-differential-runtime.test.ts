/**
 * The kernel as the oracle of the runtime gaps filled for libbpf-style programs: bpf_get_current_task(_btf) with
 * CO-RE reads (objects/task.bpf.o, a raw tracepoint test-run in this process, so the task is this one), the XDP
 * multi-buffer byte helpers over frames from one Ethernet header to many fragments, and bpf_redirect_map into
 * devmaps, cpumaps and xskmaps over a grid of keys and flags (objects/xdp_frags.bpf.o). Return values, packets
 * handed back and map contents must be identical. Skipped, with the reason printed, where bpf() is denied.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { progTestRun } from '../../src/kernel/bpf.js';
import type { KernelCollection } from '../../src/kernel/kernel-collection.js';
import { loadCollection as loadKernel } from '../../src/kernel/load-collection.js';
import type { Collection, TestRunResult } from '../../src/object/collection.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { loadCollection as loadVm, type VmCollection } from '../../src/vm/collection.js';
import type { ParentedTask } from '../../src/vm/task-image.js';
import { bpfUnavailable } from '../kernel/support.js';

const skip = bpfUnavailable();
if (skip) console.log(`# skipping VM-versus-kernel runtime differential tests: ${skip}`);

const fixture = (name: string) =>
  loadObjectSpec(new Uint8Array(readFileSync(`test/fixtures/objects/${name}`)), { name });
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : '');
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const words = (...ws: number[]) => new Uint8Array(new Uint32Array(ws).buffer);
const mapText = (c: Collection, name: string) => [...c.map(name).entries()].map(([k, v]) => `${hex(k)}=${hex(v)}`);

describe('runtime helpers: VM against the kernel', { skip: skip ?? undefined }, () => {
  describe('bpf_get_current_task with CO-RE reads (task.bpf.o)', () => {
    it('sees this process: pid, tgid, parent tgid, group leader, comm', async () => {
      const kernel = (await loadKernel(fixture('task.bpf.o'))) as KernelCollection;
      const comm = readFileSync('/proc/self/comm', 'latin1').trim();
      const vm = loadVm(fixture('task.bpf.o'), { task: { pid: process.pid, tgid: process.pid, comm } });
      vm.runtime.task = { ...vm.runtime.task, ppid: process.ppid } as ParentedTask;
      try {
        // raw tracepoints take their arguments in place (the kernel refuses ctx_out for them); node runs this on
        // its main thread, whose pid is the process id
        const k = progTestRun({ progFd: kernel.program('record_task').fd, ctx: new Uint8Array(16), ctxInPlace: true });
        const v = vm.program('record_task').run({ ctx: new Uint8Array(16) });
        assert.equal(BigInt(k.retval), v.retval);
        assert.deepEqual(mapText(vm, 'seen'), mapText(kernel, 'seen'));
      } finally {
        kernel.close();
        vm.close();
      }
    });
  });

  describe('XDP byte helpers and redirects (xdp_frags.bpf.o)', () => {
    let kernel: Collection;
    let vm: VmCollection;
    before(async () => {
      kernel = await loadKernel(fixture('xdp_frags.bpf.o'));
      vm = loadVm(fixture('xdp_frags.bpf.o'), { cpus: 2 });
      for (const c of [kernel, vm]) {
        c.map('ports').update(u32(1), words(1, 0)); // lo: ifindex 1 in every network namespace
        c.map('ports_hash').update(u32(2), u32(1));
        c.map('cpus').update(u32(0), words(64, 0));
      }
    });
    after(() => {
      kernel?.close();
      vm?.close();
    });

    it('frames from an Ethernet header to 17 fragments: return, packet, helper results', () => {
      for (const length of [14, 15, 60, 1500, 3519, 3520, 3521, 3522, 4096, 5000, 7617, 9000, 20000]) {
        const data = new Uint8Array(length).map((_, i) => (i * 13 + length) & 0xff);
        const outcome = (c: Collection) => {
          const r = c.program('xdp_bytes').run({ data }) as TestRunResult;
          return { retval: String(r.retval), data: hex(r.data), seen: mapText(c, 'seen') };
        };
        assert.deepEqual(outcome(vm), outcome(kernel), `${length}-byte frame`);
      }
    });
    it('redirect_map over keys and flags into each map type', () => {
      const results = (c: Collection) => {
        const out: string[] = [];
        for (const prog of ['redirect_dev', 'redirect_dev_hash', 'redirect_cpu', 'redirect_xsk']) {
          for (const key of [0, 1, 2, 3, 9]) {
            for (const flags of [0, 1, 2, 3, 4, 8, 9, 0x10, 0x18, 0x1a, 0x20, 0x80]) {
              const data = new Uint8Array(60);
              data[0] = key;
              data[1] = flags;
              const r = c.program(prog).run({ data }) as TestRunResult;
              out.push(`${prog}(${key}, 0x${flags.toString(16)}) = ${r.retval}`);
            }
          }
        }
        return out;
      };
      assert.deepEqual(results(vm), results(kernel));
      for (const m of ['ports', 'ports_hash', 'cpus']) assert.deepEqual(mapText(vm, m), mapText(kernel, m), m);
    });
  });
});
