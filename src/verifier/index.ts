/** The static verifier: structural checks and the kernel's abstract interpretation, with explanations. */

export type { MapInfo } from './env.js';
export { VerifierReject } from './errors.js';
export { HELPER_PROTOS, type HelperProto } from './helpers.js';
export { PROG_TYPE_IDS, PROG_TYPE_NAMES, PROG_TYPES, type ProgTypeName, progTypeFromSection } from './prog-types.js';
export {
  COMPLEXITY_LIMIT_INSNS,
  type RegisterReport,
  type VerifyOptions,
  VerifyOptionsError,
  type VerifyResult,
  verifyProgram,
} from './verify.js';
export {
  type ObjectProgramVerdict,
  type ObjectVerifyOptions,
  objectMapInfos,
  type PreparedProgram,
  prepareObjectProgram,
  verifyObjectProgram,
} from './object.js';
