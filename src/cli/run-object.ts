import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { loadObjectSpec } from '../object/load.js';
import { readCaptureFile } from '../pcap/node-file.js';
import { loadCollection } from '../vm/collection.js';
import { VmFault } from '../vm/fault.js';
import { formatLog2Histograms } from '../vm/histogram.js';
import type { VmLoadedMap } from '../vm/loaded-map.js';
import { runOverPackets } from '../vm/packet-run.js';
import type { VmProgram } from '../vm/program.js';
import { tracefsFormats } from '../vm/tracefs-node.js';

export interface RunObjectOptions {
  section?: string;
  packet?: string;
  pcap?: string;
  ctx?: string;
  repeat: number;
  json?: boolean;
  pktType?: string;
  hist?: string;
}

const PKT_TYPES: Record<string, number> = { host: 0, broadcast: 1, multicast: 2, otherhost: 3, outgoing: 4 };

/** Whether a file is an ELF object (then `run` loads it as an object, not a raw program). */
export function isElfFile(path: string): boolean {
  let head: Uint8Array;
  try {
    head = readFileSync(path).subarray(0, 4);
  } catch {
    return false; // the raw-program path reports unreadable files
  }
  return head.length === 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/**
 * `tsbpf run FILE.o`: loads the object into the VM, picks the program (by --section, or the only one), runs it on
 * a packet, a context or every packet of a capture, then prints the verdicts and the maps decoded with BTF (log2
 * histograms in bcc's format for maps keyed by a bucket index, or with --hist). Returns the exit code.
 */
export async function runObject(file: string, opts: RunObjectOptions, out: (s: string) => void): Promise<number> {
  const spec = loadObjectSpec(new Uint8Array(readFileSync(file)), { name: file });
  const collection = loadCollection(spec, { tracepointFormats: tracefsFormats });
  const program = pickProgram([...collection.programs.values()], opts.section, file);
  const inputs = [opts.packet, opts.pcap, opts.ctx].filter((x) => x !== undefined).length;
  if (inputs > 1) throw new InputError('give one of --packet, --pcap, --ctx');
  const pktType = opts.pktType === undefined ? undefined : PKT_TYPES[opts.pktType];
  if (opts.pktType !== undefined && pktType === undefined) {
    throw new InputError(`--pkt-type: expected ${Object.keys(PKT_TYPES).join(', ')}`);
  }
  const verdicts = new Map<bigint, number>();
  let retval = 0n;
  let durationNs = 0;
  let insns = 0;
  try {
    if (opts.pcap !== undefined) {
      const { packets } = await readCaptureFile(opts.pcap);
      const frames = packets.filter((p) => p.linkType === 1).map((p) => p.data);
      const s = await runOverPackets(program, frames, { pktType });
      for (const [k, v] of s.verdicts) verdicts.set(k, v);
      retval = s.lastRetval ?? 0n;
      durationNs = s.packets ? Math.round(s.durationNs / s.packets) : 0;
      insns = s.insnsExecuted;
    } else {
      const data = opts.packet !== undefined ? new Uint8Array(readFileSync(opts.packet)) : undefined;
      const ctx = opts.ctx !== undefined ? new Uint8Array(readFileSync(opts.ctx)) : undefined;
      const r = program.run({ data, ctx, repeat: opts.repeat });
      retval = r.retval;
      durationNs = r.durationNs;
      insns = r.insnsExecuted ?? 0;
      verdicts.set(r.retval, 1);
    }
  } catch (err) {
    if (err instanceof VmFault) {
      process.stderr.write(`tsbpf: ${file}: program fault: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const maps = [...collection.maps.values()].filter(
    (m) => m.spec.globalData !== '.rodata' && m.spec.globalData !== '.kconfig',
  );
  if (opts.json) {
    const json = {
      retval: `0x${retval.toString(16)}`,
      duration_ns: durationNs,
      insns_executed: insns,
      backend: 'vm',
      verdicts: Object.fromEntries([...verdicts].map(([k, v]) => [k.toString(), v])),
      maps: Object.fromEntries(maps.map((m) => [m.name, m.decodedEntries()])),
    };
    out(`${JSON.stringify(json, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
    return 0;
  }
  for (const [k, v] of [...verdicts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out(`retval ${k}: ${v}\n`);
  for (const m of maps) out(`${formatMap(m, opts.hist)}\n`);
  return 0;
}

function pickProgram(programs: VmProgram[], section: string | undefined, file: string): VmProgram {
  const matches =
    section === undefined ? programs : programs.filter((p) => p.spec.section === section || p.name === section);
  if (matches.length === 1) return matches[0]!;
  const list = programs.map((p) => `${p.spec.section} (${p.name})`).join(', ');
  throw new InputError(
    `${file}: ${section === undefined ? 'several programs' : `no program in section '${section}'`}; --section one of: ${list}`,
  );
}

/** A map as text: a bcc histogram when its key is a bucket index (or --hist names it), else key: value lines. */
function formatMap(m: VmLoadedMap, hist: string | undefined): string {
  const entries = m.decodedEntries();
  const histogram = hist !== undefined || /hist|dist|slot/i.test(m.name);
  if (histogram && entries.every((e) => typeof e.key === 'number' && typeof e.value === 'number')) {
    const rows = entries.map((e) => ({ bucket: e.key as number, count: e.value as number }));
    return `${m.name}:\n${formatLog2Histograms(rows, hist ?? 'value')}`;
  }
  const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  return [`${m.name}:`, ...entries.map((e) => `  ${show(e.key)}: ${show(e.value)}`)].join('\n');
}
