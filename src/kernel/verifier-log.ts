/**
 * Loading with a verifier log, as libbpf does: the log buffer grows on ENOSPC (the kernel reports the size it
 * needed in log_true_size since 6.4; before that we quadruple), and a load that fails with logging off is retried
 * at log level 1 so the error carries the kernel's explanation. The whole log is kept, never a truncated tail.
 */
import { ATTR_SIZE, beginAttr, putPtr, putU32 } from './attr.js';
import { bpfCmdName } from './constants.js';
import { KernelError, VerifierError } from './errors.js';
import { Fd } from './fd.js';
import { NativeArena, type NativeBuffer } from './native.js';
import { lastErrno, sysBpf } from './syscall.js';

const ENOSPC = 28;
const EPERM = 1;
/** Smallest log the kernel accepts. */
const MIN_LOG_SIZE = 128;
/** The kernel's ceiling on log_size (UINT_MAX >> 2). */
const MAX_LOG_SIZE = 0x3fff_ffff;
export const DEFAULT_LOG_SIZE = 64 * 1024;

/** Where a command keeps its log fields in the attr. */
export interface LogFields {
  level: number;
  size: number;
  buf: number;
  trueSize: number;
}

export interface LoadWithLogOptions {
  cmd: number;
  /** Fills the command's own fields; called for each attempt on a freshly zeroed attr. */
  fill: (attr: NativeBuffer, arena: NativeArena) => void;
  fields: LogFields;
  logLevel: number;
  logSize?: number;
}

export interface LoadWithLogResult {
  fd: Fd;
  log: string;
}

/** Runs the load command, growing the log as needed; throws VerifierError (with the log) or KernelError. */
export function loadWithLog(options: LoadWithLogOptions): LoadWithLogResult {
  const arena = new NativeArena();
  try {
    let level = options.logLevel;
    let size = Math.min(Math.max(options.logSize ?? DEFAULT_LOG_SIZE, MIN_LOG_SIZE), MAX_LOG_SIZE);
    let retriedForLog = false;
    for (;;) {
      const attr = beginAttr();
      options.fill(attr, arena);
      let log: NativeBuffer | undefined;
      if (level > 0) {
        log = arena.reserve(size);
        putU32(attr, options.fields.level, level);
        putU32(attr, options.fields.size, size);
        putPtr(attr, options.fields.buf, log.address);
      }
      const result = sysBpf(options.cmd, attr.address, ATTR_SIZE);
      const errno = result < 0 ? lastErrno() : 0;
      const trueSize = attr.view.getUint32(options.fields.trueSize, true);
      const text = log ? readCString(log.bytes) : '';
      if (result >= 0) return { fd: new Fd(result), log: text };
      if (errno === ENOSPC && log && size < MAX_LOG_SIZE) {
        size = Math.min(trueSize > size ? trueSize : size * 4, MAX_LOG_SIZE);
        continue;
      }
      if (level === 0 && errno !== EPERM && !retriedForLog) {
        retriedForLog = true;
        level = 1;
        continue;
      }
      if (text) throw new VerifierError(bpfCmdName(options.cmd), errno, text, errno === ENOSPC);
      throw new KernelError(bpfCmdName(options.cmd), errno);
    }
  } finally {
    arena.free();
  }
}

/** The text before the first NUL, decoded as UTF-8. */
export function readCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}
