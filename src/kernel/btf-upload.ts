/**
 * The object's BTF as BPF_BTF_LOAD wants it: the parsed (and DATASEC-fixed) `Btf` written back to bytes, with the
 * few things the kernel refuses that clang emits made acceptable, as libbpf's sanitizer does:
 * - extern VARs (linkage 2, `.kconfig`/`.ksyms`) become global allocated variables; a `void` extern (a typeless
 *   ksym) gets an int type, since the kernel rejects a VAR of type void;
 * - extern FUNCs (kfunc declarations, linkage 2) become global;
 * - a DATASEC with size 0 (an unused `.ksyms`) gets the size of its variables.
 *
 * Line info names its file and source line by string offsets into this BTF, so the writer also answers "where is
 * this string", appending strings the section lacks (a spec edited after parsing may carry new ones).
 */
import type { Btf } from '../btf/btf.js';
import { BTF_HEADER_SIZE, BTF_MAGIC, BTF_VERSION, BtfKind } from '../btf/kinds.js';

const VAR_GLOBAL_ALLOCATED = 1;
const VAR_GLOBAL_EXTERN = 2;
const FUNC_GLOBAL = 1;
const FUNC_EXTERN = 2;

export class BtfUpload {
  private readonly words: Uint32Array;
  private readonly stringBytes: number[];
  private readonly offsets = new Map<string, number>();

  constructor(readonly btf: Btf) {
    if (btf.base) throw new Error('split BTF cannot be uploaded as an object BTF');
    this.words = btf.words.slice();
    this.stringBytes = Array.from(btf.strings.bytes);
    indexStrings(btf.strings.bytes, this.offsets);
    this.sanitize();
  }

  /** The string's offset in the uploaded string section, appending it when absent. */
  stringOffset(text: string): number {
    const known = this.offsets.get(text);
    if (known !== undefined) return known;
    const offset = this.stringBytes.length;
    for (const byte of new TextEncoder().encode(text)) this.stringBytes.push(byte);
    this.stringBytes.push(0);
    this.offsets.set(text, offset);
    return offset;
  }

  /** Header, type section, string section: little-endian, as this host's kernel reads them. */
  bytes(): Uint8Array {
    const typeLen = this.words.length * 4;
    const strLen = this.stringBytes.length;
    const out = new Uint8Array(BTF_HEADER_SIZE + typeLen + strLen);
    const view = new DataView(out.buffer);
    view.setUint16(0, BTF_MAGIC, true);
    out[2] = BTF_VERSION;
    out[3] = 0;
    view.setUint32(4, BTF_HEADER_SIZE, true);
    view.setUint32(8, 0, true);
    view.setUint32(12, typeLen, true);
    view.setUint32(16, typeLen, true);
    view.setUint32(20, strLen, true);
    for (let i = 0; i < this.words.length; i++) view.setUint32(BTF_HEADER_SIZE + i * 4, this.words[i]!, true);
    out.set(this.stringBytes, BTF_HEADER_SIZE + typeLen);
    return out;
  }

  private word(id: number, index: number): number {
    return this.words[this.btf.starts[id - this.btf.firstId]! + index]!;
  }

  private setWord(id: number, index: number, value: number): void {
    this.words[this.btf.starts[id - this.btf.firstId]! + index] = value >>> 0;
  }

  private sanitize(): void {
    const btf = this.btf;
    let intId: number | undefined;
    for (let id = btf.firstId; id < btf.typeCount; id++) {
      const kind = btf.kind(id);
      if (kind === BtfKind.Var && this.word(id, 3) === VAR_GLOBAL_EXTERN) {
        this.setWord(id, 3, VAR_GLOBAL_ALLOCATED);
        if (btf.resolve(this.word(id, 2)) === 0) {
          intId ??= findInt(btf);
          if (intId !== undefined) this.setWord(id, 2, intId);
        }
      } else if (kind === BtfKind.Func && btf.vlen(id) === FUNC_EXTERN) {
        this.setWord(id, 1, (this.word(id, 1) & ~0xffff) | FUNC_GLOBAL);
      }
    }
    for (let id = btf.firstId; id < btf.typeCount; id++) {
      if (btf.kind(id) !== BtfKind.Datasec || this.word(id, 2) !== 0) continue;
      let end = 0;
      for (let i = 0; i < btf.vlen(id); i++) {
        let offset = this.word(id, 3 + i * 3 + 1);
        let size = this.word(id, 3 + i * 3 + 2);
        if (size === 0) {
          size = 4;
          this.setWord(id, 3 + i * 3 + 2, size);
        }
        if (offset < end) {
          offset = end;
          this.setWord(id, 3 + i * 3 + 1, offset);
        }
        end = offset + size;
      }
      this.setWord(id, 2, Math.max(end, 1));
    }
  }
}

/** The first 4-byte signed INT, for typeless externs. */
function findInt(btf: Btf): number | undefined {
  for (let id = 1; id < btf.typeCount; id++) {
    if (btf.kind(id) === BtfKind.Int && btf.sizeOrType(id) === 4) return id;
  }
  return undefined;
}

/** Maps every NUL-terminated string of a string section to its first offset. */
function indexStrings(bytes: Uint8Array, into: Map<string, number>): void {
  const decoder = new TextDecoder();
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    const text = decoder.decode(bytes.subarray(start, i));
    if (!into.has(text)) into.set(text, start);
    start = i + 1;
  }
}
