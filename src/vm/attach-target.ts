import { InputError } from '../errors.js';

/** The hooks the VM's event source can fire. */
export type HookKind =
  | 'kprobe'
  | 'kretprobe'
  | 'tracepoint'
  | 'raw_tracepoint'
  | 'perf_event'
  | 'socket'
  | 'xdp'
  | 'tc'
  | 'cgroup_skb'
  | 'cgroup_sock'
  | 'sock_ops';

export interface Hook {
  kind: HookKind;
  /** What in that hook: a function, `category/event`, an interface, `ingress`; `*` matches every firing. */
  target: string;
}

const PREFIXES: [RegExp, HookKind][] = [
  [/^kprobe\/(.+)$/, 'kprobe'],
  [/^kretprobe\/(.+)$/, 'kretprobe'],
  [/^(?:tracepoint|tp)\/(.+\/.+)$/, 'tracepoint'],
  [/^(?:raw_tracepoint|raw_tp)(?:\.w)?\/(.+)$/, 'raw_tracepoint'],
  [/^perf_event(?:\/(.+))?$/, 'perf_event'],
  [/^socket(?:\d+|\/.+)?$/, 'socket'],
  [/^xdp(?:\.frags)?(?:\/(.+))?$/, 'xdp'],
  [/^(?:tc|classifier|action|tcx\/(?:ingress|egress)|tc\/(?:ingress|egress))(?:\/(.+))?$/, 'tc'],
  [/^cgroup_skb\/(.+)$/, 'cgroup_skb'],
  [/^cgroup\/(sock(?:_create|_release)?|post_bind[46])$/, 'cgroup_sock'],
  [/^sockops$/, 'sock_ops'],
];

/**
 * The hook a program attaches to, from its ELF section (libbpf's conventions) and an optional explicit target
 * (`attach('eth0')` for xdp, `attach('do_unlinkat')` to retarget a kprobe, or `{ kind, target }`).
 */
export function hookOf(section: string, explicit?: string | Record<string, unknown>): Hook {
  if (explicit !== undefined && typeof explicit !== 'string') {
    const kind = explicit.kind;
    const target = explicit.target;
    if (typeof kind !== 'string' || (target !== undefined && typeof target !== 'string')) {
      throw new InputError('attach: expected { kind: string, target?: string }');
    }
    return { kind: kind as HookKind, target: (target as string | undefined) ?? '*' };
  }
  for (const [re, kind] of PREFIXES) {
    const m = re.exec(section);
    if (m) return { kind, target: explicit ?? m[1] ?? '*' };
  }
  throw new InputError(`cannot tell where section '${section}' attaches; pass a target`);
}
