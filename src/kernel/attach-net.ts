/**
 * Networking attachments: XDP on an interface (a BPF link, 5.9+), socket filters (SO_ATTACH_BPF, and classic
 * filters through SO_ATTACH_FILTER), and cgroup programs (a BPF link where the kernel has cgroup links, else
 * PROG_ATTACH with BPF_F_ALLOW_MULTI, detached explicitly on close).
 */
import { existsSync, openSync, readFileSync } from 'node:fs';
import type { CbpfInsn } from '../cbpf/insn.js';
import { linkCreate, progAttach, progDetach } from './bpf.js';
import { AttachType, ProgType } from './constants.js';
import { isKernelError, KernelError } from './errors.js';
import { Fd } from './fd.js';
import { KernelLink } from './link.js';
import { withArena } from './native.js';
import { lastErrno, sysSetsockopt } from './syscall.js';
import { AttachTargetError } from './tracefs.js';

const SOL_SOCKET = 1;
const SO_ATTACH_FILTER = 26;
const SO_DETACH_FILTER = 27;
const SO_ATTACH_BPF = 50;
const BPF_F_ALLOW_MULTI = 2;
/** The kernel's BPF_MAXINSNS for classic filters. */
const CLASSIC_MAX_INSNS = 4096;

/** XDP attach modes (XDP_FLAGS_*). */
export const XdpFlags = { UPDATE_IF_NOEXIST: 1, SKB_MODE: 2, DRV_MODE: 4, HW_MODE: 8 } as const;

/** The ifindex of interface `name` (or the number itself). */
export function interfaceIndex(name: string | number): number {
  if (typeof name === 'number') return name;
  if (/^\d+$/.test(name)) return Number(name);
  const path = `/sys/class/net/${name}/ifindex`;
  if (!/^[\w.:@-]+$/.test(name) || !existsSync(path))
    throw new AttachTargetError(`xdp: no network interface "${name}"`);
  return Number(readFileSync(path, 'utf8').trim());
}

const XDP_MODES = XdpFlags.SKB_MODE | XdpFlags.DRV_MODE | XdpFlags.HW_MODE;
const XDP_KNOWN = XDP_MODES | XdpFlags.UPDATE_IF_NOEXIST;

/**
 * Attaches an XDP program to an interface as a BPF link (closing the link detaches it). A link never replaces the
 * program an interface already runs in that mode (the kernel answers EBUSY), which is what UPDATE_IF_NOEXIST asks
 * for; the kernel takes only mode flags on a link (anything else is EINVAL), so that flag is honoured by dropping
 * it. Without a mode flag the kernel picks native mode when the driver has it, else generic (SKB) mode.
 */
export function attachXdp(program: string, progFd: number, iface: string | number, flags = 0): KernelLink {
  if ((flags & ~XDP_KNOWN) !== 0) throw new AttachTargetError(`xdp: unknown XDP flags 0x${flags.toString(16)}`);
  const ifindex = interfaceIndex(iface);
  let link: Fd;
  try {
    link = linkCreate({ progFd, target: ifindex, attachType: AttachType.XDP, flags: flags & XDP_MODES });
  } catch (error) {
    if (isKernelError(error, 'EBUSY')) {
      throw new KernelError(
        error.command,
        error.errno,
        `interface ${iface} already runs an XDP program in this mode (detach it first)`,
      );
    }
    throw error;
  }
  return new KernelLink(program, `xdp/${iface}`, [() => link.close()], link);
}

function setsockoptInt(socketFd: number, option: number, value: number, what: string): void {
  withArena((arena) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, value, true);
    if (sysSetsockopt(socketFd, SOL_SOCKET, option, arena.put(bytes), 4) < 0) throw new KernelError(what, lastErrno());
  });
}

/** Attaches an eBPF socket filter; closing the link detaches it (the socket itself stays the caller's). */
export function attachSocketFilter(program: string, progFd: number, socketFd: number): KernelLink {
  setsockoptInt(socketFd, SO_ATTACH_BPF, progFd, 'setsockopt(SO_ATTACH_BPF)');
  return new KernelLink(program, `socket/${socketFd}`, [() => detachSocketFilter(socketFd)]);
}

function detachSocketFilter(socketFd: number): void {
  try {
    setsockoptInt(socketFd, SO_DETACH_FILTER, 0, 'setsockopt(SO_DETACH_FILTER)');
  } catch (error) {
    // ENOENT: nothing attached any more; EBADF/ENOTSOCK: the socket is already closed, and its filter with it.
    if (!isKernelError(error)) throw error;
  }
}

