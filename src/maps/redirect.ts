/**
 * Maps that bpf_redirect_map sends XDP frames into (the kernel's map_ops->map_redirect): device maps, CPU maps and
 * AF_XDP socket maps. Each answers whether a key has a target and which redirect flags it accepts beyond the
 * fallback action in the low bits.
 */
export interface RedirectMap {
  /** Flags this map type takes besides the fallback action: BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS for devmaps. */
  readonly redirectFlags: number;
  /** Whether the key names a present entry (the helper's u64 key truncated to u32, as the kernel's lookup takes it). */
  hasRedirectTarget(key: number): boolean;
}

/** bpf_redirect_map flags. */
export const BPF_F_BROADCAST = 1 << 3;
export const BPF_F_EXCLUDE_INGRESS = 1 << 4;

export function isRedirectMap(map: object): map is RedirectMap {
  return typeof (map as Partial<RedirectMap>).hasRedirectTarget === 'function';
}
