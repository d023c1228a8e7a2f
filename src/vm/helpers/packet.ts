import { helperName } from '../../isa/helper-ids.js';
import { BPF_F_BROADCAST, isRedirectMap } from '../../maps/redirect.js';
import { mapTypeName } from '../../maps/types.js';
import { VmFault } from '../fault.js';
import type { HelperCall, HelperTable } from '../helper.js';
import type { XdpFrame } from '../invocation.js';
import type { VmRuntime } from '../runtime.js';
import { mapArg, pointerArg, readArg, sizeArg } from './args.js';

export const REDIRECT = 23;
export const SKB_LOAD_BYTES = 26;
export const CSUM_DIFF = 28;
export const XDP_ADJUST_HEAD = 44;
export const REDIRECT_MAP = 51;
export const XDP_ADJUST_META = 54;
export const XDP_ADJUST_TAIL = 65;

const EINVAL = 22;
const EFAULT = 14;
const EACCES = 13;
const ETH_HLEN = 14;
/** sizeof(struct xdp_frame): the kernel keeps it at the start of the headroom, so data can never move into it. */
export const XDP_FRAME_SIZE = 40;
/** Most metadata bytes XDP may put before the packet. */
const XDP_META_MAX = 32;
const BPF_F_INGRESS = 1;
const TC_ACT_SHOT = 2;
const XDP_ABORTED = 0;
const XDP_REDIRECT = 4;
/** XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX: the fallback actions bpf_redirect_map's flags may carry. */
const XDP_ACTION_MASK = 3;

/** Packet helpers of skb and XDP programs: reading packet bytes, checksums, resizing XDP frames, redirects. */
export function definePacketHelpers(table: HelperTable, rt: VmRuntime): void {
  table.define(SKB_LOAD_BYTES, 'skb_load_bytes', (call) => {
    const len = sizeArg(call, 4, SKB_LOAD_BYTES);
    const dst = pointerArg(call, 3, len, true);
    const packet = rt.current.packet;
    if (!packet) throw needs(call, SKB_LOAD_BYTES, 'an skb');
    const offset = call.u64(2) & 0xffffffffn;
    const u8 = call.space.u8;
    if (len === 0 || offset > 0x7fffffffn || Number(offset) + len > packet.length) {
      u8.fill(0, dst, dst + len);
      return -EFAULT;
    }
    u8.copyWithin(dst, packet.start + Number(offset), packet.start + Number(offset) + len);
    return 0;
  });

  table.define(CSUM_DIFF, 'csum_diff', (call) => {
    const fromSize = sizeArg(call, 2, CSUM_DIFF);
    const toSize = sizeArg(call, 4, CSUM_DIFF);
    if ((fromSize | toSize) & 3 || fromSize + toSize > 512) return -EINVAL;
    const from = readArg(call, 1, fromSize);
    const to = readArg(call, 3, toSize);
    return csumDiff(from, to, Number(call.u64(5) & 0xffffffffn));
  });

  table.define(XDP_ADJUST_HEAD, 'xdp_adjust_head', (call) => {
    const f = xdpFrame(rt, call, XDP_ADJUST_HEAD);
    const delta = call.i32(2);
    const metalen = f.data - f.dataMeta;
    const data = f.data + delta;
    if (data < f.hardStart + XDP_FRAME_SIZE + metalen || data > f.dataEnd - ETH_HLEN) return -EINVAL;
    if (metalen) call.space.u8.copyWithin(f.dataMeta + delta, f.dataMeta, f.data);
    f.dataMeta += delta;
    f.data = data;
    syncXdpContext(call, f);
    return 0;
  });

  table.define(XDP_ADJUST_META, 'xdp_adjust_meta', (call) => {
    const f = xdpFrame(rt, call, XDP_ADJUST_META);
    const meta = f.dataMeta + call.i32(2);
    if (meta < f.hardStart + XDP_FRAME_SIZE || meta > f.data) return -EINVAL;
    if (f.data - meta > XDP_META_MAX) return -EACCES;
    f.dataMeta = meta;
    syncXdpContext(call, f);
    return 0;
  });

  table.define(XDP_ADJUST_TAIL, 'xdp_adjust_tail', (call) => {
    const f = xdpFrame(rt, call, XDP_ADJUST_TAIL);
    const delta = call.i32(2);
    if (f.frags) return adjustFragsTail(call, f, delta);
    const end = f.dataEnd + delta;
    if (end > f.frameEnd || end < f.data + ETH_HLEN) return -EINVAL;
    // growing clears the new bytes, as the kernel does (they may hold an earlier packet's data)
    if (delta > 0) call.space.u8.fill(0, f.dataEnd, end);
    f.dataEnd = end;
    syncXdpContext(call, f);
    return 0;
  });

  table.define(REDIRECT, 'redirect', (call) => {
    const verdict = rt.current.redirectVerdict;
    if (verdict === undefined) throw needs(call, REDIRECT, 'a tc or XDP program');
    const flags = Number(call.u64(2) & 0xffffffffn);
    const xdp = rt.current.xdp !== undefined;
    if (xdp ? flags !== 0 : flags & ~BPF_F_INGRESS) return xdp ? XDP_ABORTED : TC_ACT_SHOT;
    rt.current.redirect = { kind: 'ifindex', ifindex: call.u32(1), flags };
    return verdict;
  });

  // __bpf_xdp_redirect_map: flags beyond the map type's are XDP_ABORTED; a missing entry returns the fallback
  // action in the flags' low bits (and forgets an earlier redirect) unless broadcasting; else XDP_REDIRECT
  table.define(REDIRECT_MAP, 'redirect_map', (call) => {
    const map = mapArg(rt, call, 1, REDIRECT_MAP);
    if (!isRedirectMap(map)) {
      throw new VmFault(
        'helper',
        call.pc,
        `bpf_redirect_map: map '${map.name}' (${mapTypeName(map.def.type)}) is not a devmap, cpumap or xskmap`,
      );
    }
    const key = call.u32(2);
    const flags = call.u64(3);
    if (flags & ~BigInt(XDP_ACTION_MASK | map.redirectFlags)) return XDP_ABORTED;
    const broadcast = (flags & BigInt(BPF_F_BROADCAST)) !== 0n;
    if (!broadcast && !map.hasRedirectTarget(key)) {
      rt.current.redirect = undefined;
      return Number(flags) & XDP_ACTION_MASK;
    }
    rt.current.redirect = { kind: 'map', map: map.name, key, flags: Number(flags) };
    return XDP_REDIRECT;
  });
}

