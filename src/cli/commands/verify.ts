import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { InputError } from '../../errors.js';
import { assemble } from '../../isa/asm.js';
import { decodeProgram } from '../../isa/decode.js';
import { IsaError } from '../../isa/errors.js';
import { type Instruction, slotIndexes } from '../../isa/instruction.js';
import { mapTypeFromName } from '../../maps/types.js';
import { type MapInfo, progTypeFromSection, type VerifyResult, verifyProgram } from '../../verifier/index.js';
import { loadProgramFile, ProgramFileError, programFileKind } from '../program-file.js';

/**
 * `tsbpf verify FILE [--type T] [--section S] [--log-level N] [--unprivileged] [--map SPEC]... [--json]`.
 *
 * Verifies a raw program (.bin) or assembly (.s) as the kernel's verifier would for program type T (libbpf's
 * section names: xdp, socket, kprobe, tracepoint, tc, cgroup_skb...). Raw bytes are not validated before
 * verification: an unknown opcode is a rejection with the kernel's message, not bad input. Map references
 * (`ld_pseudo rN, 1, I`) index the `--map` options in order. Exit 0 accepted, 1 rejected, 2 bad input.
 */
export function register(program: Command): void {
  program
    .command('verify')
    .description('statically verify a program as the kernel would, explaining any rejection')
    .argument('<file>', 'raw instructions (.bin) or assembly (.s)')
    .option('--type <type>', 'program type or libbpf section name (xdp, socket, kprobe, tracepoint, tc, cgroup_skb...)')
    .option('--section <name>', 'section name; also selects the program type when --type is absent')
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
        const typeName = opts.type ?? opts.section;
        if (!typeName) throw new InputError('verify: give the program type with --type (e.g. --type xdp)');
        if (!progTypeFromSection(typeName)) throw new InputError(`verify: unknown program type '${typeName}'`);
        const { insns, lines } = readInstructions(file);
        const maps = (opts.map ?? []).map(parseMapSpec);
        const logLevel = Number(opts.logLevel) as 0 | 1 | 2;
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
