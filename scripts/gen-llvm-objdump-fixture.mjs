#!/usr/bin/env node
// Regenerates test/fixtures/isa/llvm-objdump.txt and test/fixtures/isa/llvm-objdump-listing.txt: what the real
// llvm-objdump prints for instructions of every form in tsbpf's opcode table, with edge values in every field.
//
// Usage: npx tsc -p . && node scripts/gen-llvm-objdump-fixture.mjs [BUILD_DIR]     (BUILD_DIR defaults to dist)
// Needs llvm-mc-16, llvm-objdump-16, llvm-mc-19 and llvm-objdump-19 (Debian: apt-get install llvm-16 llvm-19).
//
// How: the instructions are written as `.byte` directives into an llvm-mc source (so any encoding can be
// recorded, even ones llvm-mc cannot assemble), assembled into an ELF object and disassembled three ways:
// llvm-objdump-16 -d (the LLVM of the project's clang), llvm-objdump-19 -d, and llvm-objdump-19 -d --mcpu=v4.
// The line records the first of these texts that llvm-mc-19 assembles back into the same bytes, and names it in
// its source column. So: llvm-objdump-16's text wherever it is right; LLVM 19's where LLVM 16 predates the
// instruction (sdiv/smod, movsx, sign-extending loads, bswap, gotol, store-immediate, jset: `<unknown>`, or a
// plain division or move because it ignores the discriminating offset) or misreads it (callx takes its register
// from imm); and the cpu v4 (alu32) text for the 32-bit atomics that plain `-d` cannot print or prints wrongly
// (`lock *(u32 *)(r1 - 0x8) += r2` for a fetch-add, `<unknown>` for fetch-or). Where llvm-mc-19 rejects even
// the text its own objdump prints (gotol offsets beyond 16 bits), the LLVM 19 v4 text is kept as
// `llvm19-v4-unverified`.
//
// A few encodings have no lossless llvm-objdump text: llvm prints local calls, kfunc calls and helper calls all as
// `call IMM`, drops the imm of LD_IND and the second-slot imm of `ld_pseudo`. tsbpf prints its own round-trippable
// text for those; their lines have source `tsbpf` and record tsbpf's text (the llvm text follows as a comment), so
// the fixture documents every deviation. Those lines are not evidence about llvm and the test treats them as such.
//
// Fixture format, one instruction a line: `HEX<TAB>SOURCE<TAB>TEXT` where HEX is the 8 or 16 bytes, SOURCE is
// llvm16, llvm19 or tsbpf, and TEXT is the rest of the line (llvm's `ld_pseudo` text contains a tab).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const build = resolve(process.argv[2] ?? 'dist');
const isa = await import(pathToFileURL(join(build, 'src/isa/index.js')).href);
const { FORMS, encodeProgram } = isa;
const { fieldUse } = await import(pathToFileURL(join(build, 'src/isa/validate.js')).href);
const formatLlvm = isa.formatLlvm; // present once the disassembler is built; needed only for `tsbpf` lines

const REGS = [1, 0, 10];
const SRC_REGS = [2, 0, 10];
const OFFSETS = [-8, 0, 1, -1, 0x7fff, -0x8000, 12];
const IMMS = [10, 0, 1, -1, 0x7fffffff, -0x80000000, 0x12345678, 255, -256];
const LDDW_VALUES = [
  0n,
  1n,
  0xffffffffffffffffn,
  0x1122334455667788n,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x8000000000000000n,
  0x7fffffffffffffffn,
  0xfffffffff0000000n,
];

/** Edge-value variants of one form: a baseline, then each used field swept through its edge values. */
function variants(form) {
  const use = fieldUse(form);
  const base = {
    opcode: form.opcode,
    dst: use.dst ? 1 : 0,
    src: use.src ? 2 : 0,
    off: use.off ? -8 : 0,
    imm: use.imm ? 10 : 0,
  };
  const m = form.match;
  if (m) base[m.field] = m.value;
  if (form.kind === 'lddw') return lddwVariants();
  if (form.kind === 'call_local' || form.kind === 'ja32') base.imm = 3;
  if (form.kind === 'ja' || form.kind === 'jcond') base.off = 3;
  const out = [base];
  const sweep = (field, values) => {
    if (!use[field] || m?.field === field) return;
    for (const v of values) out.push({ ...base, [field]: v });
  };
  sweep('dst', REGS);
  sweep('src', SRC_REGS);
  sweep('off', OFFSETS);
  sweep('imm', IMMS);
  return out;
}

