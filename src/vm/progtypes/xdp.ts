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
const PAGE_SIZE = 4096;
const TAILROOM = 320;

/**
 * XDP programs see an xdp_md whose data/data_end/data_meta are the frame's pointers (32-bit VM addresses, as the
 * kernel's rewritten loads give real pointers). The frame has the kernel test run's geometry: 256 bytes of headroom
 * and a page-sized buffer with its tail reserve, so adjust_head/adjust_tail succeed and fail where the kernel's do.
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
      if (given.egress_ifindex !== 0) throw new InputError('ctx: xdp_md.egress_ifindex cannot be set');
    }
    const frameSize = Math.max(PAGE_SIZE, XDP_PACKET_HEADROOM + data.length + TAILROOM);
    const frameRegion = space.alloc(frameSize, 'xdp frame', 'packet');
    const hardStart = frameRegion.start;
    const dataMeta = hardStart + XDP_PACKET_HEADROOM;
    space.u8.set(data, dataMeta);
    const ctxRegion = space.alloc(XDP_MD.size, 'xdp_md', 'context');
    const frame: XdpFrame = {
      ctx: ctxRegion.start,
      hardStart,
      frameEnd: hardStart + frameSize - TAILROOM,
      dataMeta,
      data: dataMeta + metalen,
      dataEnd: dataMeta + data.length,
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
        const ctx = u8.slice(ctxRegion.start, ctxRegion.start + XDP_MD.size);
        // xdp_convert_buff_to_md: data and data_end come back as offsets from data_meta
        XDP_MD.encode(
          { data: frame.data - frame.dataMeta, data_end: frame.dataEnd - frame.dataMeta, data_meta: 0 },
          ctx,
        );
        return { data: u8.slice(frame.dataMeta, frame.dataEnd), ctx };
      },
      release: () => {
        space.free(frameRegion);
        space.free(ctxRegion);
      },
    };
  }
}
