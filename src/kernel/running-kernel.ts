/**
 * Facts about the running kernel that loading needs: its version code (kern_version for kprobe programs, the
 * LINUX_KERNEL_VERSION kconfig extern), its BTF (CO-RE targets, attach_btf_id of tracing programs, kfunc ids) and
 * its build configuration (CONFIG_* kconfig externs). Each is read once per process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import type { Btf } from '../btf/btf.js';
import { parseBtf } from '../btf/parse.js';

const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

/** LINUX_VERSION_CODE from a release string such as "6.18.44-fc": major << 16 | minor << 8 | min(patch, 255). */
export function versionCode(releaseText: string): number {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(releaseText);
  if (!match) return 0;
  return (Number(match[1]) << 16) + (Number(match[2]) << 8) + Math.min(Number(match[3] ?? 0), 255);
}

let version: number | undefined;

/** The running kernel's LINUX_VERSION_CODE. */
export function kernelVersionCode(): number {
  version ??= versionCode(release());
  return version;
}

let vmlinux: Btf | null | undefined;

/** The running kernel's BTF, or undefined when the kernel exposes none. */
export function vmlinuxBtf(): Btf | undefined {
  if (vmlinux === undefined) {
    vmlinux = existsSync(VMLINUX_BTF)
      ? parseBtf(new Uint8Array(readFileSync(VMLINUX_BTF)), { file: VMLINUX_BTF, section: 'BTF' })
      : null;
  }
  return vmlinux ?? undefined;
}

let config: Map<string, string> | null | undefined;

/** CONFIG_* values of the running kernel (from /proc/config.gz or /boot/config-RELEASE), when published. */
export function kernelConfig(): Map<string, string> | undefined {
  if (config === undefined) {
    let text: string | undefined;
    try {
      if (existsSync('/proc/config.gz')) text = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
      else if (existsSync(`/boot/config-${release()}`)) text = readFileSync(`/boot/config-${release()}`, 'utf8');
    } catch {
      text = undefined;
    }
    config = text === undefined ? null : parseKernelConfig(text);
  }
  return config ?? undefined;
}

/** `CONFIG_X=value` lines, and `# CONFIG_X is not set` as the value `n`. */
export function parseKernelConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(CONFIG_\w+)=(.*)$/.exec(line.trim());
    if (match) out.set(match[1]!, match[2]!);
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line.trim());
    if (unset) out.set(unset[1]!, 'n');
  }
  return out;
}
