import { readFileSync } from 'node:fs';
import { decodeProgram } from '../../src/isa/decode.js';
import type { Instruction } from '../../src/isa/instruction.js';

/** One recorded pair of test/fixtures/isa/llvm-objdump.txt (see scripts/gen-llvm-objdump-fixture.mjs). */
export interface LlvmPair {
  hex: string;
  bytes: Uint8Array;
  insn: Instruction;
  /** llvm16, llvm19, llvm19-v4, llvm19-v4-unverified (text from llvm-objdump), or tsbpf (tsbpf's own text). */
  source: string;
  text: string;
  line: number;
}

export function readLlvmPairs(path = 'test/fixtures/isa/llvm-objdump.txt'): LlvmPair[] {
  const pairs: LlvmPair[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line === '' || line.startsWith('#')) return;
      const [hex, source, ...rest] = line.split('\t');
      let text = rest.join('\t');
      if (source === 'tsbpf') text = text.replace(/ # llvm: .*$/, '');
      const bytes = Uint8Array.from(hex!.split(' '), (b) => Number.parseInt(b, 16));
      const [insn] = decodeProgram(bytes, { checkJumps: false });
      pairs.push({ hex: hex!, bytes, insn: insn!, source: source!, text, line: i + 1 });
    });
  return pairs;
}

/** Bytes of an llvm-objdump style hex string ("b7 00 00 ..."). */
export const hexOf = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
