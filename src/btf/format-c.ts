import type { Btf } from './btf.js';
import { alignOfRaw, resolveSize } from './graph.js';
import { BtfKind, isModifierKind } from './kinds.js';

/**
 * The header `bpftool btf dump file FILE format c` prints (a vmlinux.h): every type in C, ordered so that the
 * file compiles, inside the `__VMLINUX_H__` guard and the preserve_access_index pragma.
 */
export function formatBtfC(btf: Btf): string {
  const dumper = new CDumper(btf);
  dumper.write(PREAMBLE);
  for (let id = 1; id < btf.typeCount; id++) dumper.dumpType(id);
  dumper.write(POSTAMBLE);
  return dumper.text();
}

const PREAMBLE =
  '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
  '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n';
const POSTAMBLE =
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n';

/** Order states (0 is NOT_ORDERED) and emit states, as in libbpf. */
const ORDERING = 1;
const ORDERED = 2;
const NOT_EMITTED = 0;
const EMITTING = 1;
const EMITTED = 2;

/** Nesting bound for the recursive walks; legitimate C types stay far below it, crafted cycles hit it. */
const MAX_DEPTH = 512;

const PREFIXES = '\t'.repeat(13);
function pfx(lvl: number): string {
  return lvl >= PREFIXES.length ? PREFIXES : PREFIXES.slice(0, lvl);
}

/** The typedef names GCC uses for Arm SIMD polynomials, mapped to standard types (libbpf's missing aliases). */
const MISSING_BASE_TYPES: Record<string, string> = {
  __Poly8_t: 'unsigned char',
  __Poly16_t: 'unsigned short',
  __Poly64_t: 'unsigned long long',
  __Poly128_t: 'unsigned __int128',
};

/** A view of the top part of a declaration stack (libbpf's id_stack): `ids[0..cnt)` with the top at cnt-1. */
interface DeclStack {
  ids: number[];
  cnt: number;
}

/**
 * A port of libbpf's btf_dump (BTF-to-C converter), the code bpftool uses, kept close to the original so that the
 * output is byte-for-byte the same: topological ordering with weak (pointer) and strong (embedding) links, forward
 * declarations where a cycle needs one, `___N` suffixes for duplicate names, inline anonymous types, explicit
 * padding and packed attributes. Unlike libbpf, cycles that would recurse forever are reported as `BtfError`.
 */
export class CDumper {
  private readonly out: string[] = [];
  private readonly ptrSize: number;
  private readonly orderState: Uint8Array;
  private readonly emitState: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly nameResolved: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly cachedNames: (string | undefined)[] = [];
  /** struct/union/enum (and int) names to the number of times each was used. */
  private readonly typeNames = new Map<string, number>();
  /** typedef and enumerator names share C's ordinary identifier namespace. */
  private readonly identNames = new Map<string, number>();
  private emitQueue: number[] = [];
  private depth = 0;
  /**
   * Function prototypes (and anonymous structs, for declarations) on the current path of each recursive walk.
   * Parsing already rejects cycles along typedef/modifier/pointer/array/return edges; a cycle through parameters
   * or an anonymous struct has no C spelling, and without these marks it would recurse exponentially.
   */
  private readonly orderActive: Uint8Array;
  private readonly emitActive: Uint8Array;
  private readonly declActive: Uint8Array;
  /** Bound on the output, against inputs that repeat anonymous types inline exponentially. */
  private readonly maxOutput: number;
  private written = 0;
  /** Bound on recursive steps, against shared anonymous types that would be walked exponentially often. */
  private readonly maxSteps: number;
  /** @internal */ steps = 0;

