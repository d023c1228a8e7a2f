import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { register as registerAsm } from '../../src/cli/commands/asm.js';
import { register as registerDisasm } from '../../src/cli/commands/disasm.js';
import { loadProgramFile, ProgramFileError, programFileKind } from '../../src/cli/program-file.js';
import { AsmError } from '../../src/isa/asm-error.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-asm-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tsbpf ARGS` with just the asm and disasm commands and returns what it wrote to stdout. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('tsbpf').exitOverride();
  registerAsm(program);
  registerDisasm(program);
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out;
}

const SOURCE = 'r0 = 1\nr1 = 0x1122334455667788 ll\nif r1 > r2 goto out\nw3 = (s8)w4\nout: exit\n';

describe('tsbpf asm and disasm', () => {
  const src = join(dir, 'prog.s');
  writeFileSync(src, SOURCE);

  it('asm prints one 8-byte slot per line in hex without -o', async () => {
    assert.equal(
      await run('asm', src),
      [
        'b7 00 00 00 01 00 00 00',
        '18 01 00 00 88 77 66 55',
        '00 00 00 00 44 33 22 11',
        '2d 21 01 00 00 00 00 00',
        'bc 43 08 00 00 00 00 00',
        '95 00 00 00 00 00 00 00',
        '',
      ].join('\n'),
    );
  });

  it('asm -o writes raw bytes that disasm lists like llvm-objdump', async () => {
    const bin = join(dir, 'prog.bin');
    await run('asm', src, '-o', bin);
    assert.equal(readFileSync(bin).length, 48);
    assert.equal(
      await run('disasm', bin),
      [
        '       0:\tb7 00 00 00 01 00 00 00\tr0 = 0x1',
        '       1:\t18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\tr1 = 0x1122334455667788 ll',
        '       3:\t2d 21 01 00 00 00 00 00\tif r1 > r2 goto +0x1',
        '       4:\tbc 43 08 00 00 00 00 00\tw3 = (s8)w4',
        '       5:\t95 00 00 00 00 00 00 00\texit',
        '',
      ].join('\n'),
    );
  });

  it('disasm output in either syntax assembles back into the same bytes', async () => {
    const bin = join(dir, 'prog.bin');
    await run('asm', src, '-o', bin);
    for (const syntax of ['llvm', 'ubpf']) {
      const text = join(dir, `again-${syntax}.s`);
      writeFileSync(text, await run('disasm', bin, '--syntax', syntax));
      const again = join(dir, `again-${syntax}.bin`);
      await run('asm', text, '-o', again);
      assert.deepEqual(readFileSync(again), readFileSync(bin), syntax);
    }
  });

  it('disasm reads assembly too, and leaves out bytes on request', async () => {
    assert.match(await run('disasm', src, '--no-raw-insn'), /^ {7}0:\tr0 = 0x1\n/);
  });
});

describe('loadProgramFile', () => {
  it('tells ELF, raw and assembly apart by magic, extension, then content', () => {
    const elf = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    assert.equal(programFileKind('x.bin', elf), 'elf');
    assert.equal(programFileKind('x.s', new Uint8Array([0x95, 0, 0, 0, 0, 0, 0, 0])), 'asm');
    assert.equal(programFileKind('x', new Uint8Array([0x95, 0, 0, 0, 0, 0, 0, 0])), 'raw');
    assert.equal(programFileKind('x', new TextEncoder().encode('exit\n')), 'asm');
  });

  it('names the file in decode and assembly errors', () => {
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, new Uint8Array([0x8f, 0, 0, 0, 0, 0, 0, 0]));
    assert.throws(
      () => loadProgramFile(bad),
      (e: unknown) => e instanceof ProgramFileError && e.message.includes(bad),
    );
    const badAsm = join(dir, 'bad.s');
    writeFileSync(badAsm, 'exit\nfrob\n');
    assert.throws(
      () => loadProgramFile(badAsm),
      (e: unknown) => e instanceof AsmError && e.message === `${badAsm}: line 2, column 1: unknown instruction 'frob'`,
    );
  });
});
