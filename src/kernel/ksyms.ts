/**
 * `.ksyms` variables (`extern ... __ksym`) as libbpf resolves them:
 * - a typeless ksym (`extern const void X __ksym`) is the symbol's address from /proc/kallsyms, written into the
 *   lddw as a plain 64-bit constant (the program gets a scalar);
 * - a typed ksym (`extern const struct rq runqueues __ksym`) is the kernel BTF id of its VAR, an lddw with
 *   BPF_PSEUDO_BTF_ID; the verifier then finds the address itself, through kallsyms_lookup_name().
 *
 * Either way the address comes from kallsyms, and a kernel built without CONFIG_KALLSYMS_ALL lists only functions
 * there: its variables (per-CPU ones such as bpf_prog_active and runqueues included) have no address at all. The
 * verifier's answer to that is a bare ENOENT, so we look first and say why. Weak ksyms that cannot be resolved
 * read as NULL, as in libbpf.
 */
import { readFileSync } from 'node:fs';
import type { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/kinds.js';
import { CollectionLoadError, MissingFeatureError } from './load-errors.js';
import { kernelConfig, vmlinuxBtf } from './running-kernel.js';

const PSEUDO_BTF_ID = 3;

/** Symbol name -> its distinct addresses (a static function may appear in several objects). */
let kallsyms: Map<string, bigint[]> | null | undefined;
/** Every address read as 0: kptr_restrict hides them from this process. */
let kallsymsHidden = false;

/** Parses /proc/kallsyms ("ADDRESS TYPE NAME\t[MODULE]") into name -> addresses; `hidden` when all read 0. */
export function parseKallsyms(text: string): { symbols: Map<string, bigint[]>; hidden: boolean } {
  const symbols = new Map<string, bigint[]>();
  let nonZero = false;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const first = line.indexOf(' ');
    const second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    if (second < 0) continue;
    const tab = line.indexOf('\t', second + 1);
    const name = line.slice(second + 1, tab < 0 ? undefined : tab);
    const address = BigInt(`0x${line.slice(0, first)}`);
    if (address !== 0n) nonZero = true;
    const known = symbols.get(name);
    if (!known) symbols.set(name, [address]);
    else if (!known.includes(address)) known.push(address);
  }
  return { symbols, hidden: symbols.size > 0 && !nonZero };
}

/** The running kernel's symbols, read once per process; undefined when /proc/kallsyms cannot be read. */
export function kernelSymbols(): Map<string, bigint[]> | undefined {
  if (kallsyms === undefined) {
    try {
      const parsed = parseKallsyms(readFileSync('/proc/kallsyms', 'latin1'));
      kallsyms = parsed.symbols;
      kallsymsHidden = parsed.hidden;
    } catch {
      kallsyms = null;
    }
  }
  return kallsyms ?? undefined;
}

/** Whether an extern of the object's BTF is typeless (`extern const void X __ksym`: its VAR has type void). */
export function isTypelessKsym(objectBtf: Btf | undefined, name: string): boolean {
  const id = objectBtf?.find(name, BtfKind.Var);
  if (id === undefined || !objectBtf) return false;
  return objectBtf.skipModifiers(objectBtf.sizeOrType(id)) === 0;
}

/** What to put in a ksym's lddw: src register, imm and the second slot's imm. */
export interface KsymLoad {
  src: number;
  imm: number;
  nextImm: number;
}

const NULL_LOAD: KsymLoad = { src: 0, imm: 0, nextImm: 0 };

/** Why kallsyms has no address for `name`, which the kernel's BTF says is a variable. */
function missingAddress(program: string, name: string): MissingFeatureError {
  const all = kernelConfig()?.get('CONFIG_KALLSYMS_ALL');
  const why =
    all === 'y'
      ? 'it is not in /proc/kallsyms'
      : 'it is a kernel variable, and this kernel lists only functions in /proc/kallsyms (built without ' +
        'CONFIG_KALLSYMS_ALL), which is where both libbpf and the verifier look up __ksym addresses';
  const what = `program "${program}": failed to find the address for kernel symbol '${name}'`;
  return new MissingFeatureError(`${what}: ${why}`);
}

/** Resolves the ksym `name` used by `program`; throws a one-line error naming why it cannot be resolved. */
export function resolveKsym(
  program: string,
  name: string,
  options: { typeless: boolean; weak: boolean },
): KsymLoad {
  const symbols = kernelSymbols();
  const addresses = symbols?.get(name);
  if (options.typeless) {
    if (!symbols) {
      throw new MissingFeatureError(`program "${program}" uses kernel symbol '${name}': /proc/kallsyms is unreadable`);
    }
    if (kallsymsHidden) {
      throw new MissingFeatureError(
        `program "${program}" uses kernel symbol '${name}': /proc/kallsyms hides addresses from this process ` +
          '(kernel.kptr_restrict; run as root)',
      );
    }
    if (!addresses) {
      if (options.weak) return NULL_LOAD;
      if (vmlinuxBtf()?.find(name, BtfKind.Var) !== undefined) throw missingAddress(program, name);
      throw new MissingFeatureError(
        `program "${program}" uses kernel symbol '${name}', which /proc/kallsyms does not list`,
      );
    }
    if (addresses.length > 1) {
      const list = addresses.map((a) => `0x${a.toString(16)}`).join(', ');
      throw new CollectionLoadError(`program "${program}": kernel symbol '${name}' is ambiguous (at ${list})`);
    }
    const value = addresses[0]!;
    return {
      src: 0,
      imm: Number(BigInt.asIntN(32, value & 0xffffffffn)),
      nextImm: Number(BigInt.asIntN(32, value >> 32n)),
    };
  }
  const id = vmlinuxBtf()?.find(name, BtfKind.Var);
  if (id === undefined) {
    if (options.weak) return NULL_LOAD;
    throw new MissingFeatureError(
      `program "${program}" uses kernel variable "${name}", which the running kernel does not have`,
    );
  }
  // The verifier resolves the address through kallsyms; when we can see kallsyms and it lacks the variable,
  // the load would fail with ENOENT.
  if (symbols && !kallsymsHidden && !addresses) {
    if (options.weak) return NULL_LOAD;
    throw missingAddress(program, name);
  }
  return { src: PSEUDO_BTF_ID, imm: id, nextImm: 0 };
}
