/**
 * The raw system calls the kernel backend needs, bound through koffi to libc (no native addon).
 *
 * Choices made here, and why:
 * - `syscall()` is variadic in libc, but koffi's variadic calls parse a type string per argument on every call and
 *   cannot run asynchronously. On the two ABIs we support (x86_64 SysV and AArch64 Linux) variadic integer
 *   arguments travel in the same registers as fixed ones, so each use gets its own fixed prototype instead.
 *   `ioctl()` is declared the same way.
 * - Pointers the kernel dereferences are passed as plain integers (`uintptr_t`) holding the address of native
 *   memory from `NativeBuffer` (koffi.alloc): such memory never moves, unlike V8 heap buffers, and an integer
 *   argument is the cheapest conversion koffi does (measured: ~15% faster than passing a koffi pointer object for a
 *   map lookup). The bpf() attr itself often holds further addresses, which is only possible with stable memory.
 * - Arguments are declared `long` (64-bit) where the kernel reads a full register, so no upper bits are undefined.
 *
 * libc is loaded on first use, so importing this module on a machine without Linux/glibc does not throw; calling
 * into it then throws `KernelUnsupportedError`.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { KernelUnsupportedError } from './errors.js';

/** Syscall numbers for the architectures we support (asm-generic numbering on arm64). */
const SYSCALL_NUMBERS: Record<string, { bpf: number; perfEventOpen: number }> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
};

type Fn = ReturnType<LibraryHandle['func']>;

/** The bound libc functions, created once. */
interface Bindings {
  nrBpf: number;
  nrPerfEventOpen: number;
  bpf: Fn;
  perfEventOpen: Fn;
  close: Fn;
  ioctl: Fn;
  mmap: Fn;
  munmap: Fn;
  epollCreate1: Fn;
  epollCtl: Fn;
  epollWait: Fn;
  setsockopt: Fn;
  getpid: Fn;
  sysconf: Fn;
}

let bindings: Bindings | undefined;

function bind(): Bindings {
  if (bindings) return bindings;
  const numbers = SYSCALL_NUMBERS[process.arch];
  if (process.platform !== 'linux' || !numbers) {
    throw new KernelUnsupportedError(
      `the kernel backend needs Linux on x86_64 or arm64 (this is ${process.platform}/${process.arch})`,
    );
  }
  let libc: LibraryHandle;
  try {
    libc = koffi.load('libc.so.6');
  } catch (error) {
    throw new KernelUnsupportedError(`cannot load libc.so.6: ${(error as Error).message}`);
  }
  bindings = {
    nrBpf: numbers.bpf,
    nrPerfEventOpen: numbers.perfEventOpen,
    bpf: libc.func('long syscall(long nr, long cmd, uintptr_t attr, unsigned int size)'),
    perfEventOpen: libc.func(
      'long syscall(long nr, uintptr_t attr, long pid, long cpu, long group_fd, unsigned long flags)',
    ),
    close: libc.func('int close(int fd)'),
    ioctl: libc.func('int ioctl(int fd, unsigned long request, uintptr_t arg)'),
    mmap: libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: libc.func('int munmap(void *addr, size_t length)'),
    epollCreate1: libc.func('int epoll_create1(int flags)'),
    epollCtl: libc.func('int epoll_ctl(int epfd, int op, int fd, uintptr_t event)'),
    epollWait: libc.func('int epoll_wait(int epfd, uintptr_t events, int maxevents, int timeout)'),
    setsockopt: libc.func('int setsockopt(int fd, int level, int optname, uintptr_t optval, uint32_t optlen)'),
    getpid: libc.func('int getpid()'),
    sysconf: libc.func('long sysconf(int name)'),
  };
  return bindings;
}

/** True when this process can bind the syscalls at all (Linux, supported arch, glibc). */
export function syscallsAvailable(): boolean {
  try {
    bind();
    return true;
  } catch {
    return false;
  }
}

/** errno of the last failed libc call on this thread. Read it immediately after the failing call. */
export function lastErrno(): number {
  return koffi.errno();
}

/** Raw bpf(cmd, attr, size): the result, or -1 with `lastErrno()` set. Hot path: no allocation, no checks. */
export function sysBpf(cmd: number, attrAddress: number, size: number): number {
  const b = bindings ?? bind();
  return b.bpf(b.nrBpf, cmd, attrAddress, size) as number;
}

/** Raw perf_event_open(attr, pid, cpu, group_fd, flags): an fd or -1. */
export function sysPerfEventOpen(
  attrAddress: number,
  pid: number,
  cpu: number,
  groupFd: number,
  flags: number,
): number {
  const b = bind();
  return b.perfEventOpen(b.nrPerfEventOpen, attrAddress, pid, cpu, groupFd, flags) as number;
}

export function sysClose(fd: number): number {
  return bind().close(fd) as number;
}

/** ioctl with an integer argument or the address of native memory. */
export function sysIoctl(fd: number, request: number, arg: number): number {
  return bind().ioctl(fd, request, arg) as number;
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;

/** Memory mapped from an fd (ring buffers, perf buffers, mmapable array maps). */
export interface MappedRegion {
  readonly address: number;
  readonly length: number;
  /** A view of the mapping; invalid after unmap(). */
  readonly bytes: Uint8Array;
  unmap(): void;
}

/** mmap(NULL, length, prot, flags, fd, offset): the region, or undefined with `lastErrno()` set. */
export function sysMmap(
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset: number,
): MappedRegion | undefined {
  const b = bind();
  const ptr = b.mmap(null, length, prot, flags, fd, offset);
  const address = Number(koffi.address(ptr));
  if (ptr === null || address === 2 ** 64 - 1 || address === -1) return undefined;
  const bytes = new Uint8Array(koffi.view(ptr, length));
  let mapped = true;
  return {
    address,
    length,
    bytes,
    unmap() {
      if (!mapped) return;
      mapped = false;
      b.munmap(ptr, length);
    },
  };
}

export function sysEpollCreate1(flags: number): number {
  return bind().epollCreate1(flags) as number;
}

export function sysEpollCtl(epfd: number, op: number, fd: number, eventAddress: number): number {
  return bind().epollCtl(epfd, op, fd, eventAddress) as number;
}

/**
 * epoll_wait on a libuv worker thread, so the event loop never blocks. `eventsAddress` must point at native memory
 * that stays alive until the promise settles (the caller keeps its NativeBuffer referenced). Resolves with the
 * count and the errno read on the worker thread (koffi keeps errno per thread, so it is read in the callback only
 * as a best effort: EINTR is the one failure callers retry on).
 */
export function sysEpollWaitAsync(
  epfd: number,
  eventsAddress: number,
  maxEvents: number,
  timeoutMs: number,
): Promise<number> {
  const b = bind();
  return new Promise((resolve, reject) => {
    b.epollWait.async(epfd, eventsAddress, maxEvents, timeoutMs, (error: unknown, result: number) => {
      if (error) reject(error);
      else resolve(result);
    });
  });
}

export function sysSetsockopt(fd: number, level: number, optname: number, optAddress: number, optLen: number): number {
  return bind().setsockopt(fd, level, optname, optAddress, optLen) as number;
}

export function sysGetpid(): number {
  return bind().getpid() as number;
}

const SC_PAGESIZE = 30;
let pageSize: number | undefined;

/** The MMU page size (ring and perf buffers are mapped in pages). */
export function sysPageSize(): number {
  pageSize ??= Number(bind().sysconf(SC_PAGESIZE));
  return pageSize;
}
