/**
 * tcpdump's listing formats of a classic BPF program: `-d` (bpf_image, one "(NNN) op operand" line per
 * instruction), `-dd` (a C array of struct sock_filter) and `-ddd` (decimal, count first).
 */
import type { CbpfInsn } from './insn.js';

/** Names of the Linux ancillary-data offsets (SKF_AD_OFF + n) as bpf_image prints them. */
const SKF_AD_NAMES: Record<number, string> = {
  0: 'proto',
  4: 'type',
  8: 'ifidx',
  12: 'nla',
  16: 'nlan',
  20: 'mark',
  24: 'queue',
  28: 'hatype',
  32: 'rxhash',
  36: 'cpu',
  44: 'vlan_tci',
  48: 'vlanp',
  52: 'poff',
  56: 'random',
  60: 'vlan_tpid',
};

const signed = (k: number): number => k | 0;
const hex = (k: number): string => `0x${(k >>> 0).toString(16)}`;

function absOperand(k: number): string {
  const s = signed(k);
  if (s < 0 && s >= -0x1000) {
    const name = SKF_AD_NAMES[s + 0x1000];
    if (name) return `[${name}]`;
  }
  return `[${s}]`;
}

/** One instruction as bpf_image formats it: [op, operand]. */
function image(p: CbpfInsn, n: number): [string, string] {
  const k = p.k >>> 0;
  switch (p.code) {
    case 0x06:
      return ['ret', `#${signed(k)}`];
    case 0x16:
      return ['ret', ''];
    case 0x20:
      return ['ld', absOperand(k)];
    case 0x28:
      return ['ldh', absOperand(k)];
    case 0x30:
      return ['ldb', absOperand(k)];
    case 0x80:
      return ['ld', '#pktlen'];
    case 0x40:
      return ['ld', `[x + ${signed(k)}]`];
    case 0x48:
      return ['ldh', `[x + ${signed(k)}]`];
    case 0x50:
      return ['ldb', `[x + ${signed(k)}]`];
    case 0x00:
      return ['ld', `#${hex(k)}`];
    case 0x01:
      return ['ldx', `#${hex(k)}`];
    case 0x81:
      return ['ldx', '#pktlen'];
    case 0xb1:
      return ['ldxb', `4*([${signed(k)}]&0xf)`];
    case 0x60:
      return ['ld', `M[${signed(k)}]`];
    case 0x61:
      return ['ldx', `M[${signed(k)}]`];
    case 0x02:
      return ['st', `M[${signed(k)}]`];
    case 0x03:
      return ['stx', `M[${signed(k)}]`];
    case 0x05:
      return ['ja', `${n + 1 + signed(k)}`];
    case 0x25:
      return ['jgt', `#${hex(k)}`];
    case 0x35:
      return ['jge', `#${hex(k)}`];
    case 0x15:
      return ['jeq', `#${hex(k)}`];
    case 0x45:
      return ['jset', `#${hex(k)}`];
    case 0x2d:
      return ['jgt', 'x'];
    case 0x3d:
      return ['jge', 'x'];
    case 0x1d:
      return ['jeq', 'x'];
    case 0x4d:
      return ['jset', 'x'];
    case 0x04:
      return ['add', `#${signed(k)}`];
    case 0x14:
      return ['sub', `#${signed(k)}`];
    case 0x24:
      return ['mul', `#${signed(k)}`];
    case 0x34:
      return ['div', `#${signed(k)}`];
    case 0x94:
      return ['mod', `#${signed(k)}`];
    case 0x54:
      return ['and', `#${hex(k)}`];
    case 0x44:
      return ['or', `#${hex(k)}`];
    case 0xa4:
      return ['xor', `#${hex(k)}`];
    case 0x64:
      return ['lsh', `#${signed(k)}`];
    case 0x74:
      return ['rsh', `#${signed(k)}`];
    case 0x0c:
      return ['add', 'x'];
    case 0x1c:
      return ['sub', 'x'];
    case 0x2c:
      return ['mul', 'x'];
    case 0x3c:
      return ['div', 'x'];
    case 0x9c:
      return ['mod', 'x'];
    case 0x5c:
      return ['and', 'x'];
    case 0x4c:
      return ['or', 'x'];
    case 0xac:
      return ['xor', 'x'];
    case 0x6c:
      return ['lsh', 'x'];
    case 0x7c:
      return ['rsh', 'x'];
    case 0x84:
      return ['neg', ''];
    case 0x07:
      return ['tax', ''];
    case 0x87:
      return ['txa', ''];
  }
  return ['unimp', hex(p.code)];
}

/** One `-d` line, without trailing blanks (libpcap master style). */
export function formatInsn(p: CbpfInsn, n: number): string {
  const [op, operand] = image(p, n);
  const idx = `(${String(n).padStart(3, '0')})`;
  const isCond = (p.code & 0x07) === 0x05 && p.code !== 0x05;
  if (isCond) {
    return `${idx} ${op.padEnd(8)} ${operand.padEnd(16)} jt ${n + 1 + p.jt}\tjf ${n + 1 + p.jf}`;
  }
  return `${idx} ${op.padEnd(8)} ${operand}`.trimEnd();
}

/** `tcpdump -d`: the listing, one line per instruction. */
export function formatListing(insns: readonly CbpfInsn[]): string {
  return insns.map((p, i) => formatInsn(p, i)).join('\n');
}

/** `tcpdump -dd`: a C array initializer. */
export function formatC(insns: readonly CbpfInsn[]): string {
  const h = (v: number, w: number): string => `0x${v.toString(16).padStart(w, '0')}`;
  return insns.map((p) => `{ 0x${p.code.toString(16)}, ${p.jt}, ${p.jf}, ${h(p.k >>> 0, 8)} },`).join('\n');
}

/** `tcpdump -ddd`: the instruction count, then "code jt jf k" in decimal. */
export function formatDecimal(insns: readonly CbpfInsn[]): string {
  return [String(insns.length), ...insns.map((p) => `${p.code} ${p.jt} ${p.jf} ${p.k >>> 0}`)].join('\n');
}
