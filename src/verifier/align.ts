/**
 * Pointer alignment (check_ptr_alignment). x86-64 has efficient unaligned access, so the kernel only enforces
 * alignment on the stack, on atomics (strict_alignment_once), and on every pointer when the program was loaded
 * with BPF_F_STRICT_ALIGNMENT. Packet pointers are checked as if the packet started 2 bytes into a word
 * (NET_IP_ALIGN), which is what strict mode emulates for architectures without efficient unaligned access.
 */
import { type Env, reject } from './env.js';
import type { Reg } from './reg.js';
import { isConst } from './scalar.js';
import { tnumAdd, tnumConst, tnumIsAligned, tnumString } from './tnum.js';

/** BPF_F_STRICT_ALIGNMENT (prog_flags): every access must be aligned to its size. */
export const BPF_F_STRICT_ALIGNMENT = 1 << 0;
/** BPF_F_ANY_ALIGNMENT (prog_flags): no alignment checks beyond the stack's; wins over strict alignment. */
export const BPF_F_ANY_ALIGNMENT = 1 << 1;

/** Whether load-time prog_flags ask for strict alignment (env->strict_alignment on x86-64). */
export const strictAlignmentOf = (progFlags: number): boolean =>
  (progFlags & BPF_F_STRICT_ALIGNMENT) !== 0 && (progFlags & BPF_F_ANY_ALIGNMENT) === 0;

/** The word check_ptr_alignment puts before "access" in its message, by pointer type. */
const POINTER_DESC: Partial<Record<Reg['type'], string>> = {
  map_key: 'key ',
  map_value: 'value ',
  ctx: 'context ',
  stack: 'stack ',
  sock: 'sock ',
  sock_common: 'sock_common ',
};

/** The kernel prints a constant variable offset as its number and an unknown one as a tnum. */
const varText = (r: Reg): string => (isConst(r.s) ? `${BigInt.asIntN(64, r.s.t.value)}` : tnumString(r.s.t));

/**
 * Rejects an access of `size` bytes at insn offset `off` through `r` that is misaligned under the rules in force:
 * `once` is the per-instruction strictness atomics ask for.
 */
export function checkPtrAlignment(env: Env, r: Reg, off: number, size: number, once: boolean): void {
  if (size === 1) return;
  const strict = r.type === 'stack' || once || env.strictAlignment;
  if (!strict) return;
  const pkt = r.type === 'pkt' || r.type === 'pkt_meta';
  const ipAlign = pkt ? 2 : 0;
  if (tnumIsAligned(tnumAdd(r.s.t, tnumConst(BigInt(ipAlign + r.off + off))), size)) return;
  const message = pkt
    ? `misaligned packet access off ${ipAlign}+${varText(r)}+${r.off}+${off} size ${size}`
    : `misaligned ${POINTER_DESC[r.type] ?? ''}access off ${varText(r)}+${r.off}+${off} size ${size}`;
  reject(
    env,
    message,
    [],
    pkt
      ? `with strict alignment, packet accesses of ${size} bytes must sit at offsets 2 below a multiple of ${size} (the IP header is 2-byte shifted)`
      : once && !env.strictAlignment && r.type !== 'stack'
        ? `atomic operations of ${size} bytes need an address that is a multiple of ${size}`
        : `accesses of ${size} bytes must be at offsets that are multiples of ${size}`,
  );
}
