/** Shared test support: whether bpf() is usable here, and an fd-leak check over /proc/self/fd. */
import { readdirSync } from 'node:fs';
import { mapCreate } from '../../src/kernel/bpf.js';
import { MapType } from '../../src/kernel/constants.js';
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