  constructor(private readonly btf: Btf) {
    const n = btf.typeCount;
    this.ptrSize = btf.pointerSize();
    this.orderState = new Uint8Array(n);
    this.emitState = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.nameResolved = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.orderActive = new Uint8Array(n);
    this.emitActive = new Uint8Array(n);
    this.declActive = new Uint8Array(n);
    this.maxOutput = 2 ** 20 + 32 * btf.words.length * 4;
    this.maxSteps = 2 ** 20 + 64 * n;
    this.orderState[0] = ORDERED;
    this.emitState[0] = EMITTED;
    for (let id = 1; id < n; id++) this.markReferenced(id);
  }

  write(s: string): void {
    this.written += s.length;
    if (this.written > this.maxOutput) throw this.btf.error('C output grows without bound (types repeat inline)');
    this.out.push(s);
  }

  /** Marks `id` as on the current path of a walk; a second visit is a cycle that C cannot express. */
  private mark(active: Uint8Array, id: number): void {
    if (active[id]) throw this.btf.error('type cycle through function parameters or anonymous types', id);
    active[id] = 1;
  }

  text(): string {
    return this.out.join('');
  }

  /** Emits type `id` and every type it needs that was not emitted yet (btf_dump__dump_type). */
  dumpType(id: number): void {
    this.btf.checkId(id);
    this.emitQueue = [];
    this.orderType(id, false);
    for (const queued of this.emitQueue) this.emitType(queued, 0);
  }

  /** Emits a declaration of `id` named `fname` (btf_dump__emit_type_decl), e.g. for a function signature. */
  emitDeclaration(id: number, fname: string, lvl = 0): void {
    this.btf.checkId(id);
    this.emitTypeDecl(id, fname, lvl);
  }

  private enter(id: number): void {
    if (++this.depth > MAX_DEPTH) throw this.btf.error('type references nest too deeply (a cycle?)', id);
    if (++this.steps > this.maxSteps) throw this.btf.error('types repeat inline without bound', id);
  }

  private markReferenced(id: number): void {
    const btf = this.btf;
    const vlen = btf.vlen(id);
    switch (btf.kind(id)) {
      case BtfKind.Volatile:
      case BtfKind.Const:
      case BtfKind.Restrict:
      case BtfKind.Ptr:
      case BtfKind.Typedef:
      case BtfKind.Func:
      case BtfKind.Var:
      case BtfKind.DeclTag:
      case BtfKind.TypeTag:
        this.referenced[btf.sizeOrType(id)] = 1;
        break;
      case BtfKind.Array:
        this.referenced[btf.extra(id, 1)] = 1;
        this.referenced[btf.extra(id, 0)] = 1;
        break;
      case BtfKind.Struct:
      case BtfKind.Union:
        for (let i = 0; i < vlen; i++) this.referenced[btf.memberType(id, i)] = 1;
        break;
      case BtfKind.FuncProto:
        for (let i = 0; i < vlen; i++) this.referenced[btf.extra(id, i * 2 + 1)] = 1;
        break;
      case BtfKind.Datasec:
        for (let i = 0; i < vlen; i++) this.referenced[btf.extra(id, i * 3)] = 1;
        break;
      default:
        break;
    }
  }

