/** The object loader: eBPF ELF objects to kernel-free ObjectSpecs (programs linked, maps, variables, externs). */
export { ObjectError, type ObjectLocation } from './errors.js';
export { formatProgramListing, type ProgramListingOptions } from './listing.js';
export { type LoadObjectOptions, loadObjectSpec, objectSpecFromElf } from './load.js';
export { mapTypeName, progTypeName } from './names.js';
export { SECTION_DEFS, type SectionDef, type SectionKind, sectionKind } from './section-defs.js';
export { formatObjectSummary, type ObjectSummary, summarizeObject } from './summary.js';
export type * from './types.js';
export { getVariable, setVariable } from './variables.js';
