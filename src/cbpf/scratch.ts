/**
 * Which scratch words (M[0..15]) a classic program may read before writing them. libpcap's interpreter zeroes
 * all sixteen for every packet; knowing the few that matter (usually none: the kernel refuses such reads, and
 * libpcap's code generator always stores first) lets the fast interpreter and the eBPF translation skip the
 * per-packet reset.
 */
import type { CbpfInsn } from './insn.js';
import { uninitializedScratchRead } from './validate.js';

const isScratchRead = (insn: CbpfInsn): boolean => insn.code === 0x60 || insn.code === 0x61;

/**
 * Bit k set when some path may read M[k] before writing it. Exact for forward-only programs (the kernel's
 * check_load_and_stores analysis, repeated until no unsafe read is left); with a backward `ja` every word read
 * anywhere counts, since that analysis assumes forward jumps.
 */
export function scratchReadBeforeWrite(prog: readonly CbpfInsn[]): number {
  let read = 0;
  for (const insn of prog) if (isScratchRead(insn) && insn.k >>> 0 < 16) read |= 1 << (insn.k >>> 0);
  if (read === 0) return 0;
  if (prog.some((insn) => insn.code === 0x05 && (insn.k | 0) < 0)) return read;
  let unsafe = 0;
  // Find the first unsafe read, pretend its word was written at the start, and repeat until none is left. A
  // read with k >= 16 rejects at run time and is replaced by a harmless instruction.
  const patched = prog.slice();
  for (;;) {
    const pc = uninitializedScratchRead(patched);
    if (pc < 0) return unsafe;
    const k = patched[pc]!.k >>> 0;
    if (k >= 16) {
      patched[pc] = { code: 0x00, jt: 0, jf: 0, k: 0 };
      continue;
    }
    unsafe |= 1 << k;
    patched.unshift({ code: 0x02, jt: 0, jf: 0, k });
  }
}
