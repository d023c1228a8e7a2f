import type { RegisterCommand } from '../command.js';

/** Every subcommand, in the order `tsbpf --help` lists them. */
export const commands: RegisterCommand[] = [];
