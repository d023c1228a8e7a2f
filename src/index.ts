/** tsbpf's public API. */
export * from './isa/index.js';
