import { decodeProgram } from '../isa/decode.js';
import type { Instruction } from '../isa/instruction.js';
import { HelperTable } from '../vm/helper.js';
import { type ConformanceTest, rawToBytes } from './data-file.js';

/** Runs a raw program on an input memory (r1 = memory, r2 = length) and returns r0, or throws its fault. */
export type RawRunner = (insns: Instruction[], mem: Uint8Array) => Promise<bigint> | bigint;

/** Turns assembly text into instructions (injected so this module does not fix one assembler). */
export type Assembler = (text: string) => Instruction[];

export interface ConformanceResult {
  file: string;
  status: 'passed' | 'failed';
  expected?: string;
  got?: string;
  error?: string;
}

/** The helpers the conformance suite expects: helper 5 returns its first argument. */
export function conformanceHelpers(): HelperTable {
  return new HelperTable().define(5, 'conformance_ret_arg1', (call) => call.u64(1));
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Runs one test; a program that fails to assemble or faults is a failure with its error text. */
export async function runConformanceTest(
  test: ConformanceTest,
  assemble: Assembler,
  run: RawRunner,
): Promise<ConformanceResult> {
  const expected = test.result === undefined ? undefined : hex(test.result);
  let insns: Instruction[];
  try {
    insns = test.raw ? decodeProgram(rawToBytes(test.raw)) : assemble(test.asm);
  } catch (err) {
    return { file: test.name, status: 'failed', expected, error: messageOf(err) };
  }
  try {
    const r0 = await run(insns, test.mem);
    if (test.error !== undefined) {
      return { file: test.name, status: 'failed', expected: `error: ${test.error}`, got: hex(r0) };
    }
    const status = test.result === undefined || r0 === test.result ? 'passed' : 'failed';
    return { file: test.name, status, expected, got: hex(r0) };
  } catch (err) {
    const error = messageOf(err);
    if (test.error !== undefined && error.includes(test.error)) return { file: test.name, status: 'passed', error };
    return { file: test.name, status: 'failed', expected, error };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
