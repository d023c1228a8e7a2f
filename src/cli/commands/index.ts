import type { RegisterCommand } from '../command.js';
import { register as conformance } from './conformance.js';

/** Every subcommand, in the order `tsbpf --help` lists them. */
export const commands: RegisterCommand[] = [conformance];
