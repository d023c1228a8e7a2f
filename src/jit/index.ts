export { type CompileTimes, compileJit, type JitOptions, JitProgram } from './compile.js';
export { JitCompileError } from './errors.js';
export { JitMemoryRunner } from './run-memory.js';
