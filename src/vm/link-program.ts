import { InputError } from '../errors.js';
import { type Instruction, lddw } from '../isa/instruction.js';
import { LDDW_OPCODE } from '../isa/opcodes.js';
import { ArrayMap } from '../maps/array.js';
import type { VmMap } from '../maps/map.js';
import type { ProgramSpec } from '../object/types.js';
import type { HelperTable } from './helper.js';
import { unsupportedHelperMessage } from './helpers/index.js';
import type { AddressSpace } from './memory.js';
import { type Predecoded, predecode } from './predecode.js';

const CALL = 0x85;
const PSEUDO_KINDS = ['', 'map', 'map value', 'BTF id', 'function', 'map by index', 'map value by index'];

/** A program resolved for the VM: lddw pseudo loads replaced by addresses, laid out for execution. */
export interface VmLinkedProgram {
  readonly predecoded: Predecoded;
  /** Slot (pc) of each instruction, and instruction index of each slot. */
  readonly slotOfInsn: Int32Array;
  readonly insnOfSlot: Int32Array;
  /** Host-only address range standing for the program's code: a function pointer is textBase + pc. */
  readonly textBase: number;
  /** pcs that function pointers (callbacks) may designate. */
  readonly functionEntries: ReadonlySet<number>;
}

/**
 * Resolves a program's relocations at load, as the kernel does for the fds libbpf patches in: lddw src=1 (a map)
 * loads the map's address, src=2 (a map value) the address of element 0 plus the offset, src=4 (a function) a
 * value inside the program's text range that the runtime maps back to the subprogram. Helper calls the runtime
 * lacks, kfunc calls and unresolved pseudo loads are load-time errors naming the program and instruction.
 */
export function linkForVm(
  spec: ProgramSpec,
  maps: ReadonlyMap<string, VmMap>,
  helpers: HelperTable,
  space: AddressSpace,
): VmLinkedProgram {
  const insns: Instruction[] = spec.instructions.map((i) => ({ ...i }));
  const slotOfInsn = new Int32Array(insns.length + 1);
  let slots = 0;
  insns.forEach((insn, i) => {
    slotOfInsn[i] = slots;
    slots += insn.opcode === LDDW_OPCODE ? 2 : 1;
  });
  slotOfInsn[insns.length] = slots;
  const insnOfSlot = new Int32Array(slots);
  insns.forEach((insn, i) => {
    insnOfSlot[slotOfInsn[i]!] = i;
    if (insn.opcode === LDDW_OPCODE && slotOfInsn[i]! + 1 < slots) insnOfSlot[slotOfInsn[i]! + 1] = i;
  });
  const textBase = space.reserve(Math.max(slots, 1));
  const where = (i: number) => `program '${spec.name}' (${spec.section}) insn ${i}`;
  const resolved = new Set<number>();
  const setConstant = (i: number, value: number) => {
    const insn = insns[i];
    if (!insn || insn.opcode !== LDDW_OPCODE) throw new InputError(`${where(i)}: relocation target is not an lddw`);
    insns[i] = lddw(insn.dst, BigInt(value));
    resolved.add(i);
  };

  for (const ref of spec.mapReferences) {
    const map = maps.get(ref.map);
    if (!map) throw new InputError(`${where(ref.insn)}: refers to map '${ref.map}', which the object does not define`);
    if (ref.kind === 'map') {
      setConstant(ref.insn, map.address);
    } else {
      if (!(map instanceof ArrayMap)) throw new InputError(`${where(ref.insn)}: map '${ref.map}' has no direct value`);
      if (ref.offset < 0 || ref.offset > map.valueSize) {
        throw new InputError(`${where(ref.insn)}: offset ${ref.offset} is outside map '${ref.map}' value`);
      }
      setConstant(ref.insn, map.elementAddress(0) + ref.offset);
    }
  }
  const functionEntries = new Set<number>();
  for (const ref of spec.funcReferences) {
    if (ref.target < 0 || ref.target >= insns.length) {
      throw new InputError(`${where(ref.insn)}: function reference to insn ${ref.target} is outside the program`);
    }
    const pc = slotOfInsn[ref.target]!;
    functionEntries.add(pc);
    setConstant(ref.insn, textBase + pc);
  }

  insns.forEach((insn, i) => {
    if (insn.opcode === LDDW_OPCODE && insn.src !== 0 && !resolved.has(i)) {
      const kind = PSEUDO_KINDS[insn.src] ?? `src ${insn.src}`;
      throw new InputError(`${where(i)}: lddw of a ${kind} (src=${insn.src}) has no relocation to resolve it`);
    }
    if (insn.opcode === CALL && insn.src === 0 && !helpers.get(insn.imm)) {
      throw new InputError(`${where(i)}: ${unsupportedHelperMessage(insn.imm)}`);
    }
    if (insn.opcode === CALL && insn.src === 2) {
      const name = spec.kfuncCalls.get(i) ?? `BTF id ${insn.imm}`;
      throw new InputError(`${where(i)}: kfunc ${name} is not supported by the userspace VM`);
    }
  });
  return { predecoded: predecode(insns), slotOfInsn, insnOfSlot, textBase, functionEntries };
}
