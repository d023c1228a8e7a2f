import { assemble } from '../../src/isa/asm.js';
import type { MapSpec, ObjectSpec, ProgramSpec } from '../../src/object/types.js';
import { ProgType } from '../../src/uapi/bpf.js';

/**
 * Builds ObjectSpecs by hand for runtime tests (the ELF loader's job in real use). In the assembly, `map:NAME`
 * in an lddw stands for a map reference, `value:NAME+OFF` for a global-data address and `func:LABEL` for a
 * function pointer; each becomes the relocation the loader would record.
 */
export function program(
  name: string,
  section: string,
  type: keyof typeof ProgType,
  text: string,
  extra: Partial<ProgramSpec> = {},
): ProgramSpec {
  const refs: { line: number; kind: 'map' | 'value' | 'func'; name: string; offset: number }[] = [];
  const clean = text
    .trim()
    .split('\n')
    .map((line, i) =>
      line.replace(/\b(map|value|func):(\w+|\.\w+)(?:\+(\d+))?/, (_, kind, n, off) => {
        refs.push({ line: i + 1, kind, name: n, offset: Number(off ?? 0) });
        return '0';
      }),
    )
    .join('\n');
  const asm = assemble(clean, { syntax: 'llvm' });
  const insnAtLine = (line: number) => asm.lines.indexOf(line);
  const slotToInsn = (slot: number) => {
    let s = 0;
    for (let i = 0; i < asm.insns.length; i++) {
      if (s === slot) return i;
      s += asm.insns[i]!.opcode === 0x18 ? 2 : 1;
    }
    throw new Error(`no instruction at slot ${slot}`);
  };
  return {
    name,
    section,
    type: ProgType[type],
    typeName: type.toLowerCase(),
    sleepable: false,
    instructions: asm.insns,
    mapReferences: refs
      .filter((r) => r.kind !== 'func')
      .map((r) => ({ insn: insnAtLine(r.line), map: r.name, kind: r.kind as 'map' | 'value', offset: r.offset })),
    funcReferences: refs
      .filter((r) => r.kind === 'func')
      .map((r) => ({ insn: insnAtLine(r.line), target: slotToInsn(asm.labels.get(r.name)!) })),
    kfuncCalls: new Map(),
    funcInfo: [],
    lineInfo: [],
    coreRelocations: [],
    license: 'GPL',
    kernelVersion: 0,
    ...extra,
  };
}

export function map(
  name: string,
  type: number,
  keySize: number,
  valueSize: number,
  maxEntries: number,
  extra: Partial<MapSpec> = {},
): MapSpec {
  return {
    name,
    type,
    keySize,
    valueSize,
    maxEntries,
    flags: 0,
    pinning: 0,
    readOnly: false,
    section: '.maps',
    ...extra,
  };
}

export function object(programs: ProgramSpec[], maps: MapSpec[] = [], extra: Partial<ObjectSpec> = {}): ObjectSpec {
  return {
    name: 'test',
    programs,
    maps,
    variables: [],
    externs: [],
    license: 'GPL',
    kernelVersion: 0,
    littleEndian: true,
    ...extra,
  };
}
