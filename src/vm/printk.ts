/**
 * The kernel's bpf_trace_printk / bpf_snprintf / bpf_trace_vprintk formatting (kernel/bpf/helpers.c
 * bpf_bprintf_prepare plus vsnprintf): integer conversions with flags, width, precision and h/hh/l/ll/z length
 * modifiers, %c, %s, %%, and the pointer formats %p, %pK, %px, %pB, %pi4/%pI4, %pi6/%pI6, %pks/%pus. Arguments
 * are 64-bit values; strings and IP addresses are read through `readMemory`.
 */
export interface PrintkMemory {
  /** The NUL-terminated string at addr (at most max bytes), or undefined when unreadable. */
  string(addr: bigint, max: number): string | undefined;
  /** `size` bytes at addr, or undefined when unreadable. */
  bytes(addr: bigint, size: number): Uint8Array | undefined;
}

export class PrintkFormatError extends Error {
  override name = 'PrintkFormatError';
}

const SPEC = /%([-+ #0]*)(\d+|\*)?(?:\.(\d+))?(hh|h|ll|l|z)?([diuxXoc%sp])/y;

/** Formats `fmt` with `args`; throws PrintkFormatError for what the kernel rejects (-EINVAL). */
export function formatPrintk(fmt: string, args: readonly bigint[], memory: PrintkMemory, maxArgs = 3): string {
  let out = '';
  let argIndex = 0;
  let i = 0;
  const nextArg = (): bigint => {
    if (argIndex >= args.length || argIndex >= maxArgs)
      throw new PrintkFormatError('more format specifiers than arguments');
    return args[argIndex++]!;
  };
  while (i < fmt.length) {
    const pct = fmt.indexOf('%', i);
    if (pct < 0) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(fmt);
    if (!m) throw new PrintkFormatError(`unsupported format at '${fmt.slice(pct, pct + 4)}'`);
    const [whole, flags = '', widthText, precisionText, length = '', conv] = m;
    i = pct + whole.length;
    if (widthText === '*') throw new PrintkFormatError("'*' width is not supported");
    const width = widthText ? Number(widthText) : 0;
    if (conv === '%') {
      out += '%';
      continue;
    }
    if (conv === 'p') {
      out += pad(
        formatPointer(fmt, i, nextArg(), memory, (n) => (i += n)),
        width,
        flags,
      );
      continue;
    }
    const value = nextArg();
    if (conv === 'c') {
      out += pad(String.fromCharCode(Number(value & 0xffn)), width, flags);
      continue;
    }
    if (conv === 's') {
      const s = memory.string(value, 4096);
      let text = s ?? '(efault)';
      if (precisionText !== undefined) text = text.slice(0, Number(precisionText));
      out += pad(text, width, flags);
      continue;
    }
    out += formatInteger(
      value,
      conv!,
      length,
      flags,
      width,
      precisionText === undefined ? undefined : Number(precisionText),
    );
  }
  return out;
}

function bitsOf(length: string): number {
  switch (length) {
    case 'hh':
      return 8;
    case 'h':
      return 16;
    case 'l':
    case 'll':
    case 'z':
      return 64;
    default:
      return 32;
  }
}

function formatInteger(
  value: bigint,
  conv: string,
  length: string,
  flags: string,
  width: number,
  precision?: number,
): string {
  const bits = bitsOf(length);
  const signed = conv === 'd' || conv === 'i';
  const v = signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
  const negative = v < 0n;
  const magnitude = negative ? -v : v;
  let digits =
    conv === 'x'
      ? magnitude.toString(16)
      : conv === 'X'
        ? magnitude.toString(16).toUpperCase()
        : conv === 'o'
          ? magnitude.toString(8)
          : magnitude.toString(10);
  if (precision !== undefined) digits = precision === 0 && magnitude === 0n ? '' : digits.padStart(precision, '0');
  let prefix = negative ? '-' : signed && flags.includes('+') ? '+' : signed && flags.includes(' ') ? ' ' : '';
  if (flags.includes('#') && magnitude !== 0n)
    prefix += conv === 'x' ? '0x' : conv === 'X' ? '0X' : conv === 'o' ? '0' : '';
  if (flags.includes('0') && !flags.includes('-') && precision === undefined) {
    return prefix + digits.padStart(width - prefix.length, '0');
  }
  return pad(prefix + digits, width, flags);
}

function pad(text: string, width: number, flags: string): string {
  if (text.length >= width) return text;
  return flags.includes('-') ? text.padEnd(width) : text.padStart(width);
}

/** The %p family; `consume(n)` skips the extension letters after 'p'. */
function formatPointer(
  fmt: string,
  at: number,
  value: bigint,
  memory: PrintkMemory,
  consume: (n: number) => void,
): string {
  const ext = fmt.slice(at, at + 3);
  const hex = (v: bigint) => v.toString(16).padStart(16, '0');
  if (ext.startsWith('K')) {
    consume(1);
    return hex(0n); // %pK hides kernel pointers from unprivileged readers
  }
  if (ext.startsWith('x')) {
    consume(1);
    return hex(value);
  }
  if (ext.startsWith('B')) {
    consume(1);
    return `0x${value.toString(16)}`;
  }
  if (/^[iI]4/.test(ext)) {
    consume(2);
    const b = memory.bytes(value, 4);
    return b ? Array.from(b).join('.') : '(efault)';
  }
  if (/^[iI]6/.test(ext)) {
    consume(2);
    const b = memory.bytes(value, 16);
    if (!b) return '(efault)';
    const groups: string[] = [];
    for (let j = 0; j < 16; j += 2)
      groups.push(((b[j]! << 8) | b[j + 1]!).toString(16).padStart(ext[0] === 'i' ? 4 : 1, '0'));
    return groups.join(':');
  }
  if (/^[ku]s/.test(ext)) {
    consume(2);
    return memory.string(value, 4096) ?? '(efault)';
  }
  // plain %p prints a hashed pointer in the kernel; show the value, as %px does
  return hex(value);
}
