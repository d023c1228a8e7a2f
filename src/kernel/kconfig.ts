/**
 * The `.kconfig` map's value: `extern int LINUX_KERNEL_VERSION __kconfig;` and `extern bool CONFIG_X __kconfig;`
 * resolved against the running kernel, as libbpf does. Tristates read y = 1, m = 2, n = 0; numbers are stored in
 * the extern's size; quoted strings as NUL-padded chars. A missing option is an error unless the extern is weak.
 */
import type { ExternSpec, MapSpec } from '../object/types.js';
import { CollectionLoadError } from './load-errors.js';

export function kconfigValue(
  map: MapSpec,
  externs: readonly ExternSpec[],
  versionCode: number,
  config: ReadonlyMap<string, string> | undefined,
): Uint8Array {
  const value = new Uint8Array(map.valueSize);
  const view = new DataView(value.buffer);
  for (const extern of externs) {
    if (extern.kind !== 'kconfig' || extern.offset === undefined || extern.size === undefined) continue;
    const { offset, size } = extern;
    if (offset + size > value.length) {
      throw new CollectionLoadError(`kconfig extern "${extern.name}" lies outside the .kconfig map`);
    }
    let text: string | undefined;
    if (extern.name === 'LINUX_KERNEL_VERSION') text = String(versionCode);
    else if (extern.name === 'LINUX_HAS_BPF_COOKIE' || extern.name === 'LINUX_HAS_SYSCALL_WRAPPER') text = 'y';
    else text = config?.get(extern.name);
    if (text === undefined) {
      if (extern.weak) continue;
      const why = config ? 'the running kernel does not set it' : 'the running kernel publishes no config';
      throw new CollectionLoadError(`kconfig extern "${extern.name}": ${why}`);
    }
    if (text.startsWith('"')) {
      const bytes = new TextEncoder().encode(text.slice(1, text.endsWith('"') ? -1 : undefined));
      value.set(bytes.subarray(0, size - 1), offset);
      continue;
    }
    let number: bigint;
    if (text === 'y') number = 1n;
    else if (text === 'm') number = 2n;
    else if (text === 'n') number = 0n;
    else if (/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) number = BigInt(text);
    else throw new CollectionLoadError(`kconfig extern "${extern.name}": cannot use value ${text}`);
    for (let i = 0; i < size; i++)
      view.setUint8(offset + i, Number((BigInt.asUintN(64, number) >> BigInt(i * 8)) & 0xffn));
  }
  return value;
}
