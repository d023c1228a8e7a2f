import type { Command } from 'commander';

/** A `tsbpf` subcommand: adds itself (its options and action) to the root program. */
export type RegisterCommand = (program: Command) => void;
