/**
 * Ring-buffer and perf-buffer records carry no type: the maps declare none, and libbpf hands the bytes to a C
 * callback that casts them. `tsbpf attach --record-type NAME` decodes them through the object's BTF as that struct
 * (as bpf2go's `-type NAME`). clang puts a struct in BTF only when a map, a global or a function signature uses it;
 * a struct used only by local variables (the usual `struct event *e = bpf_ringbuf_reserve(...)`) is kept with a
 * global such as `const struct event *unused_event __attribute__((unused));`. Without --record-type, records stay
 * bytes: guessing a struct by size could show the wrong fields.
 */
import { decodeBtfValue } from '../btf/btf-decode.js';
import { BtfKind } from '../btf/kinds.js';
import { InputError } from '../errors.js';
import type { DecodedValue } from '../object/collection.js';
import type { ObjectSpec } from '../object/types.js';

export type RecordDecoder = (record: Uint8Array) => DecodedValue;

const asBytes: RecordDecoder = (record) => Array.from(record);

export function recordDecoder(spec: ObjectSpec, typeName: string | undefined): RecordDecoder {
  if (typeName === undefined) return asBytes;
  const btf = spec.btf;
  const kinds = [BtfKind.Struct, BtfKind.Union, BtfKind.Typedef];
  const id = btf && kinds.map((kind) => btf.find(typeName, kind)).find((found) => found !== undefined);
  if (!btf || id === undefined) {
    throw new InputError(
      `--record-type ${typeName}: ${spec.name ?? 'the object'} has no struct, union or typedef of that name in its ` +
        'BTF (a struct only local variables use is not there; a global that points to it keeps it)',
    );
  }
  const size = btf.sizeof(id);
  // perf records are padded to 8 bytes (plus the u32 size header), so a record may be longer than its struct
  return (record) => (record.length >= size ? decodeBtfValue(btf, id, record.subarray(0, size)) : asBytes(record));
}
