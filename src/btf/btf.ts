import { BtfError } from './errors.js';
import * as graph from './graph.js';
import { BtfKind } from './kinds.js';
import type { BtfStrings } from './strings.js';
import type { BtfMember, BtfType } from './types.js';

/** What `parseBtf` hands to the constructor: the validated storage. */
export interface BtfStorage {
  base: Btf | undefined;
  littleEndian: boolean;
  strings: BtfStrings;
  /** The type section as native 32-bit words (every BTF field is 32 bits wide). */
  words: Uint32Array;
  /** Word index in `words` of each local type, in id order. */
  starts: Uint32Array;
  file: string | undefined;
  section: string;
  /** Byte offset of the type section inside the BTF blob (header length + type_off), for error locations. */
  typesOffset: number;
}

/**
 * Parsed BTF: a type graph with ids from 1 (0 is void). Types stay in a typed array of words rather than one object
 * per type, which is what makes parsing vmlinux fast; the word accessors (`kind`, `vlen`, `name`, `member*`, ...)
 * read it directly, and `type(id)` decodes one type into a plain object for convenience.
 *
 * Split BTF (a kernel module's, on top of vmlinux) has a `base`: ids below `firstId` and string offsets below the
 * base's string size belong to the base, and every accessor here takes global ids.
 */
export class Btf {
  readonly base: Btf | undefined;
  readonly littleEndian: boolean;
  readonly strings: BtfStrings;
  /** First type id defined by this BTF (1 without a base). */
  readonly firstId: number;
  /** One past the last type id (libbpf's btf__type_cnt). */
  readonly typeCount: number;
  /** File name given to the parser, used in error messages. */
  readonly file: string | undefined;
  readonly section: string;
  /** @internal */ readonly words: Uint32Array;
  /** @internal */ readonly starts: Uint32Array;
  /** @internal */ readonly typesOffset: number;
  private nameIndex: Map<string, number[]> | undefined;
  private ptrSize: number | undefined;

  constructor(storage: BtfStorage) {
    this.base = storage.base;
    this.littleEndian = storage.littleEndian;
    this.strings = storage.strings;
    this.words = storage.words;
    this.starts = storage.starts;
    this.file = storage.file;
    this.section = storage.section;
    this.typesOffset = storage.typesOffset;
    this.firstId = storage.base ? storage.base.typeCount : 1;
    this.typeCount = this.firstId + storage.starts.length;
  }