/** Attaches a classic BPF filter (tcpdump -dd instructions) to a socket. */
export function attachClassicFilter(socketFd: number, insns: readonly CbpfInsn[], label = 'classic'): KernelLink {
  if (insns.length === 0 || insns.length > CLASSIC_MAX_INSNS) {
    throw new AttachTargetError(`classic filter: ${insns.length} instructions (1..${CLASSIC_MAX_INSNS} allowed)`);
  }
  withArena((arena) => {
    const filter = new Uint8Array(insns.length * 8);
    const view = new DataView(filter.buffer);
    insns.forEach((insn, i) => {
      view.setUint16(i * 8, insn.code, true);
      view.setUint8(i * 8 + 2, insn.jt);
      view.setUint8(i * 8 + 3, insn.jf);
      view.setUint32(i * 8 + 4, insn.k >>> 0, true);
    });
    // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (pointer at offset 8).
    const prog = arena.reserve(16);
    prog.view.setUint16(0, insns.length, true);
    const address = arena.put(filter);
    prog.view.setUint32(8, address % 0x1_0000_0000, true);
    prog.view.setUint32(12, Math.floor(address / 0x1_0000_0000), true);
    if (sysSetsockopt(socketFd, SOL_SOCKET, SO_ATTACH_FILTER, prog.address, 16) < 0) {
      throw new KernelError('setsockopt(SO_ATTACH_FILTER)', lastErrno());
    }
  });
  return new KernelLink(label, `socket/${socketFd}`, [() => detachSocketFilter(socketFd)]);
}

/** The attach type a cgroup program gets when its spec does not name one. */
export function defaultCgroupAttachType(progType: number): number | undefined {
  switch (progType) {
    case ProgType.CGROUP_SKB:
      return AttachType.CGROUP_INET_INGRESS;
    case ProgType.CGROUP_SOCK:
      return AttachType.CGROUP_INET_SOCK_CREATE;
    case ProgType.SOCK_OPS:
      return AttachType.CGROUP_SOCK_OPS;
    case ProgType.CGROUP_DEVICE:
      return AttachType.CGROUP_DEVICE;
    case ProgType.CGROUP_SYSCTL:
      return AttachType.CGROUP_SYSCTL;
    default:
      return undefined;
  }
}

/** The cgroup v2 root: /sys/fs/cgroup when it is cgroup2, else the hybrid layout's /sys/fs/cgroup/unified. */
export function cgroupRoot(): string {
  const mounts = existsSync('/proc/self/mounts') ? readFileSync('/proc/self/mounts', 'utf8') : '';
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (type === 'cgroup2' && mountPoint) return mountPoint;
  }
  throw new AttachTargetError('cgroup: no cgroup2 filesystem is mounted');
}

/** The kernel's EBADF for an fd that opens something other than a cgroup v2 directory, said in words. */
function notACgroup(error: unknown, dir: string): unknown {
  if (!isKernelError(error, 'EBADF')) return error;
  return new AttachTargetError(`cgroup: ${dir} is not a cgroup v2 directory (a cgroup2 mount or a directory in one)`);
}

/** Attaches a cgroup program to the cgroup directory `path` (default: the cgroup2 root). */
export function attachCgroup(program: string, progFd: number, attachType: number, path?: string): KernelLink {
  const dir = path ?? cgroupRoot();
  let cgroup: Fd;
  try {
    cgroup = new Fd(openSync(dir, 'r'));
  } catch (error) {
    throw new AttachTargetError(`cgroup: cannot open ${dir}: ${(error as Error).message}`);
  }
  try {
    const link = linkCreate({ progFd, target: cgroup.fd, attachType });
    cgroup.close();
    return new KernelLink(program, `cgroup/${dir}`, [() => link.close()], link);
  } catch (error) {
    if (!isKernelError(error, 'EINVAL')) {
      cgroup.close();
      throw notACgroup(error, dir);
    }
  }
  try {
    progAttach({ targetFd: cgroup.fd, progFd, attachType, flags: BPF_F_ALLOW_MULTI });
  } catch (error) {
    cgroup.close();
    throw notACgroup(error, dir);
  }
  return new KernelLink(program, `cgroup/${dir}`, [
    () => cgroup.close(),
    () => progDetach({ targetFd: cgroup.fd, progFd, attachType }),
  ]);
}