  /**
   * Topological ordering (btf_dump_order_type). Returns true for a strong link (the type must be fully defined
   * first), false for a weak one (a forward declaration will do). Throws on an unsatisfiable cycle.
   */
  private orderType(id: number, throughPtr: boolean): boolean {
    const btf = this.btf;
    if (this.orderState[id] === ORDERED) return true;
    const kind = btf.kind(id);
    const named = btf.nameOffset(id) !== 0;
    if (this.orderState[id] === ORDERING) {
      if ((kind === BtfKind.Struct || kind === BtfKind.Union) && throughPtr && named) return false;
      throw btf.error('unsatisfiable type cycle', id);
    }
    this.enter(id);
    try {
      switch (kind) {
        case BtfKind.Int:
        case BtfKind.Float:
          this.orderState[id] = ORDERED;
          return false;
        case BtfKind.Ptr: {
          const strong = this.orderType(btf.sizeOrType(id), true);
          this.orderState[id] = ORDERED;
          return strong;
        }
        case BtfKind.Array:
          return this.orderType(btf.extra(id, 0), false);
        case BtfKind.Struct:
        case BtfKind.Union: {
          // Part of a strong link only when embedded (no pointer on the path) or anonymous (defined inline).
          if (throughPtr && named) return false;
          this.orderState[id] = ORDERING;
          const vlen = btf.vlen(id);
          for (let i = 0; i < vlen; i++) this.orderType(btf.memberType(id, i), false);
          if (named) this.emitQueue.push(id);
          this.orderState[id] = ORDERED;
          return true;
        }
        case BtfKind.Enum:
        case BtfKind.Enum64:
        case BtfKind.Fwd:
          // Named or unreferenced (top-level anonymous) enums are declarations of their own.
          if (named || !this.referenced[id]) this.emitQueue.push(id);
          this.orderState[id] = ORDERED;
          return true;
        case BtfKind.Typedef: {
          const strong = this.orderType(btf.sizeOrType(id), throughPtr);
          if (throughPtr && !strong) return false;
          this.emitQueue.push(id);
          this.orderState[id] = ORDERED;
          return true;
        }
        case BtfKind.Volatile:
        case BtfKind.Const:
        case BtfKind.Restrict:
        case BtfKind.TypeTag:
          return this.orderType(btf.sizeOrType(id), throughPtr);
        case BtfKind.FuncProto: {
          this.mark(this.orderActive, id);
          let strong = this.orderType(btf.sizeOrType(id), throughPtr);
          const vlen = btf.vlen(id);
          for (let i = 0; i < vlen; i++) if (this.orderType(btf.extra(id, i * 2 + 1), throughPtr)) strong = true;
          this.orderActive[id] = 0;
          return strong;
        }
        case BtfKind.Func:
        case BtfKind.Var:
        case BtfKind.Datasec:
        case BtfKind.DeclTag:
          this.orderState[id] = ORDERED;
          return false;
        default:
          throw btf.error('unexpected kind while ordering types', id);
      }
    } finally {
      this.depth--;
    }
  }

  private isBlacklisted(id: number): boolean {
    // __builtin_va_list is a compiler built-in; redefining it breaks compilation with another compiler.
    return this.btf.nameOffset(id) !== 0 && this.btf.name(id) === '__builtin_va_list';
  }

