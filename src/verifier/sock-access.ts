/**
 * Which bytes of struct bpf_sock a program may read through a socket pointer (bpf_sock_is_valid_access and
 * bpf_sock_common_is_valid_access). A sock_common pointer (skb->sk) may be a request or time-wait socket, which
 * lack the full socket's type, protocol, mark and priority, so those four are refused until bpf_sk_fullsock.
 */

/** sizeof(struct bpf_sock). */
export const BPF_SOCK_SIZE = 80;

/** Fields readable narrowly (1, 2 or 4 bytes at their offset): [start, end) of each u32 field or array. */
const NARROW_RANGES: readonly (readonly [number, number])[] = [
  [4, 5], // family (the field's own offset only)
  [8, 9], // type
  [12, 13], // protocol
  [24, 28], // src_ip4
  [28, 44], // src_ip6[0..3]
  [44, 45], // src_port
  [52, 56], // dst_ip4
  [56, 72], // dst_ip6[0..3]
  [72, 73], // state
  [76, 77], // rx_queue_mapping
];

/** Offsets of the fields a sock_common pointer may not read: type, protocol, mark, priority. */
const FULLSOCK_ONLY: readonly [number, number] = [8, 24];

const narrowOk = (size: number, fieldSize: number): boolean => size <= fieldSize && (size & (size - 1)) === 0;

/** bpf_sock_is_valid_access: a read of `size` bytes at `off` of struct bpf_sock. */
export function sockReadOk(off: number, size: number): boolean {
  if (off < 0 || off >= BPF_SOCK_SIZE || size <= 0) return false;
  if (off % size !== 0) return false;
  for (const [start, end] of NARROW_RANGES) if (off >= start && off < end) return narrowOk(size, 4);
  // dst_port: a __be16 followed by a 2-byte hole; a 4-byte read covers both, narrower ones only the port.
  if (off === 48 || off === 49) return narrowOk(size, size === 4 ? 4 : 2);
  if (off === 50 || off === 51) return false;
  return size === 4;
}

/** bpf_sock_common_is_valid_access: as for a full socket, without the fields only full sockets have. */
export function sockCommonReadOk(off: number, size: number): boolean {
  if (off >= FULLSOCK_ONLY[0] && off < FULLSOCK_ONLY[1]) return false;
  return sockReadOk(off, size);
}
