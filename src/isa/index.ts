export * from './decode.js';
export * from './encode.js';
export * from './errors.js';
export * from './forms.js';
export * from './instruction.js';
export * from './opcodes.js';
