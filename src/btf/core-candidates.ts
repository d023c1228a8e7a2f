/**
 * Candidate target types for a local type: every target type whose name equals the local name once both lose
 * their `___flavour` suffix, and whose kind is CO-RE compatible (libbpf's bpf_core_add_cands). Lists are kept per
 * local type and pruned as relocations reject candidates, as libbpf's per-object candidate cache is, so all the
 * relocations of an object that share a root type settle on the same target types.
 */
import type { Btf } from './btf.js';
import { essentialName, kindsCoreCompat } from './core-names.js';

const nameIndexes = new WeakMap<Btf, Map<string, number[]>>();

/** Target type ids by essential name, built once per BTF (a linear scan of vmlinux takes a few milliseconds). */
function essentialNameIndex(btf: Btf): Map<string, number[]> {
  let index = nameIndexes.get(btf);
  if (index) return index;
  index = new Map();
  for (let id = 1; id < btf.typeCount; id++) {
    const off = btf.nameOffset(id);
    if (off === 0) continue;
    const name = btf.str(off);
    if (name === '') continue;
    const key = essentialName(name);
    const list = index.get(key);
    if (list) list.push(id);
    else index.set(key, [id]);
  }
  nameIndexes.set(btf, index);
  return index;
}

/** Candidate ids in `target` for local type `localId` (which must be named), in id order. */
export function findCandidates(local: Btf, localId: number, target: Btf): number[] {
  const name = essentialName(local.name(localId));
  const ids = essentialNameIndex(target).get(name) ?? [];
  return ids.filter((id) => kindsCoreCompat(local, localId, target, id));
}

/**
 * Candidate lists shared by the relocations of one object against one target. Pass the same cache to
 * `applyCoreRelocations` for every program of an object to get libbpf's behaviour across programs.
 */
export class CoreCandidateCache {
  private readonly lists = new WeakMap<Btf, Map<number, number[]>>();

  constructor(readonly target: Btf) {}

  /** The (mutable, prunable) candidate list of a local root type. */
  get(local: Btf, localId: number): number[] {
    let perLocal = this.lists.get(local);
    if (!perLocal) {
      perLocal = new Map();
      this.lists.set(local, perLocal);
    }
    let list = perLocal.get(localId);
    if (!list) {
      list = findCandidates(local, localId, this.target);
      perLocal.set(localId, list);
    }
    return list;
  }
}
