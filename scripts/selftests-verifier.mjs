#!/usr/bin/env node
/**
 * Runs tsbpf's verifier over the kernel's own verifier selftests and reports how many it decides as annotated.
 *
 * The tests are tools/testing/selftests/bpf/progs/verifier_*.c from Debian's linux-source-X.Y package
 * (/usr/src/linux-source-*.tar.xz; the newest is used). Each test program carries its expectation as BTF decl tags
 * (bpf_misc.h): `__success`, `__failure`, `__msg("...")`, `__description("...")`, `__flag(...)`, ... which this
 * script reads back from the compiled object's BTF, as the kernel's test_loader.c does. Privileged mode only
 * (tsbpf runs as root here; the `_unpriv` expectations are listed but not compared).
 *
 * Everything is extracted and compiled under WORK (default /tmp/tsbpf-selftests); nothing from the kernel tree
 * is written into the project.
 *
 * Usage: node scripts/selftests-verifier.mjs [--build DIR] [--work DIR] [--clang clang-16] [--json OUT.json]
 *   --build: tsc output directory (default dist)
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const build = resolve(arg('--build', 'dist'));
const work = resolve(arg('--work', '/tmp/tsbpf-selftests'));
const clang = arg('--clang', 'clang-16');
const jsonOut = arg('--json');

const imp = (p) => import(pathToFileURL(`${build}/${p}`).href);
const { loadObjectSpec } = await imp('src/object/load.js');
const { verifyObjectProgram } = await imp('src/verifier/object.js');
const { loadTargetBtf } = await imp('src/btf/core-node.js');

/** Extracts the verifier tests and the headers they include from the newest linux-source tarball. */
function extract() {
  const tarballs = readdirSync('/usr/src')
    .filter((f) => /^linux-source-[\d.]+\.tar\.(xz|bz2|gz)$/.test(f))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const tarball = tarballs.at(-1);
  if (!tarball) throw new Error('no /usr/src/linux-source-*.tar.xz: apt-get install -y linux-source');
  const top = tarball.replace(/\.tar\.\w+$/, '');
  const tree = join(work, top);
  if (!existsSync(join(tree, 'tools/testing/selftests/bpf/progs/bpf_misc.h'))) {
    mkdirSync(work, { recursive: true });
    execFileSync('tar', [
      '-xf',
      join('/usr/src', tarball),
      '-C',
      work,
      '--wildcards',
      `${top}/tools/testing/selftests/bpf/progs/*`,
      `${top}/tools/testing/selftests/bpf/*.h`,
      `${top}/tools/lib/bpf/*`,
      `${top}/tools/include/*`,
    ]);
  }
  const progs = join(tree, 'tools/testing/selftests/bpf/progs');
  const vmlinux = join(work, 'vmlinux.h');
  if (!existsSync(vmlinux)) {
    const args = ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'];
    writeFileSync(vmlinux, execFileSync('bpftool', args, { maxBuffer: 1 << 30 }));
  }
  // bpf_helper_defs.h is generated in a kernel build; the installed libbpf's copy stands in for it.
  const defs = join(work, 'bpf_helper_defs.h');
  if (!existsSync(defs)) writeFileSync(defs, readFileSync('/usr/include/bpf/bpf_helper_defs.h'));
  return { top, tree, progs };
}

/** Compiles every verifier_*.c (two at a time per CPU); returns the objects that built and the failures. */
async function compileAll(tree, progs) {
  const run = promisify(execFile);
  const out = join(work, 'obj');
  let multiarch = 'x86_64-linux-gnu';
  try {
    multiarch = execFileSync('gcc', ['-print-multiarch']).toString().trim() || multiarch;
  } catch {
    // no gcc: keep the x86_64 default
  }
  mkdirSync(out, { recursive: true });
  const sources = readdirSync(progs)
    .filter((f) => /^verifier_.*\.c$/.test(f))
    .sort();
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < sources.length) {
      const src = sources[next++];
      const obj = join(out, src.replace(/\.c$/, '.o'));
      try {
        if (!existsSync(obj)) {
          await run(clang, [
            '-O2',
            '-g',
            '-target',
            'bpf',
            '-mcpu=v3',
            '-D__TARGET_ARCH_x86',
            '-Wno-compare-distinct-pointer-types',
            `-I${work}`,
            `-I${progs}`,
            `-I${join(tree, 'tools/testing/selftests/bpf')}`,
            `-I${join(tree, 'tools/lib')}`,
            `-I${join(tree, 'tools/include/uapi')}`,
            `-I/usr/include/${multiarch}`,
            '-c',
            join(progs, src),
            '-o',
            obj,
          ]);
        }
        results.push({ src, obj });
      } catch (e) {
        const first = String(e.stderr ?? e.message)
          .split('\n')
          .find((l) => l.includes('error:'));
        results.push({ src, error: first?.trim() ?? 'compile failed' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, cpus().length * 2) }, worker));
  return results.sort((a, b) => a.src.localeCompare(b.src));
}

/** The test annotations of each function (FUNC name -> tags), from the BTF decl tags `comment:test_*`. */
function annotations(btf) {
  const byFunc = new Map();
  for (const t of btf.types()) {
    if (t.kind !== 17 || t.componentIdx !== -1 || !t.name.startsWith('comment:test_')) continue;
    const target = btf.type(t.type);
    if (target.kind !== 12) continue;
    const list = byFunc.get(target.name) ?? [];
    list.push(t.name.slice('comment:'.length));
    byFunc.set(target.name, list);
  }
  return byFunc;
}

