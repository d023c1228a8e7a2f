/**
 * Probe programs for the VM-versus-kernel differential test. The C fixtures only look at a few header bytes, so
 * they cannot tell whether the VM builds the test run's packet and context as the kernel does; these programs
 * record what the program sees (context fields, packet geometry, LD_ABS/LD_IND and skb_load_bytes results, what
 * the XDP resize helpers answer) in an array map, which the test compares after every packet.
 */
import { MapType } from '../../src/maps/types.js';
import type { ObjectSpec } from '../../src/object/types.js';
import { map, object, program } from './spec-builder.js';

/** Bytes of the record each probe stores at key 0 of its `seen` map. */
export const RECORD_SIZE = 80;

/**
 * Socket filter: copies __sk_buff fields a socket filter may read (len, pkt_type, mark, queue_mapping, protocol,
 * vlan fields, priority, ifindexes, tc_index, cb[0], hash, napi_id, gso_segs, gso_size) into the record, then the
 * first byte at the network header (LD_ABS), the last byte of the packet (LD_IND at len - 1), skb_load_bytes of
 * the last 4 bytes and its return value. Returns the 32-bit word at offset 36 (LD_ABS, so 0 for shorter packets).
 */
const SKB_PROBE = `
  r6 = r1
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  *(u64 *)(r10 - 16) = r1
  *(u64 *)(r10 - 24) = r1
  *(u64 *)(r10 - 32) = r1
  *(u64 *)(r10 - 40) = r1
  *(u64 *)(r10 - 48) = r1
  *(u64 *)(r10 - 56) = r1
  *(u64 *)(r10 - 64) = r1
  *(u64 *)(r10 - 72) = r1
  *(u64 *)(r10 - 80) = r1
  r7 = *(u32 *)(r6 + 0)
  *(u32 *)(r10 - 80) = r7
  r1 = *(u32 *)(r6 + 4)
  *(u32 *)(r10 - 76) = r1
  r1 = *(u32 *)(r6 + 8)
  *(u32 *)(r10 - 72) = r1
  r1 = *(u32 *)(r6 + 12)
  *(u32 *)(r10 - 68) = r1
  r1 = *(u32 *)(r6 + 16)
  *(u32 *)(r10 - 64) = r1
  r1 = *(u32 *)(r6 + 20)
  *(u32 *)(r10 - 60) = r1
  r1 = *(u32 *)(r6 + 24)
  *(u32 *)(r10 - 56) = r1
  r1 = *(u32 *)(r6 + 28)
  *(u32 *)(r10 - 52) = r1
  r1 = *(u32 *)(r6 + 32)
  *(u32 *)(r10 - 48) = r1
  r1 = *(u32 *)(r6 + 36)
  *(u32 *)(r10 - 44) = r1
  r1 = *(u32 *)(r6 + 40)
  *(u32 *)(r10 - 40) = r1
  r1 = *(u32 *)(r6 + 44)
  *(u32 *)(r10 - 36) = r1
  r1 = *(u32 *)(r6 + 48)
  *(u32 *)(r10 - 32) = r1
  r1 = *(u32 *)(r6 + 68)
  *(u32 *)(r10 - 28) = r1
  r1 = *(u32 *)(r6 + 84)
  *(u32 *)(r10 - 24) = r1
  r1 = *(u32 *)(r6 + 164)
  *(u32 *)(r10 - 20) = r1
  r1 = *(u32 *)(r6 + 176)
  *(u32 *)(r10 - 16) = r1
  r0 = *(u8 *)skb[0]
  *(u8 *)(r10 - 12) = r0
  r8 = r7
  r8 += -1
  r0 = *(u8 *)skb[r8 + 0]
  *(u8 *)(r10 - 11) = r0
  r1 = r6
  r2 = r7
  r2 += -4
  r3 = r10
  r3 += -8
  r4 = 4
  call 26
  *(u32 *)(r10 - 4) = r0
  r1 = 0
  *(u32 *)(r10 - 84) = r1
  r1 = map:seen ll
  r2 = r10
  r2 += -84
  r3 = r10
  r3 += -80
  r4 = 0
  call 2
  r0 = *(u32 *)skb[36]
  exit
`;

/**
 * XDP: records the frame geometry (data_end - data, data - data_meta), ingress_ifindex and rx_queue_index, then
 * grows the head by 8 bytes (bpf_xdp_adjust_head), writes a marker there, shrinks the tail by 2
 * (bpf_xdp_adjust_tail), records both helpers' results and the new geometry, and returns XDP_TX so the test run
 * hands back the changed packet.
 */
const XDP_PROBE = `
  r6 = r1
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  *(u64 *)(r10 - 16) = r1
  *(u64 *)(r10 - 24) = r1
  *(u64 *)(r10 - 32) = r1
  *(u64 *)(r10 - 40) = r1
  *(u64 *)(r10 - 48) = r1
  *(u64 *)(r10 - 56) = r1
  *(u64 *)(r10 - 64) = r1
  *(u64 *)(r10 - 72) = r1
  *(u64 *)(r10 - 80) = r1
  r2 = *(u32 *)(r6 + 0)
  r3 = *(u32 *)(r6 + 4)
  r4 = *(u32 *)(r6 + 8)
  r1 = r3
  r1 -= r2
  *(u32 *)(r10 - 80) = r1
  r1 = r2
  r1 -= r4
  *(u32 *)(r10 - 76) = r1
  r1 = *(u32 *)(r6 + 12)
  *(u32 *)(r10 - 72) = r1
  r1 = *(u32 *)(r6 + 16)
  *(u32 *)(r10 - 68) = r1
  r1 = r6
  r2 = -8
  call 44
  *(u32 *)(r10 - 64) = r0
  r2 = *(u32 *)(r6 + 0)
  r3 = *(u32 *)(r6 + 4)
  r1 = r2
  r1 += 8
  if r1 > r3 goto tail
  r1 = 0x1122334455667788 ll
  *(u64 *)(r2 + 0) = r1
tail:
  r1 = r6
  r2 = -2
  call 65
  *(u32 *)(r10 - 60) = r0
  r2 = *(u32 *)(r6 + 0)
  r3 = *(u32 *)(r6 + 4)
  r3 -= r2
  *(u32 *)(r10 - 56) = r3
  r1 = 0
  *(u32 *)(r10 - 84) = r1
  r1 = map:seen ll
  r2 = r10
  r2 += -84
  r3 = r10
  r3 += -80
  r4 = 0
  call 2
  r0 = 3
  exit
`;

/** The probes as one object: `skb_probe` (socket filter) and `xdp_probe` (XDP), each with its own record map. */
export function probeObject(): ObjectSpec {
  return object(
    [
      program('skb_probe', 'socket', 'SOCKET_FILTER', SKB_PROBE.replace('map:seen', 'map:skb_seen')),
      program('xdp_probe', 'xdp', 'XDP', XDP_PROBE.replace('map:seen', 'map:xdp_seen')),
    ],
    [
      map('skb_seen', MapType.ARRAY, 4, RECORD_SIZE, 1),
      map('xdp_seen', MapType.ARRAY, 4, RECORD_SIZE, 1),
    ],
    { name: 'differential-probes' },
  );
}