/** A fragment's room: the kernel test run's rxq frag_size, one page (its fragments start at offset 0). */
const FRAG_SIZE = 4096;

/**
 * bpf_xdp_adjust_tail on a multi-buffer frame (bpf_xdp_frags_increase_tail / bpf_xdp_frags_shrink_tail): growing
 * extends the last fragment within its page; shrinking trims fragments from the last, dropping emptied ones, and
 * once none is left trims the linear part.
 */
function adjustFragsTail(call: HelperCall, f: XdpFrame, delta: number): number {
  const frags = f.frags!;
  const last = frags.sizes.length - 1;
  if (delta >= 0) {
    const size = frags.sizes[last]!;
    if (delta > FRAG_SIZE - size) return -EINVAL;
    const end = frags.start + last * FRAG_SIZE + size;
    call.space.u8.fill(0, end, end + delta);
    frags.sizes[last] = size + delta;
    return 0;
  }
  let shrink = -delta;
  const total = f.dataEnd - f.data + frags.sizes.reduce((a, b) => a + b, 0);
  if (shrink > total - ETH_HLEN) return -EINVAL;
  while (shrink > 0 && frags.sizes.length > 0) {
    const i = frags.sizes.length - 1;
    const cut = Math.min(shrink, frags.sizes[i]!);
    frags.sizes[i]! -= cut;
    shrink -= cut;
    if (frags.sizes[i] === 0) frags.sizes.pop();
  }
  if (frags.sizes.length === 0) {
    f.frags = undefined;
    f.dataEnd -= shrink;
    syncXdpContext(call, f);
  }
  return 0;
}

function needs(call: HelperCall, id: number, what: string): VmFault {
  return new VmFault('helper', call.pc, `${helperName(id)} needs ${what} context`);
}

function xdpFrame(rt: VmRuntime, call: HelperCall, id: number): XdpFrame {
  const f = rt.current.xdp;
  if (!f) throw needs(call, id, 'an XDP');
  return f;
}

/** Writes the frame's pointers back into the xdp_md the program reads (data, data_end, data_meta). */
export function syncXdpContext(call: { space: HelperCall['space'] }, f: XdpFrame): void {
  const view = call.space.view;
  view.setUint32(f.ctx, f.data, true);
  view.setUint32(f.ctx + 4, f.dataEnd, true);
  view.setUint32(f.ctx + 8, f.dataMeta, true);
}

/**
 * bpf_csum_diff: the one's-complement sum (x86-64 csum_partial, folded to 32 bits) of the inverted `from` words
 * followed by the `to` words, starting from `seed`.
 */
export function csumDiff(from: Uint8Array, to: Uint8Array, seed: number): number {
  let sum = seed >>> 0;
  const add = (bytes: Uint8Array, invert: boolean) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i + 4 <= bytes.length; i += 4) {
      const w = view.getUint32(i, true);
      sum += invert ? ~w >>> 0 : w;
    }
  };
  add(from, true);
  add(to, false);
  while (sum > 0xffffffff) sum = (sum % 0x100000000) + Math.floor(sum / 0x100000000);
  return sum;
}
