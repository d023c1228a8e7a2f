import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCorpus, runCase } from './corpus.js';

/**
 * Every recorded case is verified by tsbpf and compared with the kernel's recorded verdict (Linux 6.18, root).
 * The thresholds are what tsbpf reaches today; docs/verifier-disagreements.md lists every known difference.
 */
const VERDICT_AGREEMENT = 0.99;
const MESSAGE_AGREEMENT = 0.98;

/** The line of a kernel message that names the rule (the infinite-loop message adds state dumps after it). */
const ruleLine = (message: string): string => {
  const lines = message.split('\n');
  return lines[0]!.startsWith('infinite loop detected') ? 'infinite loop detected' : lines[lines.length - 1]!;
};

test('verifier corpus: tsbpf agrees with the kernel on verdicts and messages', () => {
  const all = loadCorpus();
  const corpus = all.filter((c) => c.verdict !== 'unavailable');
  assert.ok(corpus.length >= 400, `corpus has ${corpus.length} cases`);
  assert.ok(corpus.filter((c) => c.object).length >= 20, 'the object fixtures are part of the corpus');
  let agree = 0;
  let rejectedBoth = 0;
  let sameMessage = 0;
  const disagreements: string[] = [];
  const messageDiffs: string[] = [];
  for (const c of corpus) {
    const r = runCase(c);
    if (r.verdict !== c.verdict) {
      disagreements.push(
        `${c.name}: kernel ${c.verdict} (${c.kernel_message}), tsbpf ${r.verdict} (${r.kernelMessage})`,
      );
      continue;
    }
    agree++;
    if (c.verdict === 'rejected') {
      rejectedBoth++;
      if (ruleLine(c.kernel_message) === ruleLine(r.kernelMessage)) sameMessage++;
      else messageDiffs.push(`${c.name}: kernel "${ruleLine(c.kernel_message)}" tsbpf "${ruleLine(r.kernelMessage)}"`);
    }
  }
  const verdictRatio = agree / corpus.length;
  const messageRatio = sameMessage / rejectedBoth;
  if (disagreements.length || messageDiffs.length) {
    console.log(
      `verdict disagreements:\n  ${disagreements.join('\n  ')}\nmessage differences:\n  ${messageDiffs.join('\n  ')}`,
    );
  }
  assert.ok(verdictRatio >= VERDICT_AGREEMENT, `verdict agreement ${verdictRatio} (${agree}/${corpus.length})`);
  assert.ok(messageRatio >= MESSAGE_AGREEMENT, `message agreement ${messageRatio} (${sameMessage}/${rejectedBoth})`);
});

test('verifier corpus: every rejection names its instruction and says what to do', () => {
  for (const c of loadCorpus().slice(0, 300)) {
    const r = runCase(c);
    if (r.verdict !== 'rejected') continue;
    assert.ok(r.message.includes(`kernel: ${r.kernelMessage.split('\n')[0]}`), `${c.name}: ${r.message}`);
    if (r.insn >= 0) assert.match(r.message, new RegExp(`^insn ${r.insn}: `), c.name);
  }
});
