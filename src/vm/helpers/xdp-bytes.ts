import { helperName } from '../../isa/helper-ids.js';
import { VmFault } from '../fault.js';
import type { HelperCall, HelperTable } from '../helper.js';
import type { XdpFrame } from '../invocation.js';
import type { VmRuntime } from '../runtime.js';
import { pointerArg } from './args.js';

export const XDP_GET_BUFF_LEN = 188;
export const XDP_LOAD_BYTES = 189;
export const XDP_STORE_BYTES = 190;

const EFAULT = 14;
const EINVAL = 22;
/** A page: the room of each fragment slot of a multi-buffer frame (see XdpFrags). */
const FRAG_SLOT = 4096;

/**
 * The XDP multi-buffer byte helpers: bpf_xdp_get_buff_len (linear part plus fragments), bpf_xdp_load_bytes and
 * bpf_xdp_store_bytes (copies at an offset from data that may span the linear part and fragments). Their checks
 * are bpf_xdp_pointer's: an offset or length above 0xffff is -EFAULT, a range past the frame's end -EINVAL, and
 * a failed call leaves the buffer untouched.
 */
export function defineXdpByteHelpers(table: HelperTable, rt: VmRuntime): void {
  table.define(XDP_GET_BUFF_LEN, 'xdp_get_buff_len', (call) => buffLen(frameOf(rt, call, XDP_GET_BUFF_LEN)));
  table.define(XDP_LOAD_BYTES, 'xdp_load_bytes', (call) => copy(rt, call, XDP_LOAD_BYTES, false));
  table.define(XDP_STORE_BYTES, 'xdp_store_bytes', (call) => copy(rt, call, XDP_STORE_BYTES, true));
}

function frameOf(rt: VmRuntime, call: HelperCall, id: number): XdpFrame {
  const f = rt.current.xdp;
  if (!f) throw new VmFault('helper', call.pc, `${helperName(id)} needs an XDP context`);
  return f;
}

/** xdp_get_buff_len: data_end - data plus every fragment's size. */
function buffLen(f: XdpFrame): number {
  return f.dataEnd - f.data + (f.frags?.sizes.reduce((a, b) => a + b, 0) ?? 0);
}

/** The frame's bytes as address ranges in order: the linear part from data, then each fragment. */
function segments(f: XdpFrame): { start: number; size: number }[] {
  const out = [{ start: f.data, size: f.dataEnd - f.data }];
  f.frags?.sizes.forEach((size, i) => out.push({ start: f.frags!.start + i * FRAG_SLOT, size }));
  return out;
}

function copy(rt: VmRuntime, call: HelperCall, id: number, store: boolean): number {
  const f = frameOf(rt, call, id);
  const offset = call.u32(2);
  const len = call.u32(4);
  // the buffer is checked first: the kernel's verifier proves it before the program runs
  const buf = pointerArg(call, 3, Math.min(len, 0x10000), !store);
  if (offset > 0xffff || len > 0xffff) return -EFAULT;
  if (offset + len > buffLen(f)) return -EINVAL;
  const u8 = call.space.u8;
  let skip = offset;
  let done = 0;
  for (const seg of segments(f)) {
    if (done === len) break;
    if (skip >= seg.size) {
      skip -= seg.size;
      continue;
    }
    const n = Math.min(seg.size - skip, len - done);
    const at = seg.start + skip;
    if (store) u8.copyWithin(at, buf + done, buf + done + n);
    else u8.copyWithin(buf + done, at, at + n);
    done += n;
    skip = 0;
  }
  return 0;
}
