/** Reading a CO-RE target BTF from disk: the running kernel's by default. Node only (the core takes bytes). */
import { existsSync, readFileSync } from 'node:fs';
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { loadBtf } from './load.js';

/** Where the running kernel exposes its BTF (CONFIG_DEBUG_INFO_BTF). */
export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/**
 * The target BTF for CO-RE: `path` (a raw BTF file such as a saved vmlinux BTF, or an ELF object with .BTF), or
 * /sys/kernel/btf/vmlinux when no path is given. `base` is for split BTF (a kernel module's, on top of vmlinux).
 * Throws `BtfError` naming the file when it is missing or malformed.
 */
export function loadTargetBtf(path?: string, options: { base?: Btf } = {}): Btf {
  const file = path ?? VMLINUX_BTF_PATH;
  if (!existsSync(file)) {
    const why = path === undefined ? ' (the kernel has no BTF: CONFIG_DEBUG_INFO_BTF is off)' : '';
    throw new BtfError({ file }, `no such file${why}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (err) {
    throw new BtfError({ file }, `cannot read: ${(err as Error).message}`);
  }
  return loadBtf(bytes, { name: file, base: options.base });
}
