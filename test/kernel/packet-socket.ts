/**
 * An AF_PACKET socket bound to one interface, for tests that attach socket filters the way samples/bpf/sockex1
 * does: a packet socket sees every frame on the interface from its Ethernet header, outgoing ones with
 * pkt_type PACKET_OUTGOING. Node has no packet sockets, so this goes to libc through koffi (test-only).
 */
import { readFileSync } from 'node:fs';
import koffi, { type LibraryHandle } from 'koffi';

type KoffiFunction = ReturnType<LibraryHandle['func']>;

const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_ALL = 0x0003;
/** sizeof(struct sockaddr_ll). */
const SOCKADDR_LL_SIZE = 20;

let libc: { socket: KoffiFunction; bind: KoffiFunction; close: KoffiFunction } | undefined;

function bound() {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const uint8_t *addr, uint32_t len)'),
    close: lib.func('int close(int fd)'),
  };
  return libc;
}

const htons = (v: number) => ((v & 0xff) << 8) | (v >>> 8);

/** Opens a raw packet socket for every protocol on interface `name`; returns its fd and a close function. */
export function openPacketSocket(name: string): { fd: number; close(): void } {
  const c = bound();
  const ifindex = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
  const fd = c.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)) as number;
  if (fd < 0) throw new Error(`socket(AF_PACKET) failed: errno ${koffi.errno()}`);
  const addr = new Uint8Array(SOCKADDR_LL_SIZE);
  const view = new DataView(addr.buffer);
  view.setUint16(0, AF_PACKET, true); // sll_family
  view.setUint16(2, htons(ETH_P_ALL), true); // sll_protocol, network order
  view.setInt32(4, ifindex, true); // sll_ifindex
  if ((c.bind(fd, addr, SOCKADDR_LL_SIZE) as number) < 0) {
    const errno = koffi.errno();
    c.close(fd);
    throw new Error(`bind(AF_PACKET, ${name}) failed: errno ${errno}`);
  }
  return { fd, close: () => c.close(fd) };
}
