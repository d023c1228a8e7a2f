import type { Btf } from './btf.js';
import { BTF_KIND_MAX, BTF_KIND_NAMES, BtfKind } from './kinds.js';

/**
 * The text `bpftool btf dump file FILE format raw` prints: one line per type, members/params/values indented
 * with a tab. For split BTF only the split's own types are listed, as bpftool does.
 */
export function formatBtfRaw(btf: Btf): string {
  const out: string[] = [];
  for (let id = btf.firstId; id < btf.typeCount; id++) out.push(formatRawType(btf, id));
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** One type's lines (without the trailing newline). */
export function formatRawType(btf: Btf, id: number): string {
  const kind = btf.kind(id);
  const vlen = btf.vlen(id);
  const kflag = btf.kindFlag(id);
  const x = btf.sizeOrType(id);
  let s = `[${id}] ${kindName(kind)} '${quoted(btf, btf.nameOffset(id))}'`;
  switch (kind) {
    case BtfKind.Int: {
      const v = btf.extra(id, 0);
      s += ` size=${x} bits_offset=${(v >>> 16) & 0xff} nr_bits=${v & 0xff} encoding=${intEncoding((v >>> 24) & 0xf)}`;
      break;
    }
    case BtfKind.Ptr:
    case BtfKind.Const:
    case BtfKind.Volatile:
    case BtfKind.Restrict:
    case BtfKind.Typedef:
    case BtfKind.TypeTag:
      s += ` type_id=${x}`;
      break;
    case BtfKind.Array:
      s += ` type_id=${btf.extra(id, 0)} index_type_id=${btf.extra(id, 1)} nr_elems=${btf.extra(id, 2)}`;
      break;
    case BtfKind.Struct:
    case BtfKind.Union:
      s += ` size=${x} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const raw = btf.extra(id, i * 3 + 2);
        const bitOff = kflag ? raw & 0xffffff : raw;
        const bitSz = kflag ? raw >>> 24 : 0;
        s += `\n\t'${quoted(btf, btf.extra(id, i * 3))}' type_id=${btf.extra(id, i * 3 + 1)} bits_offset=${bitOff}`;
        if (bitSz) s += ` bitfield_size=${bitSz}`;
      }
      break;
    case BtfKind.Enum:
      s += ` encoding=${kflag ? 'SIGNED' : 'UNSIGNED'} size=${x} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const v = btf.extra(id, i * 2 + 1);
        s += `\n\t'${quoted(btf, btf.extra(id, i * 2))}' val=${kflag ? v | 0 : v}`;
      }
      break;
    case BtfKind.Enum64:
      s += ` encoding=${kflag ? 'SIGNED' : 'UNSIGNED'} size=${x} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const v = (BigInt(btf.extra(id, i * 3 + 2)) << 32n) | BigInt(btf.extra(id, i * 3 + 1));
        s += `\n\t'${quoted(btf, btf.extra(id, i * 3))}' val=${kflag ? `${BigInt.asIntN(64, v)}LL` : `${v}ULL`}`;
      }
      break;
    case BtfKind.Fwd:
      s += ` fwd_kind=${kflag ? 'union' : 'struct'}`;
      break;
    case BtfKind.Func:
      s += ` type_id=${x} linkage=${funcLinkage(vlen)}`;
      break;
    case BtfKind.FuncProto:
      s += ` ret_type_id=${x} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        s += `\n\t'${quoted(btf, btf.extra(id, i * 2))}' type_id=${btf.extra(id, i * 2 + 1)}`;
      }
      break;
    case BtfKind.Var:
      s += ` type_id=${x}, linkage=${varLinkage(btf.extra(id, 0))}`;
      break;
    case BtfKind.Datasec:
      s += ` size=${x} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const type = btf.extra(id, i * 3);
        s += `\n\ttype_id=${type} offset=${btf.extra(id, i * 3 + 1)} size=${btf.extra(id, i * 3 + 2)}`;
        if (type < btf.typeCount) s += ` (${kindName(btf.kind(type))} '${quoted(btf, btf.nameOffset(type))}')`;
      }
      break;
    case BtfKind.Float:
      s += ` size=${x}`;
      break;
    case BtfKind.DeclTag:
      s += ` type_id=${x} component_idx=${btf.extra(id, 0) | 0}`;
      break;
    default:
      break;
  }
  return s;
}

function kindName(kind: number): string {
  return BTF_KIND_NAMES[kind <= BTF_KIND_MAX ? kind : 0]!;
}

/** bpftool's btf_str: "(anon)" for offset 0, "(invalid)" for an offset outside the strings. */
function quoted(btf: Btf, off: number): string {
  if (off === 0) return '(anon)';
  return btf.strings.has(off) ? btf.str(off) : '(invalid)';
}

function intEncoding(encoding: number): string {
  switch (encoding) {
    case 0:
      return '(none)';
    case 1:
      return 'SIGNED';
    case 2:
      return 'CHAR';
    case 4:
      return 'BOOL';
    default:
      return 'UNKN';
  }
}

function funcLinkage(linkage: number): string {
  return ['static', 'global', 'extern'][linkage] ?? '(unknown)';
}

function varLinkage(linkage: number): string {
  return ['static', 'global', 'extern'][linkage] ?? '(unknown)';
}
