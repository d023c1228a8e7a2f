import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import type { Btf } from '../../btf/btf.js';
import { loadTargetBtf, VMLINUX_BTF_PATH } from '../../btf/core-node.js';
import { InputError } from '../../errors.js';
import { assemble } from '../../isa/asm.js';
import { decodeProgram } from '../../isa/decode.js';
import { IsaError } from '../../isa/errors.js';
import { type Instruction, slotIndexes } from '../../isa/instruction.js';
import { mapTypeFromName } from '../../maps/types.js';
import type { ObjectSpec, ProgramSpec } from '../../object/types.js';
import { type ObjectVerifyOptions, verifyObjectProgram } from '../../verifier/object.js';
import { type MapInfo, progTypeFromSection, type VerifyResult, verifyProgram } from '../../verifier/index.js';
import { loadObjectFile, loadProgramFile, ProgramFileError, programFileKind } from '../program-file.js';

/**
 * `tsbpf verify FILE [--type T] [--section S] [--log-level N] [--unprivileged] [--map SPEC]... [--json]`.
 *
 * FILE is an ELF object (every program in it, or those of section S) or a raw program (.bin) / assembly (.s)
 * verified as program type T (libbpf's section names: xdp, socket, kprobe, tracepoint, tc, cgroup_skb...).
 * Objects bring their maps, subprograms, line info and CO-RE relocations (resolved against the running
 * kernel's BTF when it publishes one). Raw bytes are not validated before verification: an unknown opcode is a
 * rejection with the kernel's message, not bad input. Map references in raw programs (`ld_pseudo rN, 1, I`)
 * index the `--map` options in order. Exit 0 when every program is accepted, 1 when one is rejected, 2 bad input.
 */
export function register(program: Command): void {
  program
    .command('verify')
    .description('statically verify a program as the kernel would, explaining any rejection')
    .argument('<file>', 'ELF object (.o), raw instructions (.bin) or assembly (.s)')
    .option('--type <type>', 'program type or libbpf section name (xdp, socket, kprobe, tracepoint, tc, cgroup_skb...)')
    .option('--section <name>', 'objects: verify only this section (or program); else the program type if no --type')
    .addOption(
      new Option('--log-level <n>', 'per-instruction state log (1: changed registers, 2: all)')
        .choices(['0', '1', '2'])
        .default('0'),
    )
    .option('--unprivileged', 'verify as a user without CAP_BPF/CAP_PERFMON')
    .option(
      '--map <spec...>',
      'a map the program references, TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES (e.g. hash:4:8:1024)',
    )
    .option('--json', 'print {"verdict", "programs": [...]}')
    .action(
      (
        file: string,
        opts: {
          type?: string;
          section?: string;
          logLevel: string;
          unprivileged?: boolean;
          map?: string[];
          json?: boolean;
        },
      ) => {
        const logLevel = Number(opts.logLevel) as 0 | 1 | 2;
        const buffer = readFileSync(file);
        if (programFileKind(file, new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)) === 'elf') {
          verifyObjectFile(file, { section: opts.section, logLevel, unprivileged: opts.unprivileged, json: opts.json });
          return;
        }
        const typeName = opts.type ?? opts.section;
        if (!typeName) throw new InputError('verify: give the program type with --type (e.g. --type xdp)');
        if (!progTypeFromSection(typeName)) throw new InputError(`verify: unknown program type '${typeName}'`);
        const { insns, lines } = readInstructions(file);
        const maps = (opts.map ?? []).map(parseMapSpec);
        const started = performance.now();
        const result = verifyProgram(insns, {
          progType: typeName,
          maps,
          unprivileged: opts.unprivileged,
          logLevel,
          btfLineInfo: lines,
        });
        const durationNs = Math.round((performance.now() - started) * 1e6);
        const section = opts.section ?? typeName;
        if (opts.json) {
          const out = { verdict: result.verdict, programs: [programJson(result, section, basename(file), durationNs)] };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else {
          if (logLevel > 0) process.stdout.write(result.log);
          process.stdout.write(
            result.verdict === 'accepted'
              ? `${file}: accepted (${result.processedInsns} instructions processed)\n`
              : `${file}: rejected\n${result.message}\n`,
          );
        }
        if (result.verdict === 'rejected') process.exitCode = 1;
      },
    );
}

interface ObjectRunOptions {
  section?: string;
  logLevel: 0 | 1 | 2;
  unprivileged?: boolean;
  json?: boolean;
}

