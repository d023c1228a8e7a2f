import { MapType, nameOf, ProgType } from '../uapi/bpf.js';

/** A program type's name as bpftool prints it (`xdp`, `kprobe`, `sched_cls`...); `type N` when unknown. */
export function progTypeName(type: number): string {
  const name = nameOf(ProgType, type);
  return name === undefined ? `type ${type}` : name.toLowerCase();
}

/** A map type's name as bpftool prints it (`hash`, `array`, `lru_hash`, `ringbuf`...); `type N` when unknown. */
export function mapTypeName(type: number): string {
  const name = nameOf(MapType, type);
  return name === undefined ? `type ${type}` : name.toLowerCase();
}
