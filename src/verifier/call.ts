/**
 * Calls: helpers checked against their prototypes (check_helper_call / check_func_arg), BPF-to-BPF calls that
 * push a callee frame, and references acquired and released through helpers.
 */
import { HELPER_NAMES } from '../isa/helper-ids.js';
import type { Instruction } from '../isa/instruction.js';
import { MapType } from '../maps/types.js';
import { readReg } from './alu.js';
import { type Env, mapName, notModelled, reject } from './env.js';
import { type ArgKind, HELPER_PROTOS, type HelperProto, MAP_ONLY_HELPERS, SOCKMAP_UPDATERS } from './helpers.js';
import {
  BPF_MAX_VAR_OFF,
  checkCtxPointerOffset,
  checkPacket,
  checkRegion,
  checkStackBounds,
  frameOf,
  invalidReg,
  leaks,
  stackClobber,
  stackRead,
} from './mem.js';
import { copyReg, notInit, ptrReg, type Reg, regTypeName, scalarReg } from './reg.js';
import { isConst, unknownScalar } from './scalar.js';
import { allRegs, curFrame, MAX_CALL_FRAMES, newFrame } from './state.js';

/** Helpers after which packet pointers are stale (bpf_helper_changes_pkt_data). */
const CHANGES_PKT_DATA = new Set([9, 10, 11, 13, 18, 19, 31, 38, 39, 43, 44, 50, 54, 65]);

/** Map flags (BPF_MAP_CREATE map_flags) that restrict what programs may do with the values. */
const BPF_F_RDONLY_PROG = 1 << 7;
const BPF_F_WRONLY_PROG = 1 << 8;

const MEM_TYPES = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';
const KEY_TYPES = MEM_TYPES;

interface CallMeta {
  map?: number;
  /** Register of the memory argument that the next size argument bounds. */
  memRegno?: number;
  memWrite?: boolean;
  allocSize?: number;
  releaseId?: number;
  /** The key's value when it is a constant on the stack (get_constant_map_key). */
  constKey?: bigint;
}

const helperLabel = (id: number): string => `bpf_${HELPER_NAMES[id] ?? 'unknown'}#${id}`;

