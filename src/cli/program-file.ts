import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import { type AsmOptions, assemble } from '../isa/asm.js';
import { checkJumpTargets, decodeProgram } from '../isa/decode.js';
import { IsaError } from '../isa/errors.js';
import type { Instruction } from '../isa/instruction.js';
import { loadObjectSpec } from '../object/load.js';
import type { ObjectSpec, ProgramSpec } from '../object/types.js';

/** What kind of program file a path holds; the one place the CLI decides it (ELF objects come later). */
export type ProgramFileKind = 'elf' | 'raw' | 'hex' | 'asm';

const ASM_EXTENSIONS = new Set(['.s', '.asm']);
const RAW_EXTENSIONS = new Set(['.bin', '.raw']);

/**
 * Decides a file's kind: ELF by its magic number, then by extension (`.s`/`.asm` assembly, `.bin`/`.raw` raw
 * 8-byte instruction slots), then by content: raw eBPF nearly always holds zero bytes (exit is 95 00 00 ...),
 * assembly text never does.
 */
export function programFileKind(path: string, bytes: Uint8Array): ProgramFileKind {
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return 'elf';
  const ext = extname(path).toLowerCase();
  if (ASM_EXTENSIONS.has(ext)) return 'asm';
  if (RAW_EXTENSIONS.has(ext)) return 'raw';
  if (bytes.includes(0)) return 'raw';
  return isHexText(new TextDecoder().decode(bytes)) ? 'hex' : 'asm';
}

/** Hex text: what `tsbpf asm` prints without -o, one 8-byte slot per line (`b7 00 00 00 01 00 00 00`). */
function isHexText(text: string): boolean {
  const tokens = text
    .replace(/(#|\/\/).*$/gm, '')
    .split(/\s+/)
    .filter(Boolean);
  return tokens.length > 0 && tokens.length % 8 === 0 && tokens.every((t) => /^[0-9a-fA-F]{2}$/.test(t));
}

function hexTextBytes(text: string): Uint8Array {
  const tokens = text
    .replace(/(#|\/\/).*$/gm, '')
    .split(/\s+/)
    .filter(Boolean);
  return Uint8Array.from(tokens, (t) => Number.parseInt(t, 16));
}

/** A program file that cannot be read as instructions; the message starts with the path. */
export class ProgramFileError extends InputError {
  override name = 'ProgramFileError';
}

/** Options of `loadProgramFile`: the assembler's, and for ELF objects which program to take. */
export interface ProgramFileOptions extends AsmOptions {
  /** ELF objects: the program whose section (or, failing that, whose name) this is; the first program by default. */
  section?: string;
}

/** An ELF object's program picked by `--section`: by section name, then by program name; the first by default. */
export function pickProgram(spec: ObjectSpec, path: string, section?: string): ProgramSpec {
  if (spec.programs.length === 0) throw new ProgramFileError(`${path}: the object has no programs`);
  if (section === undefined) return spec.programs[0]!;
  const found = spec.programs.find((p) => p.section === section) ?? spec.programs.find((p) => p.name === section);
  if (found) return found;
  const known = spec.programs.map((p) => `${p.section} (${p.name})`).join(', ');
  throw new ProgramFileError(`${path}: no program in section '${section}'; the object has ${known}`);
}

/** Reads an ELF object file into its spec (errors name the file). */
export function loadObjectFile(path: string): ObjectSpec {
  const buffer = readFileSync(path);
  return loadObjectSpec(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), { name: path });
}

/** The linked program of an ELF object file picked by `section` (see `pickProgram`). */
export function loadObjectProgram(path: string, section?: string): ProgramSpec {
  return pickProgram(loadObjectFile(path), path, section);
}

/**
 * Loads the instructions of a program file: assembly (either syntax, `options.syntax`), raw bytes
 * (little-endian 8-byte slots, validated) or an ELF object's program (`options.section`, linked with its
 * subprograms; map references are left for a loader). Errors name the file.
 */
export function loadProgramFile(path: string, options: ProgramFileOptions = {}): Instruction[] {
  const buffer = readFileSync(path);
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const kind = programFileKind(path, bytes);
  switch (kind) {
    case 'elf':
      return pickProgram(loadObjectSpec(bytes, { name: path }), path, options.section).instructions;
    case 'asm': {
      const { insns } = assemble(new TextDecoder().decode(bytes), { ...options, file: options.file ?? path });
      try {
        checkJumpTargets(insns); // the assembler encodes `goto +N` as written; the program must still be whole
      } catch (err) {
        if (err instanceof IsaError) throw new ProgramFileError(`${path}: ${err.message}`, { cause: err });
        throw err;
      }
      return insns;
    }
    case 'hex':
    case 'raw':
      try {
        return decodeProgram(kind === 'hex' ? hexTextBytes(new TextDecoder().decode(bytes)) : bytes);
      } catch (err) {
        if (err instanceof IsaError) throw new ProgramFileError(`${path}: ${err.message}`, { cause: err });
        throw err;
      }
  }
}
