import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { formatBtfC } from '../../btf/format-c.js';
import { formatBtfRaw } from '../../btf/format-raw.js';
import { loadBtf } from '../../btf/load.js';

const KERNEL_BTF_DIR = '/sys/kernel/btf';

/**
 * `tsbpf btf dump FILE [--format c|raw] [--base FILE]`: prints BTF as bpftool does. FILE is raw BTF (such as
 * /sys/kernel/btf/vmlinux) or an ELF object with a .BTF section. Kernel module BTF under /sys/kernel/btf is split
 * BTF on top of vmlinux, which is then the default base.
 */
export function register(program: Command): void {
  const btf = program.command('btf').description('inspect BTF type information');
  btf
    .command('dump')
    .description('print the BTF of a raw BTF file or an ELF object (like bpftool btf dump file)')
    .argument('<file>', 'raw BTF (e.g. /sys/kernel/btf/vmlinux) or an ELF object with .BTF')
    .addOption(new Option('--format <format>', 'output format').choices(['raw', 'c']).default('raw'))
    .option('--base <file>', 'base BTF for split BTF (default: vmlinux for kernel module BTF)')
    .action((file: string, options: { format: 'raw' | 'c'; base?: string }) => {
      const basePath = options.base ?? defaultBase(file);
      const base = basePath ? loadBtf(readBytes(basePath), { name: basePath }) : undefined;
      const parsed = loadBtf(readBytes(file), { name: file, base });
      process.stdout.write(options.format === 'c' ? formatBtfC(parsed) : formatBtfRaw(parsed));
    });
}

function readBytes(path: string): Uint8Array {
  const buffer = readFileSync(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** /sys/kernel/btf/<module> is split BTF over /sys/kernel/btf/vmlinux. */
function defaultBase(file: string): string | undefined {
  const full = resolve(file);
  if (dirname(full) === KERNEL_BTF_DIR && basename(full) !== 'vmlinux') return `${KERNEL_BTF_DIR}/vmlinux`;
  return undefined;
}
