import type { RegisterCommand } from '../command.js';
import { register as asm } from './asm.js';
import { register as attach } from './attach.js';
import { register as btf } from './btf.js';
import { register as conformance } from './conformance.js';
import { register as disasm } from './disasm.js';
import { register as filter } from './filter.js';
import { register as inspect } from './inspect.js';
import { register as run } from './run.js';
import { register as verify } from './verify.js';

/** Every subcommand, in the order `tsbpf --help` lists them. */
export const commands: RegisterCommand[] = [asm, disasm, run, verify, conformance, filter, inspect, btf, attach];
