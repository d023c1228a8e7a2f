/**
 * CO-RE's name rules. A local type `task_struct___old` is a "flavour" of `task_struct`: everything from the last
 * `___` on is ignored when looking for candidates, which lets one program carry several layouts of a kernel type.
 */
import type { Btf } from './btf.js';
import { BtfKind } from './kinds.js';

/** libbpf's bpf_core_is_flavor_sep: `X___Y` where neither X nor Y is an underscore. */
function isFlavorSeparator(name: string, i: number): boolean {
  return name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_';
}

/** Length of the name without its flavour suffix (libbpf's bpf_core_essential_name_len). */
export function essentialNameLength(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (isFlavorSeparator(name, i)) return i + 1;
  }
  return name.length;
}

/** The name without its flavour suffix: `task_struct___old` becomes `task_struct`. */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/** libbpf's bpf_core_names_match: both anonymous, or equal essential names. */
export function namesMatch(local: string, target: string): boolean {
  if (target === '') return local === '';
  return essentialName(local) === essentialName(target);
}

export function isAnyEnum(kind: number): boolean {
  return kind === BtfKind.Enum || kind === BtfKind.Enum64;
}

/** btf_kind_core_compat: same kind, or both enums (ENUM and ENUM64 are interchangeable for CO-RE). */
export function kindsCoreCompat(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  const a = local.kind(localId);
  const b = target.kind(targetId);
  return a === b || (isAnyEnum(a) && isAnyEnum(b));
}
