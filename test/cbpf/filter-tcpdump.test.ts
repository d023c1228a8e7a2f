/**
 * `tsbpf filter -d` against the real `tcpdump -d` on generated expressions (filter-expr-generator.ts): the same
 * listing, line for line, or a rejection by both. tcpdump compiles with `-y EN10MB` and no capture, which needs no
 * privileges; when this test runs as root, tcpdump runs as `nobody` to prove it. Skipped, with the reason
 * printed, when tcpdump is not installed.
 *
 * Listings are compared without trailing blanks: libpcap 1.10.3 pads `ret`, `tax` and friends, master does not.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { runFilterCli } from './filter-cli-harness.js';
import { expression, Rng, UNGROUPED_XOR_MOD } from './filter-expr-generator.js';

const EXPRESSIONS = 400;
const NOBODY = 65534;

const trimLines = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

/** How to run tcpdump here, or why it cannot be. */
function tcpdumpSetup(): { options: SpawnSyncOptions } | { skip: string } {
  const options: SpawnSyncOptions = { encoding: 'utf8', timeout: 10_000 };
  if (process.getuid?.() === 0) Object.assign(options, { uid: NOBODY, gid: NOBODY });
  const probe = spawnSync('tcpdump', ['-d', '-y', 'EN10MB', 'tcp'], options);
  if (probe.error) return { skip: `tcpdump not runnable: ${probe.error.message}` };
  if (probe.status !== 0) return { skip: `tcpdump -d -y EN10MB tcp failed: ${String(probe.stderr).trim()}` };
  return { options };
}

interface Tcpdump {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function tcpdump(flag: string, expr: string, options: SpawnSyncOptions): Tcpdump {
  const r = spawnSync('tcpdump', [flag, '-y', 'EN10MB', expr], options);
  return { ok: r.status === 0, stdout: String(r.stdout), stderr: String(r.stderr).trim() };
}

describe('tsbpf filter -d vs tcpdump -d', () => {
  const setup = tcpdumpSetup();
  const skip = 'skip' in setup ? setup.skip : undefined;

  it(`gives tcpdump's listing for ${EXPRESSIONS} generated expressions`, { skip }, async (t) => {
    const options = (setup as { options: SpawnSyncOptions }).options;
    const rng = new Rng(0x7cd);
    const seen = new Set<string>();
    let accepted = 0;
    let rejected = 0;
    let longest = 0;
    while (seen.size < EXPRESSIONS) {
      const expr = expression(rng);
      if (seen.has(expr)) continue;
      seen.add(expr);
      const flag = seen.size % 5 === 0 ? '-ddd' : '-d';
      const want = tcpdump(flag, expr, options);
      const got = await runFilterCli('filter', flag, expr);
      if (!want.ok) {
        assert.equal(got.code, 2, `tcpdump rejects '${expr}' (${want.stderr}) but tsbpf accepts it`);
        rejected++;
        continue;
      }
      assert.equal(got.code, 0, `tcpdump accepts '${expr}' but tsbpf says: ${got.stderr}`);
      assert.equal(trimLines(got.stdout), trimLines(want.stdout), `${flag} '${expr}'`);
      accepted++;
      longest = Math.max(longest, got.stdout.split('\n').length);
    }
    t.diagnostic(`${accepted} listings identical, ${rejected} rejected by both, longest ${longest} lines`);
    assert.ok(accepted > EXPRESSIONS * 0.6, `only ${accepted} of ${EXPRESSIONS} accepted: the generator is off`);
    assert.ok(longest > 50, 'no long programs generated');
  });

  it('-dd prints opcodes as libpcap does (`0x%x`: `{ 0x6, 0, 0, 0x00040000 }`)', {
    skip,
  }, async () => {
    const options = (setup as { options: SpawnSyncOptions }).options;
    const rng = new Rng(0xdd);
    for (let i = 0; i < 40; i++) {
      const expr = expression(rng);
      const want = tcpdump('-dd', expr, options);
      const got = await runFilterCli('filter', '-dd', expr);
      if (want.ok) assert.equal(trimLines(got.stdout), trimLines(want.stdout), `-dd '${expr}'`);
    }
  });

  it('parses `^` and `%` without precedence, as libpcap’s grammar does', {
    skip,
  }, async () => {
    const options = (setup as { options: SpawnSyncOptions }).options;
    for (const expr of UNGROUPED_XOR_MOD) {
      const want = tcpdump('-d', expr, options);
      const got = await runFilterCli('filter', '-d', expr);
      assert.equal(trimLines(got.stdout), trimLines(want.stdout), expr);
    }
  });
});