function lddwVariants() {
  const out = [];
  for (const v of LDDW_VALUES) {
    out.push({
      opcode: 0x18,
      dst: 1,
      src: 0,
      off: 0,
      imm: Number(BigInt.asIntN(32, v)),
      nextImm: Number(BigInt.asIntN(32, v >> 32n)),
    });
  }
  out.push({ opcode: 0x18, dst: 0, src: 0, off: 0, imm: -1, nextImm: 0 });
  out.push({ opcode: 0x18, dst: 10, src: 0, off: 0, imm: 0, nextImm: -1 });
  for (let src = 1; src <= 6; src++) {
    for (const [imm, nextImm] of [
      [3, 0],
      [-1, 0],
      [3, 16],
    ]) {
      out.push({ opcode: 0x18, dst: 1, src, off: 0, imm, nextImm });
    }
  }
  return out;
}

/** Why llvm-objdump's text for this instruction is lossy (so tsbpf prints its own), or undefined. */
function lossy(form, insn) {
  if (form.kind === 'call_local' || form.kind === 'call_kfunc') return 'llvm prints every call as `call IMM`';
  if (form.kind === 'ld_ind' && insn.imm !== 0) return 'llvm drops the imm of LD_IND';
  if (form.kind === 'lddw' && insn.src !== 0 && insn.nextImm !== 0) return 'llvm drops the 2nd-slot imm of ld_pseudo';
  return undefined;
}

const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

/** Assembles `.byte` lines with llvm-mc and returns llvm-objdump's instruction lines: [{ hex, text }]. */
function objdump(dir, name, byteLines, objdumpTool, flags = []) {
  const src = join(dir, `${name}.s`);
  const obj = join(dir, `${name}.o`);
  writeFileSync(src, `.text\n${byteLines.join('\n')}\n`);
  execFileSync('llvm-mc-16', ['-triple', 'bpfel', '-filetype=obj', '-o', obj, src]);
  const out = execFileSync(objdumpTool, ['-d', ...flags, obj], { encoding: 'utf8' });
  return { listing: out, lines: parseListing(out) };
}

function parseListing(out) {
  const lines = [];
  for (const line of out.split('\n')) {
    const m = /^\s*\d+:\t((?:[0-9a-f]{2} )*[0-9a-f]{2})\t(.*)$/.exec(line);
    if (m) lines.push({ hex: m[1], text: m[2].replace(/ <[^<>]*>$/, '') });
  }
  return lines;
}

/**
 * Assembles each text with llvm-mc-19 (cpu v4) and returns text -> hex of its encoding, for the texts llvm-mc
 * accepts. One line per text; lines llvm-mc rejects are named on stderr and have no encoding on stdout.
 */