export function checkHelperCall(env: Env, insn: Instruction): void {
  const id = insn.imm;
  if (id === 0) reject(env, 'program of this type cannot use helper bpf_unspec#0', [], 'helper 0 does not exist');
  if (id < 0 || id >= HELPER_NAMES.length) {
    reject(env, `invalid func unknown#${id}`, [], `helper ${id} does not exist; see the bpf-helpers(7) list`);
  }
  const proto = HELPER_PROTOS.get(id);
  if (!proto) {
    notModelled(
      env,
      `helper ${helperLabel(id)} is not modelled by tsbpf`,
      "tsbpf does not know this helper's prototype yet; the kernel backend (tsbpf attach, or a load as root) decides",
    );
  }
  if (proto.progTypes && !proto.progTypes.includes(env.prog.name)) {
    reject(
      env,
      `program of this type cannot use helper ${helperLabel(id)}`,
      [],
      `${helperLabel(id)} is available to ${proto.progTypes.join(', ')} programs, not ${env.prog.name}`,
    );
  }
  const meta: CallMeta = {};
  proto.args.forEach((kind, i) => {
    checkArg(env, proto, kind, i + 1, meta);
  });
  if (meta.map !== undefined) checkMapCompat(env, proto, meta.map);
  const frame = curFrame(env.state);
  if (meta.releaseId !== undefined) release(env, meta.releaseId);
  for (let r = 1; r <= 5; r++) frame.regs[r] = notInit();
  switch (proto.ret) {
    case 'int':
      frame.regs[0] = scalarReg();
      break;
    case 'void':
      frame.regs[0] = notInit();
      break;
    case 'map_value_or_null': {
      // An array lookup with a constant key below max_entries cannot fail (can_elide_value_nullness).
      const map = meta.map === undefined ? undefined : env.maps[meta.map];
      // A map-in-map lookup yields the inner map (CONST_PTR_TO_MAP of the inner template) once null-checked.
      if (map?.inner !== undefined && (map.type === MapType.ARRAY_OF_MAPS || map.type === MapType.HASH_OF_MAPS)) {
        frame.regs[0] = ptrReg('map_ptr', { maybeNull: true, map: map.inner, id: ++env.idGen });
        break;
      }
      // A sockmap/sockhash lookup acquires a reference to the socket, which must be released (bpf_sk_release).
      if (map && (map.type === MapType.SOCKMAP || map.type === MapType.SOCKHASH)) {
        // The kernel numbers the maybe-null id first, then replaces it with the reference's (id == ref_obj_id).
        ++env.idGen;
        const refId = ++env.idGen;
        frame.regs[0] = ptrReg('sock', { maybeNull: true, id: refId, refObjId: refId });
        env.state.refs.push({ id: refId, insn: env.pc });
        break;
      }
      const known = meta.constKey;
      const sure =
        map &&
        (map.type === MapType.ARRAY || map.type === MapType.PERCPU_ARRAY) &&
        known !== undefined &&
        known < BigInt(map.maxEntries);
      frame.regs[0] = sure
        ? ptrReg('map_value', { map: meta.map ?? -1 })
        : ptrReg('map_value', { maybeNull: true, map: meta.map ?? -1, id: ++env.idGen });
      break;
    }
    case 'ringbuf_mem_or_null': {
      // As for every acquiring helper, the kernel numbers the maybe-null id first, then the reference's.
      ++env.idGen;
      const refId = ++env.idGen;
      frame.regs[0] = ptrReg('ringbuf_mem', {
        maybeNull: true,
        memSize: meta.allocSize ?? 0,
        id: refId,
        refObjId: refId,
      });
      env.state.refs.push({ id: refId, insn: env.pc });
      break;
    }
  }
  // A tail call made from a subprogram that falls through leaves the caller with stale packet pointers (Linux
  // 6.18 counts it among the calls that change packet data there); in the main program it does not.
  if (CHANGES_PKT_DATA.has(id) || (id === 12 && env.state.frames.length > 1)) {
    for (const r of allRegs(env.state)) {
      if (r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end')
        Object.assign(r, scalarReg(unknownScalar()));
    }
  }
}

function typeError(env: Env, regno: number, r: Reg, expected: string, suggestion?: string): never {
  reject(env, `R${regno} type=${regTypeName(r)} expected=${expected}`, [regno], suggestion);
}

function checkArg(env: Env, proto: HelperProto, kind: ArgKind, regno: number, meta: CallMeta): void {
  if (kind === 'dontcare') return;
  const r = readReg(env, regno);
  if (kind === 'anything') {
    if (leaks(env, r)) reject(env, `R${regno} leaks addr into helper function`, [regno]);
    return;
  }
  // may_access_direct_pkt_data with a helper's meta: only helpers marked pkt_access take packet pointers.
  if ((r.type === 'pkt' || r.type === 'pkt_meta') && !proto.pktAccess) {
    reject(
      env,
      'helper access to the packet is not allowed',
      [regno],
      `${helperLabel(proto.id)} does not take packet pointers; copy the bytes to the stack first (or use bpf_skb_load_bytes into a stack buffer)`,
    );
  }
  switch (kind) {
    case 'map':
      if (r.type !== 'map_ptr' || r.maybeNull)
        typeError(
          env,
          regno,
          r,
          'map_ptr',
          r.maybeNull
            ? `R${regno} is the result of a map-in-map lookup that may be NULL: check it before using it as a map`
            : `load the map with \`r${regno} = map[...] ll\` (ld_pseudo r${regno}, 1, FD)`,
        );
      meta.map = r.map;
      return;
    case 'map_key':
    case 'map_value': {
      if (meta.map === undefined) reject(env, 'invalid map_ptr to access map->key', [regno]);
      const map = env.maps[meta.map]!;
      if (r.maybeNull || !['stack', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'ringbuf_mem'].includes(r.type)) {
        typeError(
          env,
          regno,
          r,
          KEY_TYPES,
          `pass a pointer to the ${kind === 'map_key' ? 'key' : 'value'} on the stack, e.g. \`r${regno} = r10; r${regno} += -8\``,
        );
      }
      helperMemAccess(env, regno, r, kind === 'map_key' ? map.keySize : map.valueSize, false, false);
      if (kind === 'map_key') meta.constKey = constantKey(env, r, map.keySize);
      return;
    }
    case 'mem':
    case 'uninit_mem':
      if (r.maybeNull || !['stack', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'ringbuf_mem'].includes(r.type)) {
        typeError(env, regno, r, MEM_TYPES);
      }
      meta.memRegno = regno;
      meta.memWrite = kind === 'uninit_mem';
      return;
    case 'size':
    case 'size_or_zero': {
      if (r.type !== 'scalar') typeError(env, regno, r, 'scalar');
      const zeroOk = kind === 'size_or_zero';
      if (r.s.smin < 0n) reject(env, `R${regno} min value is negative, either use unsigned or 'var &= const'`, [regno]);
      if (r.s.umin === 0n && !zeroOk) {
        reject(
          env,
          `R${regno} invalid zero-sized read: u64=[${r.s.umin},${r.s.umax}]`,
          [regno],
          `the size in R${regno} may be 0; check it is at least 1`,
        );
      }
      if (r.s.umax >= BigInt(BPF_MAX_VAR_OFF)) {
        reject(
          env,
          `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`,
          [regno],
          `bound the size in R${regno} first`,
        );
      }
      const memRegno = meta.memRegno ?? regno - 1;
      const mem = curFrame(env.state).regs[memRegno]!;
      helperMemAccess(env, memRegno, mem, Number(r.s.umax), meta.memWrite ?? false, zeroOk);
      return;
    }
    case 'alloc_size':
      if (r.type !== 'scalar') typeError(env, regno, r, 'scalar');
      if (!isConst(r.s))
        reject(env, `R${regno} is not a known constant'`, [regno], 'the size to reserve must be a constant');
      meta.allocSize = Number(r.s.t.value);
      return;
    case 'ctx':
      if (r.type !== 'ctx')
        typeError(env, regno, r, 'ctx', `pass the context pointer (r1 at program start; save it in r6 first)`);
      checkCtxPointerOffset(env, regno, r);
      return;
    case 'ringbuf_release':
      if (r.type !== 'ringbuf_mem' || r.maybeNull) {
        typeError(
          env,
          regno,
          r,
          'ringbuf_mem',
          r.maybeNull ? `check the reserved record against NULL before submitting it` : undefined,
        );
      }
      if (r.off !== 0 || !isConst(r.s) || r.s.t.value !== 0n) {
        reject(env, `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, [regno]);
      }
      if (!r.refObjId) reject(env, `R${regno} must be referenced when passed to release function`, [regno]);
      meta.releaseId = r.refObjId;
      return;
    case 'func':
      if (r.type !== 'func') typeError(env, regno, r, 'func');
      return;
  }
}

/** check_helper_mem_access: `size` bytes at the pointer are readable (or writable). */
function helperMemAccess(env: Env, regno: number, r: Reg, size: number, write: boolean, zeroOk: boolean): void {
  switch (r.type) {
    case 'pkt':
    case 'pkt_meta':
      if (write && !env.prog.pktWrite) reject(env, 'helper access to the packet is not allowed', [regno]);
      checkPacket(env, regno, r, r.off, size, zeroOk);
      return;
    case 'map_key':
      checkRegion(env, regno, r, r.off, size, env.maps[r.map]!.keySize, zeroOk);
      return;
    case 'map_value':
      checkMapAccessType(env, regno, r, size, write);
      checkRegion(env, regno, r, r.off, size, env.maps[r.map]!.valueSize, zeroOk);
      return;
    case 'mem':
    case 'ringbuf_mem':
      checkRegion(env, regno, r, r.off, size, r.memSize, zeroOk);
      return;
    case 'stack':
      // A zero-sized access is still bounds-checked: its offsets must lie inside the frame (fp0 does not).
      checkStackBounds(env, regno, r, r.off, size, write ? ' write to' : ' read from');
      if (size === 0 && zeroOk) return;
      if (write) stackClobber(env, r, r.off, size);
      else if (!env.priv) {
        try {
          stackRead(env, r, r.off, size);
        } catch {
          reject(
            env,
            `invalid indirect read from stack R${regno} off ${r.off}+0 size ${size}`,
            [regno],
            'initialise the stack buffer before passing it to the helper',
          );
        }
      } else stackRead(env, r, r.off, size);
      return;
    default:
      if (zeroOk && size === 0 && r.type === 'scalar' && isConst(r.s) && r.s.t.value === 0n) return;
      reject(env, `R${regno} type=${regTypeName(r)} expected=fp`, [regno]);
  }
}

/** check_map_access_type: a helper may not write a BPF_F_RDONLY_PROG map nor read a BPF_F_WRONLY_PROG one. */
function checkMapAccessType(env: Env, regno: number, r: Reg, size: number, write: boolean): void {
  const map = env.maps[r.map]!;
  const flags = map.flags ?? 0;
  const forbidden = write ? flags & BPF_F_RDONLY_PROG : flags & BPF_F_WRONLY_PROG;
  if (!forbidden) return;
  reject(
    env,
    `${write ? 'write into' : 'read from'} map forbidden, value_size=${map.valueSize} off=${r.off} size=${size}`,
    [regno],
    `map ${mapName(env, r.map)} was created ${write ? 'read-only' : 'write-only'} for programs (BPF_F_${write ? 'RDONLY' : 'WRONLY'}_PROG); the helper would ${write ? 'write into' : 'read from'} its value`,
  );
}

/** get_constant_map_key: a key on the stack that is all STACK_ZERO or one constant scalar spill of key size. */
function constantKey(env: Env, r: Reg, keySize: number): bigint | undefined {
  if (!env.priv || r.type !== 'stack' || !isConst(r.s)) return undefined;
  const stackOff = r.off + Number(BigInt.asIntN(64, r.s.t.value));
  const slotIndex = -stackOff - 1;
  if (slotIndex < 0) return undefined;
  const slot = frameOf(env, r).stack[Math.floor(slotIndex / 8)];
  if (!slot) return undefined;
  const off = slotIndex % 8;
  let zero = 0;
  for (let i = off; i >= 0 && slot.bytes[i] === 'zero'; i--) zero++;
  if (zero >= keySize) return 0n;
  if (slot.spilled?.type !== 'scalar') return undefined;
  let spill = 0;
  for (let i = off; i >= 0 && slot.bytes[i] === 'spill'; i--) spill++;
  if (spill !== keySize || !isConst(slot.spilled.s)) return undefined;
  return slot.spilled.s.t.value & ((1n << BigInt(keySize * 8)) - 1n);
}

/** check_map_func_compatibility, both directions. */
function checkMapCompat(env: Env, proto: HelperProto, mapIndex: number): void {
  const map = env.maps[mapIndex]!;
  if (proto.id === 12 && map.type !== MapType.PROG_ARRAY)
    reject(env, 'expected prog array map for tail call', [2], 'bpf_tail_call takes a BPF_MAP_TYPE_PROG_ARRAY');
  const sockMap = map.type === MapType.SOCKMAP || map.type === MapType.SOCKHASH;
  if (sockMap && (proto.id === 2 || proto.id === 3)) {
    if (SOCKMAP_UPDATERS.has(env.prog.name)) return;
    reject(
      env,
      `cannot update sockmap in this context\ncannot pass map_type ${map.type} into func ${helperLabel(proto.id)}`,
      [1],
      `${env.prog.name} programs may run with a socket locked, so they cannot change a sockmap; only socket filters, tc and XDP programs may`,
    );
  }
  const onlyFor = MAP_ONLY_HELPERS.get(map.type);
  const ok = (proto.mapTypes ? proto.mapTypes.includes(map.type) : true) && (!onlyFor || onlyFor.includes(proto.id));
  if (!ok) {
    reject(
      env,
      `cannot pass map_type ${map.type} into func ${helperLabel(proto.id)}`,
      [1],
      `this helper does not work on maps of type ${map.type}`,
    );
  }
}

/** release_reference: the record is gone, and every register that pointed to it is invalid. */
function release(env: Env, refId: number): void {
  env.state.refs = env.state.refs.filter((r) => r.id !== refId);
  for (const r of allRegs(env.state)) {
    if (r.refObjId === refId) Object.assign(r, invalidReg(env));
  }
}

/** BPF-to-BPF call: a new frame with r1-r5 passed on (check_func_call). */
export function enterSubprog(env: Env, insn: Instruction): number {
  const target = env.pc + insn.imm + 1;
  const st = env.state;
  if (st.frames.length >= MAX_CALL_FRAMES) {
    reject(env, `the call stack of ${st.frames.length + 1} frames is too deep`, [], 'at most 8 nested calls');
  }
  const caller = curFrame(st);
  const subprog = env.layout.subprogs.indexOf(target);
  const callee = newFrame(st.frames.length, env.pc, subprog);
  for (let r = 1; r <= 5; r++) callee.regs[r] = copyReg(caller.regs[r]!);
  for (let r = 0; r <= 5; r++) caller.regs[r] = notInit();
  st.frames.push(callee);
  return target;
}

/** Return from a subprogram (prepare_func_exit): R0 must be a scalar. Returns the pc to continue at. */
export function leaveSubprog(env: Env): number {
  const st = env.state;
  const callee = curFrame(st);
  const r0 = callee.regs[0]!;
  if (r0.type === 'stack') {
    reject(
      env,
      'cannot return stack pointer to the caller',
      [0],
      "the callee's stack is gone after it returns; return a number or pass a buffer from the caller",
    );
  }
  st.frames.pop();
  const caller = curFrame(st);
  caller.regs[0] = copyReg(r0);
  caller.regs[0].id = 0;
  // stack pointers into the dead frame are no longer usable
  for (const r of allRegs(st))
    if (r.type === 'stack' && r.frameno >= st.frames.length) Object.assign(r, invalidReg(env));
  return callee.callsite + 1;
}
