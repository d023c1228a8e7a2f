import type { PacketWindow } from '../interpreter.js';
import type { Invocation } from '../invocation.js';
import type { AddressSpace } from '../memory.js';
import type { ContextInput, ContextLayout } from './layout.js';

/** What a run feeds a program: packet data and/or its context (bytes or named fields). */
export interface ContextRequest {
  data?: Uint8Array;
  ctx?: ContextInput;
  /**
   * 'test': BPF_PROG_TEST_RUN's conventions (a socket filter's data starts at the network header, as after
   * eth_type_trans). 'socket': a packet seen on a packet socket (the Ethernet header is part of the data).
   */
  mode?: 'test' | 'socket';
  /** For packet events: the skb's packet type (PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4). */
  pktType?: number;
}

/** A context laid out in the address space for one or more runs. */
export interface PreparedContext {
  readonly invocation: Invocation;
  /** The packet LD_ABS/LD_IND read. */
  readonly packet?: PacketWindow;
  /** What the run left: the packet (as the kernel's test run returns it) and the context. */
  finish(): { data?: Uint8Array; ctx?: Uint8Array };
  /** Frees the regions. */
  release(): void;
}

/** A program type's context and conventions. */
export interface ProgramKind {
  /** libbpf's name: socket_filter, xdp, kprobe... */
  readonly name: string;
  readonly layout: ContextLayout;
  /** Lays out the context of a run. Bad input (a short packet, a field the kernel refuses) throws InputError. */
  prepare(space: AddressSpace, request: ContextRequest): PreparedContext;
}
