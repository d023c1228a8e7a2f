/**
 * The bpf filesystem pins live in. Pinning by name (LIBBPF_PIN_BY_NAME) puts a map at `<root>/<map name>`, the
 * default root being /sys/fs/bpf as in libbpf. When nothing is mounted there and we are allowed to, we mount
 * bpffs (as systemd would at boot); if that fails, the error says why pinning cannot work.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';

export const DEFAULT_PIN_ROOT = '/sys/fs/bpf';
const BPF_FS_MAGIC = 0xcafe4a11;

/** Pinning could not be arranged (no bpffs and no right to mount one, or the root is not inside a bpffs). */
export class PinError extends Error {
  override name = 'PinError';
}

/** True when `path` is inside a mounted bpf filesystem. */
export function isBpffs(path: string): boolean {
  try {
    return statfsSync(path).type === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Makes sure `root` is a directory on a bpffs: mounts one at /sys/fs/bpf when that is missing and `root` lies
 * below it, and creates `root` itself. Returns whether this call mounted something.
 */
export function ensurePinRoot(root: string = DEFAULT_PIN_ROOT): boolean {
  let mounted = false;
  if (!isBpffs(DEFAULT_PIN_ROOT) && (root === DEFAULT_PIN_ROOT || root.startsWith(`${DEFAULT_PIN_ROOT}/`))) {
    try {
      if (!existsSync(DEFAULT_PIN_ROOT)) mkdirSync(DEFAULT_PIN_ROOT, { recursive: true });
      execFileSync('mount', ['-t', 'bpf', 'bpf', DEFAULT_PIN_ROOT], { stdio: 'pipe' });
      mounted = true;
    } catch (error) {
      const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
      throw new PinError(`no bpf filesystem at ${DEFAULT_PIN_ROOT} and mounting one failed: ${reason}`);
    }
  }
  if (!existsSync(root)) mkdirSync(root, { recursive: true });
  if (!isBpffs(root)) throw new PinError(`pin root ${root} is not on a bpf filesystem`);
  return mounted;
}