  /** btf_dump_emit_type: emits a definition (at top level, contId 0) or the forward declarations it needs. */
  private emitType(id: number, contId: number): void {
    const btf = this.btf;
    if (this.emitState[id] === EMITTED) return;
    const kind = btf.kind(id);
    const topLevel = contId === 0;
    if (this.emitState[id] === EMITTING) {
      if (this.fwdEmitted[id]) return;
      if (kind === BtfKind.Struct || kind === BtfKind.Union) {
        if (id === contId) return; // a struct referring to itself needs no forward declaration
        if (btf.nameOffset(id) === 0) return; // libbpf warns about an anonymous struct/union loop
        this.emitStructFwd(id);
        this.write(';\n\n');
        this.fwdEmitted[id] = 1;
      } else if (kind === BtfKind.Typedef) {
        // A typedef serves as its own forward declaration for references through pointers.
        if (!this.isBlacklisted(id)) {
          this.emitTypedefDef(id, 0);
          this.write(';\n\n');
        }
        this.fwdEmitted[id] = 1;
      }
      return;
    }
    this.enter(id);
    try {
      switch (kind) {
        case BtfKind.Int:
          this.emitMissingAliases(id);
          this.emitState[id] = EMITTED;
          break;
        case BtfKind.Enum:
        case BtfKind.Enum64:
          if (topLevel) {
            this.emitEnumDef(id, 0);
            this.write(';\n\n');
          }
          this.emitState[id] = EMITTED;
          break;
        case BtfKind.Ptr:
        case BtfKind.Volatile:
        case BtfKind.Const:
        case BtfKind.Restrict:
        case BtfKind.TypeTag:
          this.emitType(btf.sizeOrType(id), contId);
          break;
        case BtfKind.Array:
          this.emitType(btf.extra(id, 0), contId);
          break;
        case BtfKind.Fwd:
          this.emitFwdDef(id);
          this.write(';\n\n');
          this.emitState[id] = EMITTED;
          break;
        case BtfKind.Typedef:
          this.emitState[id] = EMITTING;
          this.emitType(btf.sizeOrType(id), id);
          if (!this.fwdEmitted[id] && !this.isBlacklisted(id)) {
            this.emitTypedefDef(id, 0);
            this.write(';\n\n');
          }
          this.emitState[id] = EMITTED;
          break;
        case BtfKind.Struct:
        case BtfKind.Union: {
          this.emitState[id] = EMITTING;
          const named = btf.nameOffset(id) !== 0;
          // A definition (top level, or anonymous and so inline) lists member types: they need declarations.
          if (topLevel || !named) {
            const newCont = named ? id : contId;
            const vlen = btf.vlen(id);
            for (let i = 0; i < vlen; i++) this.emitType(btf.memberType(id, i), newCont);
          } else if (!this.fwdEmitted[id] && id !== contId) {
            this.emitStructFwd(id);
            this.write(';\n\n');
            this.fwdEmitted[id] = 1;
          }
          if (topLevel) {
            this.emitStructDef(id, 0);
            this.write(';\n\n');
            this.emitState[id] = EMITTED;
          } else {
            this.emitState[id] = NOT_EMITTED;
          }
          break;
        }
        case BtfKind.FuncProto: {
          this.mark(this.emitActive, id);
          this.emitType(btf.sizeOrType(id), contId);
          const vlen = btf.vlen(id);
          for (let i = 0; i < vlen; i++) this.emitType(btf.extra(id, i * 2 + 1), contId);
          this.emitActive[id] = 0;
          break;
        }
        default:
          break;
      }
    } finally {
      this.depth--;
    }
  }

  /** A struct is packed when a non-bitfield member is misaligned or its size is not a multiple of its alignment. */
  private isStructPacked(id: number): boolean {
    const btf = this.btf;
    const vlen = btf.vlen(id);
    let maxAlign = 1;
    for (let i = 0; i < vlen; i++) {
      const align = alignOfRaw(btf, btf.memberType(id, i));
      const bitSz = btf.memberBitfieldSize(id, i);
      if (align && bitSz === 0 && btf.memberBitOffset(id, i) % (8 * align) !== 0) return true;
      maxAlign = Math.max(align, maxAlign);
    }
    return btf.sizeOrType(id) % maxAlign !== 0;
  }