/** Verifies every program of an object (or those of one section), printing one verdict per program. */
function verifyObjectFile(file: string, opts: ObjectRunOptions): void {
  const spec = loadObjectFile(file);
  const programs = selectPrograms(spec, file, opts.section);
  const options: ObjectVerifyOptions = {
    unprivileged: opts.unprivileged,
    logLevel: opts.logLevel,
    targetBtf: programs.some((p) => p.coreRelocations.length) ? kernelBtf() : undefined,
  };
  const results = programs.map((p) => verifyObjectProgram(spec, p, options));
  const rejected = results.some((r) => r.verdict === 'rejected');
  if (opts.json) {
    const out = {
      verdict: rejected ? 'rejected' : 'accepted',
      programs: results.map((r) => programJson(r, r.section, r.name, r.durationNs)),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const r of results) {
      if (opts.logLevel > 0) process.stdout.write(r.log);
      const what = `${file} ${r.section} (${r.name})`;
      process.stdout.write(
        r.verdict === 'accepted'
          ? `${what}: accepted (${r.processedInsns} instructions processed)\n`
          : `${what}: rejected${r.unsupported ? ' (not modelled by tsbpf; the kernel may accept it)' : ''}\n${r.message}\n`,
      );
    }
  }
  if (rejected) process.exitCode = 1;
}

/** The programs of `section` (by section name, else by program name), or every program. */
function selectPrograms(spec: ObjectSpec, file: string, section?: string): ProgramSpec[] {
  if (spec.programs.length === 0) throw new ProgramFileError(`${file}: the object has no programs`);
  if (section === undefined) return spec.programs;
  const inSection = spec.programs.filter((p) => p.section === section);
  if (inSection.length) return inSection;
  const named = spec.programs.filter((p) => p.name === section);
  if (named.length) return named;
  const known = spec.programs.map((p) => `${p.section} (${p.name})`).join(', ');
  throw new ProgramFileError(`${file}: no program in section '${section}'; the object has ${known}`);
}

/** The running kernel's BTF for CO-RE, or undefined (the object's own BTF is used) when it has none. */
function kernelBtf(): Btf | undefined {
  if (!existsSync(VMLINUX_BTF_PATH)) return undefined;
  try {
    return loadTargetBtf();
  } catch {
    return undefined;
  }
}

function programJson(r: VerifyResult, section: string, name: string, durationNs: number): Record<string, unknown> {
  return {
    section,
    name,
    verdict: r.verdict,
    insn: r.insn,
    line: r.line ?? null,
    message: r.verdict === 'accepted' ? '' : r.message,
    kernel_message: r.kernelMessage,
    suggestion: r.suggestion ?? null,
    registers: r.regs.map((x) => x.state),
    path: r.path,
    processed_insns: r.processedInsns,
    duration_ns: durationNs,
    ...(r.unsupported ? { unsupported: true } : {}),
    ...(r.log ? { log: r.log } : {}),
  };
}

/**
 * Assembly is assembled here (so rejections can name the source line); raw bytes are decoded without validation
 * so the verifier judges them; anything else goes through the shared loader.
 */
function readInstructions(file: string): { insns: Instruction[]; lines?: { insn: number; line: string }[] } {
  const buffer = readFileSync(file);
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const kind = programFileKind(file, bytes);
  if (kind === 'asm') {
    const text = new TextDecoder().decode(bytes);
    const program = assemble(text, { file });
    const source = text.split('\n');
    const pcs = slotIndexes(program.insns);
    const lines = program.lines.map((n, i) => ({
      insn: pcs[i]!,
      line: `${file}:${n}: ${source[n - 1]?.trim() ?? ''}`,
    }));
    return { insns: program.insns, lines };
  }
  if (kind !== 'raw') return { insns: loadProgramFile(file) };
  try {
    return { insns: decodeProgram(bytes, { validate: false }) };
  } catch (err) {
    if (err instanceof IsaError) throw new ProgramFileError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

function parseMapSpec(spec: string): MapInfo {
  const parts = spec.split(':');
  const type = mapTypeFromName(parts[0] ?? '');
  const nums = parts.slice(1).map(Number);
  if (type === undefined || nums.length !== 3 || nums.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InputError(`--map ${spec}: expected TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES, e.g. hash:4:8:1024`);
  }
  return { type, keySize: nums[0]!, valueSize: nums[1]!, maxEntries: nums[2]! };
}
