/** BTF: types and strings, split BTF, .BTF.ext, DATASEC fix-up, raw and C dumps. */
export { Btf } from './btf.js';
export { fixupDatasecs } from './datasec-fixup.js';
export { BtfError, type BtfLocation } from './errors.js';
export {
  type BtfCoreRelo,
  type BtfExt,
  type BtfExtSection,
  type BtfFuncInfo,
  type BtfLineInfo,
  CORE_RELO_KIND_NAMES,
  type ParseBtfExtOptions,
  parseBtfExt,
} from './ext.js';
export { CDumper, formatBtfC } from './format-c.js';
export { formatBtfRaw, formatRawType } from './format-raw.js';
export * from './kinds.js';
export { btfExtFromElf, btfFromElf, isElf, type LoadBtfOptions, loadBtf } from './load.js';
export { type ParseBtfOptions, parseBtf } from './parse.js';
export { BtfStrings } from './strings.js';
export type * from './types.js';
export * from './core.js';
