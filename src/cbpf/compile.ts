/**
 * Compile a pcap-filter(7) expression to classic BPF exactly as libpcap's pcap_compile() does.
 */
import { dltFromName } from './dlt.js';
import { FilterError } from './errors.js';
import { BPF_K, BPF_RET, type CbpfInsn } from './insn.js';
import { type Block, newBlock } from './ir.js';
import { tokenize } from './lexer.js';
import { icodeToFcode } from './linearize.js';
import { builtinResolver, type Resolver } from './nametoaddr.js';
import { optimize } from './optimize.js';
import { parseFilter } from './parser.js';
import { type CaptureSource, createState } from './state.js';
import { finishParse } from './vloffsets.js';

export interface CompileOptions {
  /** DLT number or name ("EN10MB", "DLT_LINUX_SLL"...). */
  linkType: number | string;
  /** Snapshot length; the accept return value. Default 262144. */
  snaplen?: number;
  /** IPv4 netmask for "ip broadcast"; null (default) means unknown. */
  netmask?: number | null;
  /** Run the optimizer (as tcpdump does without -O). Default false. */
  optimize?: boolean;
  /** Name lookups; defaults to built-in services and protocols only. */
  resolver?: Resolver;
  /** Allow Linux BPF extensions (a live capture on Linux). Default false. */
  linuxExtensions?: boolean;
  /** Compile for a savefile of this byte order rather than a live capture (affects DLT_NULL, AF_INET6). */
  source?: CaptureSource;
}

/** Resolve a link type given by number or name. */
export function resolveLinkType(linkType: number | string): number {
  if (typeof linkType === 'number') return linkType;
  if (/^\d+$/.test(linkType)) return Number(linkType);
  const v = dltFromName(linkType);
  if (v === undefined) throw new FilterError(`unknown data link type '${linkType}'`);
  return v;
}

/**
 * Compile `expr` to instructions. Throws FilterError (with libpcap's message) for expressions libpcap
 * rejects, including "expression rejects all packets" from the optimizer.
 */
export function compileFilter(expr: string, opts: CompileOptions): CbpfInsn[] {
  const snaplen = opts.snaplen ?? 262144;
  if (snaplen === 0) throw new FilterError('snaplen of 0 rejects all packets');
  const cs = createState({
    linktype: resolveLinkType(opts.linkType),
    snaplen,
    netmask: opts.netmask ?? null,
    linuxExt: opts.linuxExtensions ?? false,
    source: opts.source ?? 'live',
    resolver: opts.resolver ?? builtinResolver,
  });
  const toks = tokenize(expr);
  const parsed = parseFilter(cs, toks);
  let root: Block = parsed ? finishParse(cs, parsed) : newBlock(BPF_RET | BPF_K, snaplen);
  if (opts.optimize && !cs.noOptimize) {
    root = runOptimizer(root);
    if (root.s.code === (BPF_RET | BPF_K) && root.s.k === 0) throw new FilterError('expression rejects all packets');
  }
  return icodeToFcode(root);
}

/** The single call site of the optimizer (libpcap's bpf_optimize). */
function runOptimizer(root: Block): Block {
  return optimize(root);
}
