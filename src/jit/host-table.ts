/**
 * The host functions a compiled program calls (helper, check, fault, budget: see imports.ts), handed to its module
 * as a funcref table instead of as function imports.
 *
 * Why: V8 compiles a wasm-to-JS wrapper for every signature of imported JS functions each time it compiles a module
 * (about 100 us per signature, before any code runs), which was most of the fixed cost of a JIT compilation. The
 * wrappers here live in one small stub module, compiled once per process; instantiating it again for each program
 * reuses them (about 10 us). The program module imports only the table and reaches the stub's wasm functions with
 * call_indirect, which needs no wrapper.
 */
import { OP } from './wasm-ops.js';
import { F64, type FuncType, I32, writeModule } from './wasm-writer.js';

/** Signatures of the host functions, in table order (the IMPORT_* indexes). */
export const HOST_TYPES: readonly FuncType[] = [
  { params: [I32, I32, I32, I32, F64], results: [F64] },
  { params: [I32, I32, I32, I32, I32], results: [] },
  { params: [I32, I32], results: [] },
  { params: [I32, I32], results: [] },
];

const HOST_NAMES = ['helper', 'check', 'fault', 'budget'] as const;

export interface HostFunctions {
  helper(id: number, high: number, pc: number, depth: number, budget: number): number;
  check(lo: number, high: number, size: number, write: number, pc: number): void;
  fault(kind: number, pc: number): void;
  budget(startPc: number, remaining: number): void;
}

let stub: WebAssembly.Module | undefined;

/** The stub module: imports the JS functions and exports a wasm function calling each. */
function stubModule(): WebAssembly.Module {
  if (stub) return stub;
  const n = HOST_TYPES.length;
  const bytes = writeModule({
    types: HOST_TYPES,
    imports: HOST_NAMES.map((name, i) => ({ module: 'env', name, type: i })),
    globals: [],
    functions: HOST_TYPES.map((t, i) => ({
      type: i,
      locals: [],
      emit: (w) => {
        for (let p = 0; p < t.params.length; p++) w.u8(OP.local_get).uleb(p);
        w.u8(OP.call).uleb(i);
      },
    })),
    exports: HOST_NAMES.map((name, i) => ({ name, kind: 'func' as const, index: n + i })),
  });
  stub = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  return stub;
}

/** A table holding wasm functions that call `fns`, in IMPORT_* order. */
export function hostTable(fns: HostFunctions): WebAssembly.Table {
  const exports = new WebAssembly.Instance(stubModule(), { env: { ...fns } }).exports;
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: HOST_NAMES.length });
  for (const [i, name] of HOST_NAMES.entries()) table.set(i, exports[name]);
  return table;
}
