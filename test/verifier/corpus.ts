/**
 * The recorded kernel corpus (test/fixtures/verifier/corpus.jsonl, written by scripts/record-verifier-corpus.mjs)
 * and how tsbpf's verdict compares with the kernel's on each case.
 */
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.js';
import { decodeProgram } from '../../src/isa/decode.js';
import type { Instruction } from '../../src/isa/instruction.js';
import { MapType } from '../../src/maps/types.js';
import type { MapInfo } from '../../src/verifier/index.js';
import { type VerifyResult, verifyProgram } from '../../src/verifier/index.js';

export interface CorpusCase {
  name: string;
  type: string;
  asm?: string;
  hex?: string;
  maps?: { type: keyof typeof MapType; keySize: number; valueSize: number; maxEntries: number }[];
  verdict: 'accepted' | 'rejected';
  kernel_message: string;
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

export function runCase(c: CorpusCase): VerifyResult {
  return verifyProgram(caseInsns(c), { progType: c.type, maps: caseMaps(c) });
}