  /** Explicit padding between `curOff` and `nextOff` (bits), using the compiler's natural alignment where it can. */
  private emitBitPadding(curOff: number, nextOff: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    const pads: [string, number][] = [
      ['long', this.ptrSize * 8],
      ['int', 32],
      ['short', 16],
      ['char', 8],
    ];
    if (curOff >= nextOff) return;
    let newOff = 0;
    let padBits = 0;
    let padType = '';
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      newOff = roundUp(curOff, padBits);
      if (newOff <= nextOff) break;
    }
    if (newOff > curOff && newOff <= nextOff) {
      // An explicit `<type>: 0` is needed when the next field's own alignment would not reach newOff, or when a
      // following `<type>: X` would fit in the remaining hole and be ignored by the compiler.
      if (
        inBitfield ||
        (newOff === nextOff && roundUp(curOff, nextAlign * 8) !== newOff) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)
      ) {
        this.write(`\n${pfx(lvl)}${padType}: ${inBitfield ? newOff - curOff : 0};`);
      }
      curOff = newOff;
    }
    while (curOff !== nextOff) {
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.write(`\n${pfx(lvl)}${padType}: ${padBits};`);
        curOff += bits;
        continue;
      }
      // The remainder uses the smallest type that covers it.
      for (let i = pads.length - 1; i >= 0; i--) {
        padType = pads[i]![0];
        padBits = pads[i]![1];
        if (padBits < bits) continue;
        this.write(`\n${pfx(lvl)}${padType}: ${bits};`);
        curOff += bits;
        break;
      }
    }
  }

  private emitStructFwd(id: number): void {
    const isStruct = this.btf.kind(id) === BtfKind.Struct;
    this.write(`${isStruct ? 'struct' : 'union'}${this.btf.nameOffset(id) ? ' ' : ''}${this.typeName(id)}`);
  }

  private emitStructDef(id: number, lvl: number): void {
    const btf = this.btf;
    const isStruct = btf.kind(id) === BtfKind.Struct;
    const vlen = btf.vlen(id);
    const size = btf.sizeOrType(id);
    const align = alignOfRaw(btf, id);
    const packed = isStruct ? this.isStructPacked(id) : false;
    this.write(`${isStruct ? 'struct' : 'union'}${btf.nameOffset(id) ? ' ' : ''}${this.typeName(id)} {`);
    let off = 0;
    let prevBitfield = false;
    for (let i = 0; i < vlen; i++) {
      const fname = btf.memberName(id, i);
      const type = btf.memberType(id, i);
      let mSz = btf.memberBitfieldSize(id, i);
      const mOff = btf.memberBitOffset(id, i);
      const mAlign = packed ? 1 : alignOfRaw(btf, type);
      const inBitfield = prevBitfield && mSz !== 0;
      this.emitBitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      this.write(`\n${pfx(lvl + 1)}`);
      this.emitTypeDecl(type, fname, lvl + 1);
      if (mSz) {
        this.write(`: ${mSz}`);
        off = mOff + mSz;
        prevBitfield = true;
      } else {
        mSz = Math.max(0, resolveSize(btf, type));
        off = mOff + mSz * 8;
        prevBitfield = false;
      }
      this.write(';');
    }
    if (isStruct) this.emitBitPadding(off, size * 8, align, false, lvl + 1);
    // `struct empty {}` stays on one line.
    if (vlen || size) this.write(`\n${pfx(lvl)}}`);
    else this.write('}');
    if (packed) this.write(' __attribute__((packed))');
  }

  private emitMissingAliases(id: number): void {
    const name = this.typeName(id);
    const alias = MISSING_BASE_TYPES[name];
    if (alias !== undefined && Object.hasOwn(MISSING_BASE_TYPES, name)) this.write(`typedef ${alias} ${name};\n\n`);
  }

  private emitEnumFwd(id: number): void {
    this.write(`enum ${this.typeName(id)}`);
  }

  private emitEnumDef(id: number, lvl: number): void {
    const btf = this.btf;
    const vlen = btf.vlen(id);
    this.write(`enum${btf.nameOffset(id) ? ' ' : ''}${this.typeName(id)}`);
    if (!vlen) return;
    this.write(' {');
    const signed = btf.kindFlag(id);
    const is64 = btf.kind(id) === BtfKind.Enum64;
    for (let i = 0; i < vlen; i++) {
      const name = btf.str(btf.extra(id, is64 ? i * 3 : i * 2));
      const dups = this.nameDups(this.identNames, name);
      let value: string;
      if (is64) {
        const v = (BigInt(btf.extra(id, i * 3 + 2)) << 32n) | BigInt(btf.extra(id, i * 3 + 1));
        value = signed ? `${BigInt.asIntN(64, v)}LL` : `${v}ULL`;
      } else {
        const v = btf.extra(id, i * 2 + 1);
        value = String(signed ? v | 0 : v);
      }
      this.write(`\n${pfx(lvl + 1)}${name}${dups > 1 ? `___${dups}` : ''} = ${value},`);
    }
    this.write(`\n${pfx(lvl)}}`);
  }

  private emitFwdDef(id: number): void {
    this.write(`${this.btf.kindFlag(id) ? 'union' : 'struct'} ${this.typeName(id)}`);
  }

  private emitTypedefDef(id: number, lvl: number): void {
    const name = this.identName(id);
    // Old GCC emits __gnuc_va_list as a typedef of void; make it the built-in it really is.
    if (this.btf.sizeOrType(id) === 0 && name === '__gnuc_va_list') {
      this.write('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.write('typedef ');
    this.emitTypeDecl(this.btf.sizeOrType(id), name, lvl);
  }

  /**
   * btf_dump_emit_type_decl: pushes the chain of modifiers, pointers, arrays and prototypes down to a terminal
   * type, then writes it inside out so that the result is valid C (e.g. `int (*(*pick)(int))(int, int)`).
   */
  private emitTypeDecl(id: number, fname: string, lvl: number): void {
    const btf = this.btf;
    const ids: number[] = [];
    this.enter(id);
    try {
      for (;;) {
        ids.push(id);
        if (id === 0) break;
        const kind = btf.kind(id);
        if (
          kind === BtfKind.Ptr ||
          kind === BtfKind.Volatile ||
          kind === BtfKind.Const ||
          kind === BtfKind.Restrict ||
          kind === BtfKind.FuncProto ||
          kind === BtfKind.TypeTag
        ) {
          id = btf.sizeOrType(id);
        } else if (kind === BtfKind.Array) {
          id = btf.extra(id, 0);
        } else {
          break; // int, enum, fwd, struct, union, typedef, float end the chain (anything else: libbpf warns)
        }
        if (ids.length > btf.typeCount) throw btf.error('declaration chain does not end (cycle)', id);
      }
      this.emitTypeChain({ ids, cnt: ids.length }, fname, lvl);
    } finally {
      this.depth--;
    }
  }

  private emitMods(decls: DeclStack): void {
    while (decls.cnt) {
      const kind = this.btf.kind(decls.ids[decls.cnt - 1]!);
      if (kind === BtfKind.Volatile) this.write('volatile ');
      else if (kind === BtfKind.Const) this.write('const ');
      else if (kind === BtfKind.Restrict) this.write('restrict ');
      else return;
      decls.cnt--;
    }
  }

  /** Drops const/volatile/restrict/type tags that C cannot attach where BTF has them (arrays, functions). */
  private dropMods(decls: DeclStack): void {
    while (decls.cnt) {
      if (!isModifierKind(this.btf.kind(decls.ids[decls.cnt - 1]!))) return;
      decls.cnt--;
    }
  }

  private emitName(name: string, lastWasPtr: boolean): void {
    this.write(`${name && !lastWasPtr ? ' ' : ''}${name}`);
  }

  private emitTypeChain(decls: DeclStack, fname: string, lvl: number): void {
    const btf = this.btf;
    // Whether the previous token was `*`, so that pointers read `int ***` rather than `int * * *`.
    let lastWasPtr = true;
    while (decls.cnt) {
      const id = decls.ids[--decls.cnt]!;
      if (id === 0) {
        this.emitMods(decls);
        this.write('void');
        lastWasPtr = false;
        continue;
      }
      const kind = btf.kind(id);
      switch (kind) {
        case BtfKind.Int:
        case BtfKind.Float:
          this.emitMods(decls);
          this.write(btf.name(id));
          break;
        case BtfKind.Struct:
        case BtfKind.Union:
          this.emitMods(decls);
          if (btf.nameOffset(id) === 0) {
            this.mark(this.declActive, id);
            this.emitStructDef(id, lvl);
            this.declActive[id] = 0;
          } else {
            this.emitStructFwd(id);
          }
          break;
        case BtfKind.Enum:
        case BtfKind.Enum64:
          this.emitMods(decls);
          if (btf.nameOffset(id) === 0) this.emitEnumDef(id, lvl);
          else this.emitEnumFwd(id);
          break;
        case BtfKind.Fwd:
          this.emitMods(decls);
          this.emitFwdDef(id);
          break;
        case BtfKind.Typedef:
          this.emitMods(decls);
          this.write(this.identName(id));
          break;
        case BtfKind.Ptr:
          this.write(lastWasPtr ? '*' : ' *');
          break;
        case BtfKind.Volatile:
          this.write(' volatile');
          break;
        case BtfKind.Const:
          this.write(' const');
          break;
        case BtfKind.Restrict:
          this.write(' restrict');
          break;
        case BtfKind.TypeTag:
          this.emitMods(decls);
          if (btf.kindFlag(id)) this.write(` __attribute__((${btf.name(id)}))`);
          else this.write(` __attribute__((btf_type_tag("${btf.name(id)}")))`);
          break;
        case BtfKind.Array: {
          const nelems = btf.extra(id, 2);
          // GCC adds const/volatile to arrays of const elements; they mean nothing on an array.
          this.dropMods(decls);
          if (decls.cnt === 0) {
            this.emitName(fname, lastWasPtr);
            this.write(`[${nelems}]`);
            return;
          }
          const multidim = btf.kind(decls.ids[decls.cnt - 1]!) === BtfKind.Array;
          if (fname && !lastWasPtr) this.write(' ');
          if (!multidim) this.write('(');
          this.emitTypeChain(decls, fname, lvl);
          if (!multidim) this.write(')');
          this.write(`[${nelems}]`);
          return;
        }
        case BtfKind.FuncProto: {
          const vlen = btf.vlen(id);
          // GCC marks noreturn function pointers volatile; drop such qualifiers as for arrays.
          this.dropMods(decls);
          if (decls.cnt) {
            this.write(' (');
            this.emitTypeChain(decls, fname, lvl);
            this.write(')');
          } else {
            this.emitName(fname, lastWasPtr);
          }
          this.write('(');
          // No parameters, or clang's single void parameter, is `(void)`.
          if (vlen === 0 || (vlen === 1 && btf.extra(id, 1) === 0)) {
            this.write('void)');
            return;
          }
          this.mark(this.declActive, id);
          for (let i = 0; i < vlen; i++) {
            if (i > 0) this.write(', ');
            const ptype = btf.extra(id, i * 2 + 1);
            if (i === vlen - 1 && ptype === 0) {
              this.write('...');
              break;
            }
            this.emitTypeDecl(ptype, btf.str(btf.extra(id, i * 2)), lvl);
          }
          this.declActive[id] = 0;
          this.write(')');
          return;
        }
        default:
          return; // libbpf warns about an unexpected type in the declaration chain
      }
      lastWasPtr = kind === BtfKind.Ptr;
    }
    this.emitName(fname, lastWasPtr);
  }

  /** Counts one more use of `name` in `map` and returns the count (btf_dump_name_dups). */
  private nameDups(map: Map<string, number>, name: string): number {
    const n = (map.get(name) ?? 0) + 1;
    map.set(name, n);
    return n;
  }

  private resolveName(id: number, map: Map<string, number>): string {
    const btf = this.btf;
    if (btf.nameOffset(id) === 0) return '';
    const orig = btf.name(id);
    if (this.nameResolved[id]) return this.cachedNames[id] ?? orig;
    const kind = btf.kind(id);
    if (kind === BtfKind.Fwd || (kind === BtfKind.Enum && btf.vlen(id) === 0)) {
      this.nameResolved[id] = 1;
      return orig;
    }
    const dups = this.nameDups(map, orig);
    if (dups > 1) this.cachedNames[id] = `${orig}___${dups}`;
    this.nameResolved[id] = 1;
    return this.cachedNames[id] ?? orig;
  }

  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }

  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
