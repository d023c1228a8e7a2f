/**
 * Big-endian objects (clang -target bpfeb) in the userspace backends. Their code assumes big-endian memory (loads,
 * stores, byte-order conversions, initial data); the VM and the JIT run little-endian memory, as x86-64 and arm64
 * kernels do, so loading one is a one-line InputError rather than a run with wrong answers. libbpf refuses such an
 * object the same way ("elf: endianness mismatch", recorded in objects/bpfeb.bpf.skel.err by bpftool).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { loadObjectSpec } from '../../src/object/load.js';
import { onEachBackend } from './backends.js';

const spec = () =>
  loadObjectSpec(new Uint8Array(readFileSync('test/fixtures/objects/bpfeb.bpf.o')), { name: 'bpfeb.bpf.o' });

it('libbpf refuses the fixture for its byte order', () => {
  assert.match(readFileSync('test/fixtures/objects/bpfeb.bpf.skel.err', 'latin1'), /endianness mismatch/);
});

onEachBackend((loadCollection) => {
  it('loading a bpfeb object is a one-line InputError naming the object and the reason', () => {
    assert.equal(spec().littleEndian, false);
    assert.throws(
      () => loadCollection(spec()),
      (err: unknown) =>
        err instanceof InputError &&
        !err.message.includes('\n') &&
        /^bpfeb\.bpf\.o: a big-endian object cannot run in the userspace VM/.test(err.message),
    );
  });
});
