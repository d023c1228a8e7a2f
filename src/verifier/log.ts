/**
 * The state log in the kernel's shape: `0: (b7) r0 = 0 ; R0_w=0` per processed instruction (level 1 shows the
 * registers an instruction changed, level 2 every live register), `from 4 to 7:` when a pending branch resumes,
 * and `processed N insns` at the end. Instruction text is llvm-objdump's, not the kernel's own disassembly.
 */
import { formatLlvm } from '../isa/disasm-llvm.js';
import { type Env, mapName } from './env.js';
import { formatReg, type Reg } from './reg.js';
import { curFrame, type VerifierState } from './state.js';

/** Lines kept at most, so a million-instruction exploration does not exhaust memory. */
const MAX_LINES = 200_000;

function regsText(env: Env, state: VerifierState, filter?: (r: Reg, i: number) => boolean): string {
  const regs = curFrame(state).regs;
  const parts: string[] = [];
  regs.forEach((r, i) => {
    if (r.type === 'not_init') return;
    if (filter && !filter(r, i)) return;
    parts.push(`R${i}=${formatReg(r, (m) => mapName(env, m))}`);
  });
  return parts.join(' ');
}

export class StateLog {
  private readonly lines: string[] = [];
  private truncated = false;

  constructor(readonly level: number) {}

  get enabled(): boolean {
    return this.level > 0 && !this.truncated;
  }

  private push(line: string): void {
    if (this.lines.length >= MAX_LINES) {
      if (!this.truncated) this.lines.push('... log truncated');
      this.truncated = true;
      return;
    }
    this.lines.push(line);
  }

  /** The initial state line, `0: R1=ctx() R10=fp0`. */
  start(env: Env): void {
    if (this.enabled) this.push(`0: ${regsText(env, env.state)}`);
  }

  insn(env: Env, pc: number, before: VerifierState, after: VerifierState): void {
    if (!this.enabled) return;
    const insn = env.layout.at[pc]!;
    const head = `${pc}: (${insn.opcode.toString(16).padStart(2, '0')}) ${formatLlvm(insn, pc)}`;
    const beforeRegs = curFrame(before).regs;
    const changed =
      this.level >= 2
        ? regsText(env, after)
        : regsText(env, after, (r, i) => JSON.stringify(r, big) !== JSON.stringify(beforeRegs[i], big));
    this.push(changed ? `${head.padEnd(40)}; ${changed}` : head);
  }

  fork(pc: number, target: number): void {
    if (this.level >= 2 && this.enabled) this.push(`${pc}: pushed branch to ${target}`);
  }

  resume(env: Env, pc: number, state: VerifierState): void {
    if (!this.enabled) return;
    const from = state.path[state.path.length - 1]?.pc ?? pc;
    this.push(`from ${from} to ${pc}: ${regsText(env, state)}`);
  }

  pruned(pc: number): void {
    if (this.enabled) this.push(`${pc}: safe`);
  }

  error(message: string): void {
    if (this.level > 0) for (const l of message.split('\n')) this.lines.push(l);
  }

  finish(processed: number): string {
    if (this.level === 0) return '';
    return `${[...this.lines, `processed ${processed} insns (limit 1000000)`].join('\n')}\n`;
  }
}

const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);
