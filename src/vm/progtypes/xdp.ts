import { InputError } from '../../errors.js';
import { syncXdpContext, XDP_FRAME_SIZE } from '../helpers/packet.js';
import type { XdpFrame } from '../invocation.js';
import type { AddressSpace } from '../memory.js';
import { ContextLayout, u32Fields } from './layout.js';
import { ETH_HLEN } from './skb.js';
import type { ContextRequest, PreparedContext, ProgramKind } from './types.js';

/** struct xdp_md. */
export const XDP_MD = new ContextLayout(
  'xdp_md',
  24,
  u32Fields(['data', 'data_end', 'data_meta', 'ingress_ifindex', 'rx_queue_index', 'egress_ifindex']),
);

export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;
export const XDP_ACTION_NAMES = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];

/** XDP_PACKET_HEADROOM: room before the packet for bpf_xdp_adjust_head and metadata. */
export const XDP_PACKET_HEADROOM = 256;
/** The frame a test run builds: one page, minus the skb_shared_info reserve at its end (320 bytes on x86-64). */
export const XDP_FRAG_SIZE = 4096;
const PAGE_SIZE = XDP_FRAG_SIZE;
const TAILROOM = 320;
/** MAX_SKB_FRAGS: a longer packet than the first page and this many fragments hold is -ENOMEM in the kernel. */
const MAX_FRAGS = 17;

/**
 * XDP programs see an xdp_md whose data/data_end/data_meta are the frame's pointers (32-bit VM addresses, as the
 * kernel's rewritten loads give real pointers). The frame has the kernel test run's geometry: 256 bytes of headroom
 * (the metadata taken from it) and a page-sized buffer with its tail reserve, so adjust_head/adjust_tail succeed
 * and fail where the kernel's do. What does not fit that page goes to page-sized fragments, as in the kernel: the
 * program's data_end ends the first page's part and the packet handed back is the whole frame.
 * A test-run context may give the metadata length in `data` and must give `data_end` = the data length.
 */
export class XdpKind implements ProgramKind {
  readonly name = 'xdp';
  readonly layout = XDP_MD;

  prepare(space: AddressSpace, request: ContextRequest): PreparedContext {
    const data = request.data;
    if (!data || data.length < ETH_HLEN) {
      throw new InputError(`xdp run: the packet must hold an Ethernet header (${ETH_HLEN} bytes or more)`);
    }
    const given = request.ctx !== undefined ? XDP_MD.decode(XDP_MD.bytesOf(request.ctx)) : undefined;
    let metalen = 0;
    if (given) {
      metalen = given.data as number;
      if (given.data_meta !== 0 || (given.data_end !== data.length && given.data_end !== 0) || metalen > 32) {
        throw new InputError('ctx: xdp_md needs data_meta 0, data = metadata length (<= 32), data_end = packet length');
      }
      if (metalen % 4 !== 0 || metalen > data.length) throw new InputError('ctx: bad xdp metadata length');
      if (data.length - metalen < ETH_HLEN) {
        throw new InputError(`xdp run: after ${metalen} bytes of metadata the packet must hold an Ethernet header`);
      }
      if (given.egress_ifindex !== 0) throw new InputError('ctx: xdp_md.egress_ifindex cannot be set');
    }
    // bpf_prog_test_run_xdp: the metadata comes out of the headroom; the first page holds what fits
    const headroom = XDP_PACKET_HEADROOM - metalen;
    const linear = Math.min(data.length, PAGE_SIZE - headroom - TAILROOM);
    const fragCount = Math.ceil((data.length - linear) / XDP_FRAG_SIZE);
    if (fragCount > MAX_FRAGS) {
      throw new InputError(
        `xdp run: a ${data.length}-byte packet needs more than ${MAX_FRAGS} fragments (the kernel gives -ENOMEM)`,
      );
    }
    const frameRegion = space.alloc(PAGE_SIZE, 'xdp frame', 'packet');
    const fragRegion = fragCount > 0 ? space.alloc(fragCount * XDP_FRAG_SIZE, 'xdp fragments', 'packet') : undefined;
    const hardStart = frameRegion.start;
    const dataMeta = hardStart + headroom;
    space.u8.set(data.subarray(0, linear), dataMeta);
    const sizes: number[] = [];
    for (let at = linear, i = 0; at < data.length; at += XDP_FRAG_SIZE, i++) {
      const piece = data.subarray(at, at + XDP_FRAG_SIZE);
      space.u8.set(piece, fragRegion!.start + i * XDP_FRAG_SIZE);
      sizes.push(piece.length);
    }
    const ctxRegion = space.alloc(XDP_MD.size, 'xdp_md', 'context');
    const frame: XdpFrame = {
      ctx: ctxRegion.start,
      hardStart,
      frameEnd: hardStart + PAGE_SIZE - TAILROOM,
      dataMeta,
      data: dataMeta + metalen,
      dataEnd: dataMeta + linear,
      frags: fragRegion ? { start: fragRegion.start, sizes } : undefined,
    };
    XDP_MD.encode(
      {
        ingress_ifindex: (given?.ingress_ifindex as number) || 1,
        rx_queue_index: (given?.rx_queue_index as number) ?? 0,
      },
      space.bytes(ctxRegion),
    );
    syncXdpContext({ space }, frame);
    if (frame.data < hardStart + XDP_FRAME_SIZE) throw new InputError('xdp run: no headroom');
    return {
      invocation: { ctx: ctxRegion.start, xdp: frame, redirectVerdict: XDP_REDIRECT },
      finish: () => {
        const u8 = space.u8;
        // xdp_convert_buff_to_md writes back only data and data_end (offsets from data_meta): a given context
        // comes back as given otherwise (ingress_ifindex 0 stays 0 though the program read the loopback's 1)
        const ctx = given ? XDP_MD.bytesOf(request.ctx) : u8.slice(ctxRegion.start, ctxRegion.start + XDP_MD.size);
        XDP_MD.encode(
          { data: frame.data - frame.dataMeta, data_end: frame.dataEnd - frame.dataMeta, data_meta: 0 },
          ctx,
        );
        return { data: frameBytes(u8, frame), ctx };
      },
      release: () => {
        space.free(frameRegion);
        if (fragRegion) space.free(fragRegion);
        space.free(ctxRegion);
      },
    };
  }
}

/** What bpf_test_finish copies out: from data_meta to data_end, then every fragment's bytes. */
function frameBytes(u8: Uint8Array, frame: XdpFrame): Uint8Array {
  const linear = frame.dataEnd - frame.dataMeta;
  const sizes = frame.frags?.sizes ?? [];
  const out = new Uint8Array(linear + sizes.reduce((a, b) => a + b, 0));
  out.set(u8.subarray(frame.dataMeta, frame.dataEnd));
  let at = linear;
  sizes.forEach((size, i) => {
    const from = frame.frags!.start + i * XDP_FRAG_SIZE;
    out.set(u8.subarray(from, from + size), at);
    at += size;
  });
  return out;
}