function assembleEach(dir, texts) {
  const src = join(dir, 'texts.s');
  writeFileSync(src, `${texts.join('\n')}\n`);
  const r = spawnSync('llvm-mc-19', ['-triple', 'bpfel', '-mcpu=v4', '-show-encoding', src], { encoding: 'utf8' });
  const rejected = new Set();
  for (const m of r.stderr.matchAll(/texts\.s:(\d+):\d+: error/g)) rejected.add(Number(m[1]) - 1);
  const encoded = [...r.stdout.matchAll(/# encoding: \[([^\]]*)\]/g)].map((m) =>
    m[1]
      .split(',')
      .map((b) => b.replace('0x', ''))
      .join(' '),
  );
  const map = new Map();
  let k = 0;
  texts.forEach((text, i) => {
    if (!rejected.has(i) && text !== '<unknown>') map.set(text, encoded[k++]);
  });
  if (k !== encoded.length) throw new Error(`llvm-mc printed ${encoded.length} encodings for ${k} accepted texts`);
  return map;
}

const byteDirective = (bytes) => `.byte ${Array.from(bytes, (b) => `0x${b.toString(16)}`).join(',')}`;

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-llvm-'));
try {
  const entries = [];
  for (const form of FORMS) for (const insn of variants(form)) entries.push({ form, insn });
  const seen = new Set();
  const unique = entries.filter(({ insn }) => {
    const key = hexOf(encodeProgram([insn]));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const byteLines = unique.map(({ insn }) => byteDirective(encodeProgram([insn])));
  const sources = [
    ['llvm16', objdump(dir, 'all', byteLines, 'llvm-objdump-16').lines],
    ['llvm19', objdump(dir, 'all', byteLines, 'llvm-objdump-19').lines],
    ['llvm19-v4', objdump(dir, 'all', byteLines, 'llvm-objdump-19', ['--mcpu=v4']).lines],
  ];
  for (const [name, lines] of sources) {
    if (lines.length !== unique.length) throw new Error(`${name}: ${lines.length} lines for ${unique.length}`);
  }
  // Which texts llvm-mc assembles back into the bytes they were printed for.
  const texts = [...new Set(sources.flatMap(([, lines]) => lines.map((l) => l.text)))];
  const encodings = assembleEach(dir, texts);
  const out = [
    '# Generated by scripts/gen-llvm-objdump-fixture.mjs: HEX<TAB>SOURCE<TAB>TEXT (see the script for the sources).',
  ];
  const counts = {};
  unique.forEach(({ form, insn }, i) => {
    const hex = hexOf(encodeProgram([insn]));
    for (const [name, lines] of sources) if (lines[i].hex !== hex) throw new Error(`${name} out of step at ${hex}`);
    const why = lossy(form, insn);
    let source;
    let text;
    if (why) {
      if (!formatLlvm) throw new Error('build the disassembler first: tsbpf lines need formatLlvm');
      source = 'tsbpf';
      text = `${formatLlvm(insn, 0)} # llvm: ${sources[2][1][i].text} (${why})`;
    } else {
      const found = sources.find(([, lines]) => encodings.get(lines[i].text) === hex);
      if (found) {
        source = found[0];
        text = found[1][i].text;
      } else {
        // llvm-mc-19 rejects some texts its own objdump prints (gotol beyond 16 bits): keep LLVM 19's, marked.
        const last = sources[sources.length - 1];
        if (last[1][i].text === '<unknown>') throw new Error(`no llvm-objdump text of ${hex} reassembles`);
        source = `${last[0]}-unverified`;
        text = last[1][i].text;
        console.log(`unverified: ${hex}\t${text}`);
      }
    }
    out.push(`${hex}\t${source}\t${text}`);
    counts[source] = (counts[source] ?? 0) + 1;
  });
  writeFileSync('test/fixtures/isa/llvm-objdump.txt', `${out.join('\n')}\n`);

  // A whole listing (header, addresses, raw bytes, jump annotations) of a small program, for formatListing.
  const program = [
    { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
    { opcode: 0x18, dst: 1, src: 0, off: 0, imm: 0x55667788, nextImm: 0x11223344 },
    { opcode: 0x79, dst: 2, src: 1, off: 16, imm: 0 },
    { opcode: 0x15, dst: 2, src: 0, off: 3, imm: 0 },
    { opcode: 0x07, dst: 0, src: 0, off: 0, imm: -1 },
    { opcode: 0x2d, dst: 1, src: 2, off: 1, imm: 0 },
    { opcode: 0x05, dst: 0, src: 0, off: -4, imm: 0 },
    { opcode: 0x7b, dst: 10, src: 0, off: -8, imm: 0 },
    { opcode: 0x85, dst: 0, src: 0, off: 0, imm: 1 },
    { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
  ];
  const { listing } = objdump(dir, 'listing', [byteDirective(encodeProgram(program))], 'llvm-objdump-16');
  const body = listing.slice(listing.indexOf('Disassembly of section'));
  writeFileSync('test/fixtures/isa/llvm-objdump-listing.txt', body);
  writeFileSync('test/fixtures/isa/llvm-objdump-listing.bin', encodeProgram(program));
  console.log(`${unique.length} instructions: ${JSON.stringify(counts)}; listing of ${program.length} instructions`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
