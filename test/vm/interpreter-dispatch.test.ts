/**
 * The interpreter's dispatch switch must stay a jump table: V8 makes one only from number-literal case labels whose
 * range is small next to their count (see _LITERAL_CODES in src/vm/interpreter.ts). A `case CODE.X:` or a far-away
 * label still runs correctly but makes every later opcode pay a comparison per earlier label, so this guards the
 * shape of the code the conformance tests cannot see, and checks the literal labels against predecode's CODE.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Interpreter } from '../../src/vm/interpreter.js';
import { CODE } from '../../src/vm/predecode.js';

/** V8's --switch-table-spread-threshold and --switch-table-min-cases defaults. */
const SPREAD_THRESHOLD = 3;
const MIN_CASES = 6;

const source = (Interpreter.prototype as unknown as Record<string, () => unknown>)['execute']!.toString();

/** The labels of the outermost switch of execute(): the one on `c`, up to its default. */
function dispatchLabels(): string[] {
  const start = source.indexOf('switch (c)');
  assert.ok(start >= 0, 'execute() dispatches with switch (c)');
  const labels: string[] = [];
  // nested switches (atomics on k) are indented deeper than the dispatch's own labels
  const indent = /\n([ \t]*)case /.exec(source.slice(start))![1]!;
  const label = new RegExp(`\\n${indent}case ([^:]+):`, 'g');
  const end = source.indexOf(`\n${indent}default:`, start);
  for (const m of source.slice(start, end).matchAll(label)) labels.push(m[1]!.trim());
  return labels;
}

describe('interpreter: dispatch', () => {
  it('every case label of the dispatch switch is a number literal in a jump-table range', () => {
    const labels = dispatchLabels();
    assert.ok(labels.length >= 100, `found ${labels.length} labels`);
    const values = labels.map((l) => {
      assert.match(l, /^(0x[0-9a-f]+|\d+)$/, `case ${l}: is not a number literal`);
      return Number(l);
    });
    const spread = Math.max(...values) - Math.min(...values);
    assert.ok(values.length >= MIN_CASES);
    assert.ok(spread < SPREAD_THRESHOLD * labels.length, `labels span ${spread} for ${labels.length} cases`);
    assert.equal(new Set(values).size, values.length, 'duplicate labels');
  });

  it('the literal labels that stand for derived codes match predecode', () => {
    const named = [...source.matchAll(/case (0x[0-9a-f]+):(?: \{)? \/\/ CODE\.([A-Z0-9_]+)/g)];
    assert.equal(named.length, Object.keys(CODE).length);
    for (const [, value, name] of named) assert.equal(Number(value), CODE[name as keyof typeof CODE], name);
  });
});