/** test_loader.c's reading of the tags: expected privileged verdict, messages (in order), flags, description. */
function expectation(tags) {
  const msgs = [];
  const exp = { failure: false, msgs, flags: [], description: undefined, logLevel: 0, arch: [], unprivOnly: true };
  for (const tag of tags) {
    const [key, ...rest] = tag.split('=');
    const value = rest.join('=');
    if (key === 'test_expect_failure') exp.failure = true;
    if (key === 'test_expect_failure' || key === 'test_expect_success' || key === 'test_expect_msg')
      exp.unprivOnly = false;
    if (key === 'test_expect_msg') msgs.push({ order: Number(value.split('=')[0]), text: rest.slice(1).join('=') });
    if (key === 'test_prog_flags') exp.flags.push(value);
    if (key === 'test_description') exp.description = value;
    if (key === 'test_log_level') exp.logLevel = Number(value);
    if (key === 'test_arch') exp.arch.push(value);
  }
  msgs.sort((a, b) => a.order - b.order);
  exp.msgs = msgs.map((m) => m.text);
  return exp;
}

/** prog_flags bits by the names `__flag(...)` carries (test_loader.c parses the same names, or a number). */
const PROG_FLAGS = {
  BPF_F_STRICT_ALIGNMENT: 1 << 0,
  BPF_F_ANY_ALIGNMENT: 1 << 1,
  BPF_F_TEST_RND_HI32: 1 << 2,
  BPF_F_TEST_STATE_FREQ: 1 << 3,
  BPF_F_SLEEPABLE: 1 << 4,
  BPF_F_XDP_HAS_FRAGS: 1 << 5,
  BPF_F_XDP_DEV_BOUND_ONLY: 1 << 6,
  BPF_F_TEST_REG_INVARIANTS: 1 << 7,
};
const progFlagsOf = (names) =>
  names.reduce((acc, n) => acc | (PROG_FLAGS[n] ?? (Number.isInteger(Number(n)) ? Number(n) : 0)), 0);

const { top, tree, progs } = extract();
const compiled = await compileAll(tree, progs);
const targetBtf = loadTargetBtf();
const rows = [];
const cases = [];
for (const c of compiled) {
  const row = { file: c.src, tests: 0, asAnnotated: 0, msgContained: 0, failures: 0, unsupported: 0, error: c.error };
  rows.push(row);
  if (!c.obj) continue;
  let spec;
  try {
    spec = loadObjectSpec(new Uint8Array(readFileSync(c.obj)), { name: basename(c.obj) });
  } catch (e) {
    row.error = `tsbpf cannot read the object: ${e.message}`;
    continue;
  }
  const tags = spec.btf ? annotations(spec.btf) : new Map();
  const options = { targetBtf };
  for (const program of spec.programs) {
    const t = tags.get(program.name);
    if (!t) continue;
    const exp = expectation(t);
    if (exp.unprivOnly) continue; // only unprivileged expectations: the privileged run is not a test of its own
    if (exp.arch.length && !exp.arch.includes('X86_64')) continue;
    row.tests++;
    let r;
    try {
      r = verifyObjectProgram(spec, program, { ...options, progFlags: progFlagsOf(exp.flags) });
    } catch (e) {
      r = { verdict: 'error', kernelMessage: String(e.message), message: '', unsupported: false };
    }
    if (r.unsupported) row.unsupported++;
    const ok = !r.unsupported && (r.verdict === 'rejected') === exp.failure && r.verdict !== 'error';
    if (ok) row.asAnnotated++;
    let msgOk;
    if (exp.failure) {
      row.failures++;
      const text = `${r.kernelMessage}\n${r.message}`;
      msgOk = ok && exp.msgs.every((m) => text.includes(m));
      if (msgOk) row.msgContained++;
    }
    cases.push({
      file: c.src,
      program: program.name,
      section: program.section,
      description: exp.description,
      expected: exp.failure ? 'failure' : 'success',
      msgs: exp.msgs,
      flags: exp.flags,
      tsbpf: r.verdict,
      unsupported: r.unsupported ?? false,
      kernelMessage: r.kernelMessage,
      asAnnotated: ok,
      msgContained: msgOk,
    });
  }
}

const sum = (k) => rows.reduce((n, r) => n + (r[k] ?? 0), 0);
const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');
console.log(`kernel selftests from ${top} (tsbpf, privileged, CO-RE against /sys/kernel/btf/vmlinux)\n`);
console.log(
  `${'file'.padEnd(40)} ${'tests'.padStart(5)} ${'verdict'.padStart(8)} ${'share'.padStart(6)} ${'fail'.padStart(5)} ${'msg'.padStart(5)} ${'unsup'.padStart(5)}`,
);
for (const r of rows) {
  if (r.error && !r.tests) {
    console.log(`${r.file.padEnd(40)} not compiled: ${r.error.slice(0, 100)}`);
    continue;
  }
  console.log(
    `${r.file.padEnd(40)} ${String(r.tests).padStart(5)} ${String(r.asAnnotated).padStart(8)} ${pct(r.asAnnotated, r.tests).padStart(6)} ${String(r.failures).padStart(5)} ${String(r.msgContained).padStart(5)} ${String(r.unsupported).padStart(5)}`,
  );
}
const tests = sum('tests');
console.log(
  `\n${compiled.filter((c) => c.obj).length}/${compiled.length} files compiled; ${tests} annotated programs: ` +
    `${sum('asAnnotated')} decided as annotated (${pct(sum('asAnnotated'), tests)}); ` +
    `${sum('msgContained')}/${sum('failures')} expected failures also carry every __msg (${pct(sum('msgContained'), sum('failures'))}); ` +
    `${sum('unsupported')} of a program type tsbpf does not model`,
);
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ rows, cases }, null, 1)}\n`);
