/** Shared test support: whether bpf() is usable here, and an fd-leak check over /proc/self/fd. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before } from 'node:test';
import { mapCreate } from '../../src/kernel/bpf.js';
import { MapType } from '../../src/kernel/constants.js';
import { openLinkCount } from '../../src/kernel/link.js';
import { syscallsAvailable } from '../../src/kernel/syscall.js';

let reason: string | null | undefined;

/** Why bpf() cannot be used in this process, or null when it can. */
export function bpfUnavailable(): string | null {
  if (reason !== undefined) return reason;
  if (!syscallsAvailable()) return (reason = `bpf() not available: ${process.platform}/${process.arch}`);
  try {
    mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 }).close();
    reason = null;
  } catch (error) {
    reason = `bpf() not permitted: ${(error as Error).message}`;
  }
  return reason;
}

/** The open descriptors of this process. */
export function openFds(): string[] {
  return readdirSync('/proc/self/fd').sort();
}

/** Little-endian u32 bytes. */
export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

/** Little-endian u64 bytes. */
export function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

export function readU64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
}

/**
 * Registers hooks on the current suite that prove it leaves nothing behind: `warmUp` runs first (loading an object
 * once opens the process-wide descriptors that stay, such as vmlinux BTF and koffi's), then the open fds are
 * counted; after the suite every link must be closed and the same fds open.
 */
export function expectNothingLeftBehind(warmUp: () => void): void {
  let fdsBefore: string[] = [];
  before(() => {
    warmUp();
    fdsBefore = openFds();
  });
  after(() => {
    assert.equal(openLinkCount(), 0, 'every link is closed');
    assert.deepEqual(openFds(), fdsBefore, 'every fd opened by the tests is closed');
  });
}
