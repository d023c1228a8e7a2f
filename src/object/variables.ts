import { ObjectError } from './errors.js';
import type { MapSpec, ObjectSpec, VariableSpec } from './types.js';

/** Where a variable's bytes live in the spec: the variable and its map (whose `initialData` holds the bytes). */
function locate(spec: ObjectSpec, name: string): { variable: VariableSpec; map: MapSpec; data: Uint8Array } {
  const matches = spec.variables.filter((v) => v.name === name);
  const fail = (detail: string): never => {
    throw new ObjectError({ file: spec.name }, `variable '${name}': ${detail}`);
  };
  if (matches.length === 0) fail('no such global variable');
  if (matches.length > 1) fail(`ambiguous: defined in ${matches.map((v) => v.map).join(', ')}`);
  const variable = matches[0]!;
  const map = spec.maps.find((m) => m.name === variable.map);
  if (!map) return fail(`its map '${variable.map}' is missing`);
  map.initialData ??= new Uint8Array(map.valueSize);
  const data = map.initialData;
  if (variable.offset + variable.size > data.length) fail(`bytes ${variable.offset}+${variable.size} outside its map`);
  return { variable, map, data };
}

/** A copy of a global variable's initial bytes as the spec holds them. */
export function getVariable(spec: ObjectSpec, name: string): Uint8Array {
  const { variable, data } = locate(spec, name);
  return data.slice(variable.offset, variable.offset + variable.size);
}

/**
 * Sets a global variable's initial value before the spec is loaded, `.rodata` constants included (the way a libbpf
 * skeleton's `rodata->x = ...` before load works). Bytes must match the variable's size; a number or bigint is
 * written in the object's byte order and must fit the variable (1, 2, 4 or 8 bytes, signed or unsigned).
 */
export function setVariable(spec: ObjectSpec, name: string, value: Uint8Array | number | bigint): void {
  const { variable, data } = locate(spec, name);
  const fail = (detail: string): never => {
    throw new ObjectError({ file: spec.name }, `variable '${name}': ${detail}`);
  };
  if (value instanceof Uint8Array) {
    if (value.length !== variable.size) fail(`${value.length} bytes given, the variable has ${variable.size}`);
    data.set(value, variable.offset);
    return;
  }
  const size = variable.size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) fail(`a number cannot fill ${size} bytes; pass bytes`);
  if (typeof value === 'number' && !Number.isInteger(value)) fail(`${value} is not an integer`);
  const big = BigInt(value);
  const bits = BigInt(size * 8);
  if (big < -(1n << (bits - 1n)) || big >= 1n << bits) fail(`${value} does not fit ${size} bytes`);
  let u = BigInt.asUintN(size * 8, big);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    bytes[spec.littleEndian ? i : size - 1 - i] = Number(u & 0xffn);
    u >>= 8n;
  }
  data.set(bytes, variable.offset);
}
