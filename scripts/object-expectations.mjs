// Condenses what llvm-objdump and bpftool said about each fixture object (FILE.objdump.txt, FILE.skel.h) into
// FILE.expect.json: code sections, function symbols with their sizes in instructions, and the skeleton's program
// and map names. Run by build-object-fixtures.sh with the fixture directory as argument, then optionally the
// FILE.bpf.c sources to limit it to.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.';
const only = new Set(process.argv.slice(3).map((src) => src.replace(/^.*\//, '').replace(/\.c$/, '.o')));
const objects = readdirSync(dir).filter((f) => f.endsWith('.bpf.o') && (only.size === 0 || only.has(f)));
for (const file of objects) {
  const base = file.slice(0, -2);
  const objdump = readFileSync(join(dir, `${base}.objdump.txt`), 'utf8');
  const sections = [];
  for (const m of objdump.matchAll(/^\s*(\d+) (\S+)\s+([0-9a-f]{8}) [0-9a-f]{16} ?(\w*)$/gm)) {
    sections.push({ name: m[2], size: Number.parseInt(m[3], 16), type: m[4] });
  }
  // SYMBOL TABLE lines: value, flags (7 columns), section, size, name.
  const functions = [];
  for (const m of objdump.matchAll(/^([0-9a-f]{16}) (.{7}) (\S+)\s+([0-9a-f]{16}) (\S+)$/gm)) {
    if (m[2].trim().endsWith('F')) {
      functions.push({
        name: m[5],
        section: m[3],
        offset: Number.parseInt(m[1], 16),
        insns: Number.parseInt(m[4], 16) / 8,
        global: m[2][0] === 'g',
      });
    }
  }
  const out = { object: file, sections, functions };
  const skel = join(dir, `${base}.skel.h`);
  if (existsSync(skel)) {
    const text = readFileSync(skel, 'utf8');
    const block = (type, field) => {
      const m = text.match(new RegExp(`struct \\{\\n((?:\\t\\tstruct ${type} \\*\\w+;\\n)*)\\t\\} ${field};`));
      return m ? [...m[1].matchAll(/\*(\w+);/g)].map((x) => x[1]) : [];
    };
    const names = (field) =>
      [...text.matchAll(new RegExp(`s->${field}\\[\\d+\\]\\.name = "([^"]+)";`, 'g'))].map((m) => m[1]);
    out.skeleton = {
      maps: block('bpf_map', 'maps'),
      mapNames: names('maps'),
      programs: block('bpf_program', 'progs'),
      programNames: names('progs'),
    };
  } else {
    out.skeleton = null;
    out.skeletonError = readFileSync(join(dir, `${base}.skel.err`), 'utf8')
      .trim()
      .split('\n')
      .slice(-2)
      .join(' ');
  }
  writeFileSync(join(dir, `${base}.expect.json`), `${JSON.stringify(out, null, 2)}\n`);
}
