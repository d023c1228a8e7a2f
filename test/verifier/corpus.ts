/**
 * The recorded kernel corpus (test/fixtures/verifier/corpus.jsonl, written by scripts/record-verifier-corpus.mjs)
 * and how tsbpf's verdict compares with the kernel's on each case.
 */
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.js';
import { decodeProgram } from '../../src/isa/decode.js';
import type { Instruction } from '../../src/isa/instruction.js';
import { MapType } from '../../src/maps/types.js';
import { loadObjectSpec } from '../../src/object/load.js';
import type { ObjectSpec } from '../../src/object/types.js';
import type { MapInfo } from '../../src/verifier/index.js';
import { type VerifyResult, verifyProgram } from '../../src/verifier/index.js';
import { verifyObjectProgram } from '../../src/verifier/object.js';

export interface CorpusCase {
  name: string;
  type: string;
  asm?: string;
  hex?: string;
  maps?: { type: keyof typeof MapType; keySize: number; valueSize: number; maxEntries: number }[];
  /** Object fixture cases: the object file and the program in it (`type` is then its section). */
  object?: string;
  program?: string;
  /** `unavailable`: the kernel could not judge the program here (no fentry trampolines), so it is not compared. */
  verdict: 'accepted' | 'rejected' | 'unavailable';
  kernel_message: string;
  kernel_time_us?: number;
  kernel_processed?: number;
}

export const CORPUS_PATH = 'test/fixtures/verifier/corpus.jsonl';

export function loadCorpus(path = CORPUS_PATH): CorpusCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusCase);
}

export function caseInsns(c: CorpusCase): Instruction[] {
  if (c.asm !== undefined) return assemble(c.asm, { syntax: 'llvm', allowLargeShifts: true }).insns;
  const hex = c.hex ?? '';
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return decodeProgram(bytes, { validate: false });
}

export function caseMaps(c: CorpusCase): MapInfo[] {
  return (c.maps ?? []).map((m) => ({
    type: MapType[m.type],
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
  }));
}

const objects = new Map<string, ObjectSpec>();

/**
 * Object cases are verified with CO-RE resolved against the object's own BTF, so the test does not depend on the
 * kernel it runs on (the recorded kernel verdicts used the running kernel's BTF; the fixtures' relocations resolve
 * to the same shapes either way).
 */
export function runCase(c: CorpusCase): VerifyResult {
  if (c.object !== undefined) {
    let spec = objects.get(c.object);
    if (!spec) {
      spec = loadObjectSpec(new Uint8Array(readFileSync(c.object)), { name: c.object });
      objects.set(c.object, spec);
    }
    const program = spec.programs.find((p) => p.name === c.program);
    if (!program) throw new Error(`${c.name}: ${c.object} has no program ${c.program}`);
    return verifyObjectProgram(spec, program);
  }
  return verifyProgram(caseInsns(c), { progType: c.type, maps: caseMaps(c) });
}
