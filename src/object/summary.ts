import { BtfKind } from '../btf/kinds.js';
import { slotIndexes } from '../isa/instruction.js';
import { AttachType, nameOf } from '../uapi/bpf.js';
import { mapTypeName } from './names.js';
import type { ObjectSpec } from './types.js';

/** `tsbpf inspect --json`'s shape: names as bpftool prints them, sizes in bytes, `insns` in 8-byte slots. */
export interface ObjectSummary {
  programs: {
    name: string;
    section: string;
    type: string;
    attach: string | null;
    attach_type: string | null;
    insns: number;
    source: string | null;
    functions: string[];
    maps: string[];
  }[];
  maps: {
    name: string;
    type: string;
    key_size: number;
    value_size: number;
    max_entries: number;
    flags: number;
    pinning: string;
    section: string;
    inner?: string;
    values?: { index: number; name: string }[];
  }[];
  variables: { name: string; map: string; offset: number; size: number; constant: boolean; static: boolean }[];
  externs: { name: string; kind: string; weak: boolean }[];
  license: string;
  kernel_version: number;
  endianness: 'little' | 'big';
  btf: { types: number; functions: number; datasecs: number; ext: boolean } | null;
}

/** Summarises a spec for people and scripts: what `tsbpf inspect` prints. */
export function summarizeObject(spec: ObjectSpec): ObjectSummary {
  const btf = spec.btf;
  let btfSummary: ObjectSummary['btf'] = null;
  if (btf) {
    let functions = 0;
    let datasecs = 0;
    for (let id = btf.firstId; id < btf.typeCount; id++) {
      const kind = btf.kind(id);
      if (kind === BtfKind.Func) functions++;
      else if (kind === BtfKind.Datasec) datasecs++;
    }
    btfSummary = { types: btf.typeCount - btf.firstId, functions, datasecs, ext: spec.btfExt !== undefined };
  }
  return {
    programs: spec.programs.map((p) => {
      const attachType = p.expectedAttachType === undefined ? undefined : nameOf(AttachType, p.expectedAttachType);
      return {
        name: p.name,
        section: p.section,
        type: p.typeName,
        attach: p.attachTarget ?? null,
        attach_type: attachType === undefined ? null : attachType.toLowerCase(),
        insns: slotIndexes(p.instructions)[p.instructions.length]!,
        source: p.sourceFile ?? null,
        functions: (p.functions ?? []).map((f) => f.name),
        maps: [...new Set(p.mapReferences.map((r) => r.map))],
      };
    }),
    maps: spec.maps.map((m) => ({
      name: m.name,
      type: mapTypeName(m.type),
      key_size: m.keySize,
      value_size: m.valueSize,
      max_entries: m.maxEntries,
      flags: m.flags,
      pinning: m.pinning === 1 ? 'by_name' : 'none',
      section: m.section,
      ...(m.inner ? { inner: m.inner.name } : {}),
      ...(m.initialReferences ? { values: m.initialReferences } : {}),
    })),
    variables: spec.variables.map((v) => ({
      name: v.name,
      map: v.map,
      offset: v.offset,
      size: v.size,
      constant: v.constant,
      static: v.static ?? false,
    })),
    externs: spec.externs.map((e) => ({ name: e.name, kind: e.kind, weak: e.weak })),
    license: spec.license,
    kernel_version: spec.kernelVersion,
    endianness: spec.littleEndian ? 'little' : 'big',
    btf: btfSummary,
  };
}

/** The summary as aligned text tables, one section per kind of thing. */
export function formatObjectSummary(s: ObjectSummary): string[] {
  const out: string[] = [];
  const table = (title: string, head: string[], rows: (string | number)[][]): void => {
    out.push(`${title}:`);
    if (rows.length === 0) {
      out.push('  (none)', '');
      return;
    }
    const cells = [head, ...rows.map((r) => r.map(String))];
    const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
    for (const r of cells)
      out.push(`  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd());
    out.push('');
  };
  table(
    'Programs',
    ['name', 'section', 'type', 'attach', 'insns', 'source'],
    s.programs.map((p) => [p.name, p.section, p.type, p.attach ?? '-', p.insns, p.source ?? '-']),
  );
  table(
    'Maps',
    ['name', 'type', 'key', 'value', 'max_entries', 'flags', 'pinning'],
    s.maps.map((m) => [
      m.name,
      m.type,
      m.key_size,
      m.value_size,
      m.max_entries,
      `0x${m.flags.toString(16)}`,
      m.pinning,
    ]),
  );
  table(
    'Variables',
    ['name', 'map', 'offset', 'size', 'kind'],
    s.variables.map((v) => [
      v.name,
      v.map,
      v.offset,
      v.size,
      `${v.static ? 'static ' : ''}${v.constant ? 'const' : 'var'}`,
    ]),
  );
  if (s.externs.length > 0)
    table(
      'Externs',
      ['name', 'kind', 'weak'],
      s.externs.map((e) => [e.name, e.kind, String(e.weak)]),
    );
  out.push(`License: ${s.license || '(none)'}`);
  if (s.kernel_version !== 0) out.push(`Kernel version: 0x${s.kernel_version.toString(16)}`);
  out.push(`Byte order: ${s.endianness} endian`);
  out.push(
    s.btf
      ? `BTF: ${s.btf.types} types, ${s.btf.functions} functions, ${s.btf.datasecs} data sections${s.btf.ext ? ', .BTF.ext' : ''}`
      : 'BTF: none',
  );
  return out;
}
