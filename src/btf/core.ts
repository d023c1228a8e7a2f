/** CO-RE: relocating a program's field offsets, type facts and enum values to a target BTF, as libbpf does. */

export {
  type ApplyCoreOptions,
  applyCoreRelocations,
  type CoreProgram,
  type CoreProgramRelocation,
  type CoreRelocationReport,
  type CoreReport,
  formatCoreReport,
} from './core-apply.js';
export { type CoreValues, calcCoreValues } from './core-calc.js';
export { CoreCandidateCache, findCandidates } from './core-candidates.js';
export { fieldsAreCompat, typesAreCompat, typesMatch } from './core-compat.js';
export { type CoreRelocationContext, CoreRelocationError } from './core-errors.js';
export { CoreReloKind, coreReloKindName, isEnumvalBased, isFieldBased, isTypeBased } from './core-kinds.js';
export { matchCoreSpec } from './core-match.js';
export { essentialName, essentialNameLength } from './core-names.js';
export { CORE_POISON_HELPER, type CoreInstruction, type CorePatchOutcome, patchCoreInstruction } from './core-patch.js';
export { type CoreResolution, type ResolveCoreOptions, resolveCoreRelocation } from './core-resolve.js';
export {
  type CoreAccessor,
  type CoreRelocationInput,
  type CoreSpec,
  formatAccess,
  formatCoreSpec,
  parseCoreSpec,
} from './core-spec.js';
