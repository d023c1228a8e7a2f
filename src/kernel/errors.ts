/**
 * Errors from the kernel: a failed syscall becomes a `KernelError` carrying the errno's name, the bpf command and
 * a hint in words (EPERM usually means missing privileges, E2BIG a too-large attr or program...). A rejected
 * program additionally carries the verifier log (`VerifierError`), since that log is the only explanation the
 * kernel gives.
 */

/** Linux errno numbers (identical on x86_64 and arm64) the bpf paths return, by number. */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  5: 'EIO',
  6: 'ENXIO',
  7: 'E2BIG',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  18: 'EXDEV',
  19: 'ENODEV',
  20: 'ENOTDIR',
  22: 'EINVAL',
  24: 'EMFILE',
  28: 'ENOSPC',
  34: 'ERANGE',
  36: 'ENAMETOOLONG',
  38: 'ENOSYS',
  40: 'ELOOP',
  75: 'EOVERFLOW',
  95: 'EOPNOTSUPP',
  524: 'ENOTSUPP',
};

export const ERRNO = Object.freeze(
  Object.fromEntries(Object.entries(ERRNO_NAMES).map(([n, name]) => [name, Number(n)])) as Record<string, number>,
);

/** What an errno usually means for bpf(), so the one-line message helps without a man page. */
const HINTS: Readonly<Record<string, string>> = {
  EPERM: 'operation not permitted: needs root or CAP_BPF + CAP_PERFMON (and CAP_NET_ADMIN for networking)',
  ENOENT: 'no such entry',
  E2BIG: 'argument too big (attr, program or map size beyond what this kernel accepts)',
  EBADF: 'bad file descriptor',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'out of memory (or memlock limit reached)',
  EACCES: 'permission denied (the verifier rejected the program, or the object is not accessible)',
  EFAULT: 'bad address',
  EBUSY: 'device or resource busy',
  EEXIST: 'entry already exists',
  EINVAL: 'invalid argument (unsupported type, flags or attributes for this kernel)',
  ENOSPC: 'no space left (map full, or output buffer too small)',
  ENOTSUPP: 'operation not supported by this kernel or object',
  EOPNOTSUPP: 'operation not supported by this kernel or object',
  ENOSYS: 'function not implemented (bpf() not available)',
  ERANGE: 'value out of range',
  ELOOP: 'too many levels of symbolic links, or a loop',
  EINTR: 'interrupted system call',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** A syscall failed. `code` is the errno name ('EPERM'), `command` the bpf command or syscall ('BPF_MAP_CREATE'). */
export class KernelError extends Error {
  override name = 'KernelError';
  readonly code: string;
  constructor(
    readonly command: string,
    readonly errno: number,
    detail?: string,
  ) {
    const code = errnoName(errno);
    super(`${command} failed: ${code}: ${detail ?? HINTS[code] ?? 'system call failed'}`);
    this.code = code;
  }
}

/**
 * The kernel refused a program (or BTF). `log` is the full verifier log (possibly several megabytes at log level 2);
 * the message holds the last meaningful line of it, which is where the kernel states the reason.
 */
export class VerifierError extends KernelError {
  override name = 'VerifierError';
  constructor(
    command: string,
    errno: number,
    readonly log: string,
    readonly truncated = false,
  ) {
    super(command, errno, verifierSummary(errno, log));
  }
}

/** The kernel backend cannot run here at all (not Linux, unsupported architecture, no libc). */
export class KernelUnsupportedError extends Error {
  override name = 'KernelUnsupportedError';
}

/** Last line of a verifier log that states a reason, skipping the statistics lines the kernel appends. */
export function verifierSummary(errno: number, log: string): string {
  const lines = log
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(processed \d+ insns|verification time|stack depth|mark_precise)/.test(line));
  const reason = lines.at(-1);
  const hint = HINTS[errnoName(errno)] ?? 'program rejected';
  return reason ? `${reason} (${hint})` : hint;
}

/** True when `error` is a KernelError with the given errno name. */
export function isKernelError(error: unknown, code?: string): error is KernelError {
  return error instanceof KernelError && (code === undefined || error.code === code);
}