  /** Throws `BtfError` unless `id` names a type (0, void, included). */
  checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.typeCount) {
      throw this.error(`type id ${id} out of range (last id is ${this.typeCount - 1})`);
    }
  }

  /** A `BtfError` located in this BTF, at type `id` when given. */
  error(detail: string, id?: number): BtfError {
    const offset = id !== undefined && id >= this.firstId ? this.byteOffsetOf(id) : undefined;
    return new BtfError({ file: this.file, section: this.section, typeId: id, offset }, detail);
  }

  /** Byte offset of a local type's record inside the BTF blob. */
  byteOffsetOf(id: number): number {
    return this.typesOffset + this.starts[id - this.firstId]! * 4;
  }

  /** The raw info word: vlen in bits 0-15, kind in bits 24-28, kind_flag in bit 31. 0 for void. */
  info(id: number): number {
    if (id < this.firstId) return this.base ? this.base.info(id) : 0;
    return this.words[this.starts[id - this.firstId]! + 1]!;
  }

  kind(id: number): BtfKind {
    return ((this.info(id) >>> 24) & 0x1f) as BtfKind;
  }

  vlen(id: number): number {
    return this.info(id) & 0xffff;
  }

  kindFlag(id: number): boolean {
    return this.info(id) >>> 31 === 1;
  }

  nameOffset(id: number): number {
    if (id < this.firstId) return this.base ? this.base.nameOffset(id) : 0;
    return this.words[this.starts[id - this.firstId]!]!;
  }

  /** The type's name, '' when anonymous. */
  name(id: number): string {
    const off = this.nameOffset(id);
    return off === 0 ? '' : this.strings.get(off);
  }

  /** The string at a global string offset. */
  str(offset: number): string {
    return this.strings.get(offset);
  }

  /** The third header word: the size for sized kinds, the referenced type id for the others. */
  sizeOrType(id: number): number {
    if (id < this.firstId) return this.base ? this.base.sizeOrType(id) : 0;
    return this.words[this.starts[id - this.firstId]! + 2]!;
  }

  /** Word `index` of the kind-specific data that follows the common header. */
  extra(id: number, index: number): number {
    if (id < this.firstId) return this.base!.extra(id, index);
    return this.words[this.starts[id - this.firstId]! + 3 + index]!;
  }

  /**
   * Overwrites word `index` of a local type's record (0: name, 1: info, 2: size/type, 3...: kind data). Only for
   * fix-ups that keep the record valid, such as filling in DATASEC sizes; the caller re-checks what it writes.
   * @internal
   */
  patch(id: number, index: number, value: number): void {
    if (id < this.firstId || id >= this.typeCount) throw this.error('cannot patch a type of the base BTF', id);
    this.words[this.starts[id - this.firstId]! + index] = value >>> 0;
  }

  /** Member `i` of a struct or union: type id. */
  memberType(id: number, i: number): number {
    return this.extra(id, i * 3 + 1);
  }

  memberNameOffset(id: number, i: number): number {
    return this.extra(id, i * 3);
  }

  memberName(id: number, i: number): string {
    const off = this.memberNameOffset(id, i);
    return off === 0 ? '' : this.strings.get(off);
  }

  /** Member `i`'s offset in bits from the start of the struct (kind_flag splits the word, as libbpf does). */
  memberBitOffset(id: number, i: number): number {
    const raw = this.extra(id, i * 3 + 2);
    return this.kindFlag(id) ? raw & 0xffffff : raw;
  }

  /** Member `i`'s bitfield size in bits, 0 when it is not a bitfield. */
  memberBitfieldSize(id: number, i: number): number {
    return this.kindFlag(id) ? this.extra(id, i * 3 + 2) >>> 24 : 0;
  }

  /** Decodes one type into a plain object. */
  type(id: number): BtfType {
    this.checkId(id);
    return graph.decodeType(this, id);
  }

  /** All types of this BTF (not its base), decoded, in id order. */
  *types(): IterableIterator<BtfType> {
    for (let id = this.firstId; id < this.typeCount; id++) yield graph.decodeType(this, id);
  }

  /** The members of a struct or union with offsets and bitfield sizes resolved. */
  members(id: number): BtfMember[] {
    return graph.membersOf(this, id);
  }

  /** Follows typedefs and modifiers (const, volatile, restrict, type tags) to the underlying type. */
  resolve(id: number): number {
    return graph.skipModsAndTypedefs(this, id);
  }

  /** Follows modifiers (not typedefs). */
  skipModifiers(id: number): number {
    return graph.skipModifiers(this, id);
  }

  /** sizeof(type) in bytes, as libbpf's btf__resolve_size computes it. Throws `BtfError` for sizeless types. */
  sizeof(id: number): number {
    return graph.sizeOf(this, id);
  }

  /** The natural alignment of a type in bytes, as libbpf's btf__align_of; 1 for packed structs. */
  alignof(id: number): number {
    return graph.alignOf(this, id);
  }

  /** Size of a pointer: the size of `long` if the BTF has it, else 8 (libbpf's guess). */
  pointerSize(): number {
    this.ptrSize ??= graph.guessPointerSize(this);
    return this.ptrSize;
  }

  /** Ids of every type (base included) with this name, in id order; `kind` narrows the search. */
  findByName(name: string, kind?: BtfKind): number[] {
    if (!this.nameIndex) {
      const index = new Map<string, number[]>();
      for (let id = 1; id < this.typeCount; id++) {
        const off = this.nameOffset(id);
        if (off === 0) continue;
        const n = this.strings.get(off);
        const list = index.get(n);
        if (list) list.push(id);
        else index.set(n, [id]);
      }
      this.nameIndex = index;
    }
    const ids = this.nameIndex.get(name) ?? [];
    return kind === undefined ? ids.slice() : ids.filter((id) => this.kind(id) === kind);
  }

  /** The first type with this name (and kind), or undefined. */
  find(name: string, kind?: BtfKind): number | undefined {
    return this.findByName(name, kind)[0];
  }

  /** The byte offset of a member path like `a.b.c` inside a struct/union (anonymous members searched too). */
  memberOffset(id: number, path: string): { bitOffset: number; bitfieldSize: number; type: number } {
    return graph.memberPath(this, id, path);
  }

  /** True for a struct or union. */
  isComposite(id: number): boolean {
    const k = this.kind(id);
    return k === BtfKind.Struct || k === BtfKind.Union;
  }
}
