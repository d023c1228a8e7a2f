/**
 * Resolving one CO-RE relocation against a target BTF (libbpf's bpf_core_calc_relo_insn): parse the local spec,
 * try it on every candidate, insist that all matching candidates agree, and compute the values to patch in.
 */

import { InputError } from '../errors.js';
import type { Btf } from './btf.js';
import { type CoreValues, calcCoreValues } from './core-calc.js';
import { CoreCandidateCache } from './core-candidates.js';
import { type CoreRelocationContext, CoreRelocationError } from './core-errors.js';
import { CoreReloKind, coreReloKindName } from './core-kinds.js';
import { matchCoreSpec } from './core-match.js';
import {
  type CoreRelocationInput,
  type CoreSpec,
  formatAccess,
  formatCoreSpec,
  kindString,
  parseCoreSpec,
} from './core-spec.js';

export interface CoreResolution extends CoreValues {
  kind: number;
  /** libbpf's kind name: `byte_off`, `field_exists`, `type_size`, `enumval_value`, ... */
  kindName: string;
  /** The access as C writes it, e.g. `task_struct.pid` (from the local BTF). */
  access: string;
  localSpec: CoreSpec;
  /** The spec in the first matching candidate; undefined when nothing matched. */
  targetSpec: CoreSpec | undefined;
  /** Target type ids that matched (all agreed on the result). */
  candidates: number[];
}

export interface ResolveCoreOptions {
  /** Candidate lists shared across relocations (libbpf's per-object cache); a fresh one by default. */
  cache?: CoreCandidateCache;
  /** For error messages: program name, relocation index and instruction index. */
  context?: CoreRelocationContext;
}

/**
 * Resolves one relocation of `localBtf` (the object's BTF) against `targetBtf` (the kernel's, or any BTF). Throws
 * `CoreRelocationError` (naming program, relocation, instruction, kind and access) when libbpf would fail the
 * load: malformed access, anonymous root type, candidates that disagree.
 */
export function resolveCoreRelocation(
  relo: CoreRelocationInput,
  localBtf: Btf,
  targetBtf: Btf,
  options: ResolveCoreOptions = {},
): CoreResolution {
  if (options.cache && options.cache.target !== targetBtf) {
    throw new Error('resolveCoreRelocation: the candidate cache was made for another target BTF');
  }
  const context: CoreRelocationContext = {
    ...options.context,
    kindName: coreReloKindName(relo.kind),
    access: relo.accessString,
  };
  try {
    localBtf.checkId(relo.typeId);
    const localSpec = parseCoreSpec(localBtf, relo);
    context.access = formatAccess(localSpec);
    return resolveParsed(relo, localSpec, targetBtf, options.cache ?? new CoreCandidateCache(targetBtf));
  } catch (err) {
    if (err instanceof InputError) throw new CoreRelocationError(context, err.message);
    throw err;
  }
}

function resolveParsed(
  relo: CoreRelocationInput,
  localSpec: CoreSpec,
  target: Btf,
  cache: CoreCandidateCache,
): CoreResolution {
  const local = localSpec.btf;
  const base = {
    kind: relo.kind,
    kindName: coreReloKindName(relo.kind),
    access: formatAccess(localSpec),
    localSpec,
  };

  if (relo.kind === CoreReloKind.TypeIdLocal) {
    // The local id needs no target; it may have changed when objects were linked, so it is not checked.
    const id = BigInt(localSpec.rootTypeId);
    return {
      ...base,
      ...calcNothing(),
      origValue: id,
      newValue: id,
      validate: false,
      targetSpec: undefined,
      candidates: [],
    };
  }
  if (local.name(relo.typeId) === '') {
    throw new CoreRelocationError(
      {},
      `[${relo.typeId}] ${kindString(local, relo.typeId)} <anon>: CO-RE relocations of anonymous types are not supported`,
    );
  }

  const cands = cache.get(local, relo.typeId);
  let chosen: { spec: CoreSpec; values: CoreValues } | undefined;
  const kept: number[] = [];
  for (const id of cands) {
    const spec = matchCoreSpec(localSpec, target, id);
    if (!spec) continue;
    const values = calcCoreValues(localSpec, spec);
    if (!chosen) {
      chosen = { spec, values };
    } else if (spec.bitOffset !== chosen.spec.bitOffset) {
      throw new CoreRelocationError(
        {},
        `field offset ambiguity: ${formatCoreSpec(spec)} != ${formatCoreSpec(chosen.spec)}`,
      );
    } else if (values.poison !== chosen.values.poison || values.newValue !== chosen.values.newValue) {
      throw new CoreRelocationError(
        {},
        `relocation decision ambiguity: candidate [${id}] gives ${describe(values)}, [${chosen.spec.rootTypeId}] gives ${describe(chosen.values)}`,
      );
    }
    kept.push(id);
  }
  // Later relocations of the same root type only consider the candidates that matched here (when any did).
  if (kept.length > 0) cands.splice(0, cands.length, ...kept);

  if (!chosen) {
    return { ...base, ...calcCoreValues(localSpec, undefined), targetSpec: undefined, candidates: [] };
  }
  return { ...base, ...chosen.values, targetSpec: chosen.spec, candidates: kept };
}

function describe(v: CoreValues): string {
  return v.poison ? 'failure' : `success ${v.newValue}`;
}

function calcNothing(): CoreValues {
  return {
    origValue: 0n,
    newValue: 0n,
    poison: false,
    validate: true,
    failMemSizeAdjust: false,
    origSize: 0,
    newSize: 0,
    origTypeId: 0,
    newTypeId: 0,
  };
}
