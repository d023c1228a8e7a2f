#!/usr/bin/env node
/**
 * Records the verifier corpus: loads every case of verifier-corpus-cases.mjs into THIS machine's kernel (root)
 * with the kernel backend and writes test/fixtures/verifier/corpus.jsonl, one JSON object a line:
 *   {name, type, asm | hex, maps?, verdict, kernel_message, kernel: uname -r}
 * then every program of the object fixtures (test/fixtures/objects, test/fixtures/kernel), loaded as libbpf would
 * (maps, BTF, CO-RE) one program at a time:
 *   {name: "object:DIR/FILE:PROGRAM", object, program, type: section, verdict, kernel_message, kernel_time_us,
 *    kernel_processed, kernel}
 * with verdict "unavailable" when the kernel could not judge it (no trampolines for fentry here: EPERM, no log).
 * `kernel_message` is the log's last line(s) before the statistics: the message that names the broken rule.
 *
 * Usage: node scripts/record-verifier-corpus.mjs [BUILD_DIR]   (BUILD_DIR: tsc output, default dist)
 */
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cases, rawCases } from './verifier-corpus-cases.mjs';
import { kernelObjectLoader, objectFixtures } from './verifier-kernel-objects.mjs';

const build = resolve(process.argv[2] ?? 'dist');
const load = (p) => import(pathToFileURL(`${build}/${p}`).href);
const { KernelProgram, KernelMap, VerifierError } = await load('src/kernel/index.js');
const { assemble } = await load('src/isa/asm.js');
const { encodeProgram } = await load('src/isa/encode.js');
const { progTypeFromSection, PROG_TYPE_IDS } = await load('src/verifier/index.js');

/** The message lines at the end of a kernel verifier log (not instruction or state lines). */
export function kernelMessage(log) {
  const lines = log
    .replace(/processed \d+ insns/g, '\n$&')
    .split('\n')
    .filter((l) => l !== '');
  const end = lines.findIndex(
    (l) => l.startsWith('processed ') || l.startsWith('verification time ') || /^stack depth \d/.test(l),
  );
  const body = end < 0 ? lines : lines.slice(0, end);
  const msg = [];
  for (let i = body.length - 1; i >= 0; i--) {
    const l = body[i];
    if (/^\d+: /.test(l) || /^from \d+ to \d+/.test(l) || l.startsWith('; ') || /^\d+: R\d/.test(l)) break;
    msg.unshift(l);
  }
  return msg.join('\n');
}

const hexOf = (insns) => Array.from(encodeProgram(insns), (b) => b.toString(16).padStart(2, '0')).join('');

function run(c, insns) {
  const maps = (c.maps ?? []).map((m) =>
    KernelMap.create({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries }),
  );
  try {
    const patched = insns.map((insn) =>
      insn.opcode === 0x18 && insn.src !== 0 && insn.src !== 4 && maps[insn.imm]
        ? { ...insn, imm: maps[insn.imm].fd.fd }
        : insn,
    );
    const type = PROG_TYPE_IDS[progTypeFromSection(c.type)];
    try {
      const p = KernelProgram.load({ type, insns: patched, logLevel: 1, logSize: 1 << 24 });
      p.close?.();
      return { verdict: 'accepted', kernel_message: '' };
    } catch (e) {
      if (e instanceof VerifierError)
        return { verdict: 'rejected', kernel_message: kernelMessage(e.log ?? '') || e.message };
      return { verdict: 'rejected', kernel_message: `(${e.message})` };
    }
  } finally {
    for (const m of maps) m.close();
  }
}

const kernel = release();
const lines = [];
for (const c of cases()) {
  const insns = assemble(c.asm, { syntax: 'llvm', allowLargeShifts: true }).insns;
  lines.push(
    JSON.stringify({
      name: c.name,
      type: c.type,
      asm: c.asm,
      ...(c.maps ? { maps: c.maps } : {}),
      ...run(c, insns),
      kernel,
    }),
  );
}
for (const c of rawCases()) {
  lines.push(JSON.stringify({ name: c.name, type: c.type, hex: hexOf(c.insns), ...run(c, c.insns), kernel }));
}
const objects = await kernelObjectLoader(build, kernelMessage);
for (const path of objectFixtures()) {
  for (const program of objects.spec(path).programs) {
    const r = objects.load(path, program.name);
    const judged = r.kernel_time_us !== undefined || !r.kernel_message.startsWith('(');
    lines.push(
      JSON.stringify({
        name: `object:${path.replace('test/fixtures/', '')}:${program.name}`,
        object: path,
        program: program.name,
        type: program.section,
        ...r,
        verdict: judged ? r.verdict : 'unavailable',
        kernel,
      }),
    );
  }
}
const names = new Set();
for (const l of lines) {
  const n = JSON.parse(l).name;
  if (names.has(n)) throw new Error(`duplicate case name ${n}`);
  names.add(n);
}
writeFileSync('test/fixtures/verifier/corpus.jsonl', `${lines.join('\n')}\n`);
const count = (v) => lines.filter((l) => JSON.parse(l).verdict === v).length;
console.log(
  `${lines.length} cases recorded on ${kernel}: ${count('accepted')} accepted, ${count('rejected')} rejected, ${count('unavailable')} unavailable`,
);
