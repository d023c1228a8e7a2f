import { InputError } from '../errors.js';

/** One bpf_conformance test (`.data` file): see ../shared/conformance/README.md for the format. */
export interface ConformanceTest {
  name: string;
  /** Assembly text of the `-- asm` section (ubpf syntax). */
  asm: string;
  /** Line number (1-based) in the file where the asm section's first line stands. */
  asmLine: number;
  /** 8-byte instruction slots of a `-- raw` section, which overrides `-- asm`. */
  raw?: bigint[];
  /** Input memory (`-- mem`). */
  mem: Uint8Array;
  /** Expected r0 (`-- result`), unsigned 64-bit. */
  result?: bigint;
  /** Expected error text (`-- error`). */
  error?: string;
}

export class ConformanceFileError extends InputError {
  override name = 'ConformanceFileError';
}

type Section = 'asm' | 'mem' | 'result' | 'raw' | 'error' | 'ignored' | 'none';

/** Parses a `.data` file; malformed content throws ConformanceFileError naming the file and line. */
export function parseConformanceFile(text: string, name: string): ConformanceTest {
  const asmLines: string[] = [];
  let asmLine = 0;
  const memBytes: number[] = [];
  const raw: bigint[] = [];
  let sawRaw = false;
  let result: bigint | undefined;
  let error: string | undefined;
  let section: Section = 'none';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const fail = (msg: string): never => {
      throw new ConformanceFileError(`${name}:${lineNo}: ${msg}`);
    };
    const line = lines[i]!;
    const hash = line.indexOf('#');
    const content = (hash >= 0 ? line.slice(0, hash) : line).trim();
    const directive = /^--\s*(.*)$/.exec(content);
    if (directive) {
      const what = directive[1]!.trim();
      section =
        what === 'asm' || what === 'mem' || what === 'result' || what === 'raw' || what === 'error' ? what : 'ignored';
      if (section === 'raw') sawRaw = true;
      if (section === 'asm' && asmLine === 0) asmLine = lineNo + 1;
      continue;
    }
    switch (section) {
      case 'asm':
        asmLines.push(hash >= 0 ? line.slice(0, hash) : line);
        break;
      case 'mem':
        for (const token of content.split(/\s+/).filter(Boolean)) {
          const hex = token.replace(/^0x/i, '');
          if (!/^[0-9a-fA-F]{1,2}$/.test(hex)) fail(`bad memory byte '${token}'`);
          memBytes.push(Number.parseInt(hex, 16));
        }
        break;
      case 'result':
        if (content) result = parseU64(content) ?? fail(`bad result '${content}'`);
        break;
      case 'raw':
        for (const token of content.split(/\s+/).filter(Boolean)) {
          raw.push(parseU64(token) ?? fail(`bad raw instruction '${token}'`));
        }
        break;
      case 'error':
        if (content) error = error ? `${error}\n${content}` : content;
        break;
      case 'none':
        if (content) fail(`content before the first section: '${content}'`);
        break;
      case 'ignored':
        break;
    }
  }
  if (asmLines.every((l) => l.trim() === '') && !sawRaw) {
    throw new ConformanceFileError(`${name}: no '-- asm' or '-- raw' section`);
  }
  return {
    name,
    asm: asmLines.join('\n'),
    asmLine: asmLine || 1,
    raw: sawRaw ? raw : undefined,
    mem: Uint8Array.from(memBytes),
    result,
    error,
  };
}

function parseU64(token: string): bigint | undefined {
  const t = token.trim();
  if (!/^(0x[0-9a-fA-F]+|-?[0-9]+)$/.test(t)) return undefined;
  const v = BigInt(t);
  if (v < -(1n << 63n) || v >= 1n << 64n) return undefined;
  return BigInt.asUintN(64, v);
}

/** Encodes `-- raw` slots (64-bit little-endian integers) as program bytes. */
export function rawToBytes(raw: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(raw.length * 8);
  const view = new DataView(bytes.buffer);
  raw.forEach((slot, i) => view.setBigUint64(i * 8, slot, true));
  return bytes;
}
