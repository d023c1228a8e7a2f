import type { PacketWindow } from './interpreter.js';

/** Where a program asked its packet to go (bpf_redirect, bpf_redirect_map), as recorded on the run result. */
export type RedirectTarget =
  | { kind: 'ifindex'; ifindex: number; flags: number }
  | { kind: 'map'; map: string; key: number; flags: number };

/**
 * The fragments of a multi-buffer XDP frame (what does not fit the first page): page-sized slots one after the
 * other from `start`, fragment i holding `sizes[i]` bytes from its slot's start, as the kernel's test run lays
 * them out. Programs reach them only through helpers; data_end ends the linear part.
 */
export interface XdpFrags {
  start: number;
  sizes: number[];
}

/** The XDP frame of a run: one buffer with the kernel's headroom; adjust helpers move data and data_end. */
export interface XdpFrame {
  /** Address of the xdp_md the program sees (its data fields follow every adjustment). */
  ctx: number;
  /** First byte of the buffer (data_hard_start) and the end of usable room (before the tail reserve). */
  hardStart: number;
  frameEnd: number;
  data: number;
  dataEnd: number;
  dataMeta: number;
  /** Set when the packet did not fit the linear part. */
  frags?: XdpFrags;
}

/**
 * One execution of a program: what packet/context helpers act on. The runtime sets it before running a program
 * (test run or event) and the packet helpers read and update it.
 */
export interface Invocation {
  /** Address of the context (r1). */
  ctx: number;
  /** The skb's linear data (skb_load_bytes, LD_ABS/LD_IND). */
  packet?: PacketWindow;
  xdp?: XdpFrame;
  /** The verdict the redirect helpers return for this program type (TC_ACT_REDIRECT or XDP_REDIRECT). */
  redirectVerdict?: number;
  redirect?: RedirectTarget;
  /** Instruction pointers of the stack an event carries (bpf_get_stackid), innermost first. */
  kernelStack?: readonly bigint[];
  userStack?: readonly bigint[];
}
