import type { BtfKind } from './kinds.js';

/** A struct or union member. `bitOffset` is from the start of the struct; `bitfieldSize` is 0 for non-bitfields. */
export interface BtfMember {
  name: string;
  type: number;
  bitOffset: number;
  bitfieldSize: number;
}

export interface BtfEnumValue {
  name: string;
  value: number;
}

export interface BtfEnum64Value {
  name: string;
  value: bigint;
}

export interface BtfParam {
  name: string;
  type: number;
}

export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}

interface Common {
  id: number;
  /** '' for anonymous types. */
  name: string;
}

/** Type id 0: void. */
export interface BtfVoid extends Common {
  kind: typeof BtfKind.Unknown;
}
export interface BtfInt extends Common {
  kind: typeof BtfKind.Int;
  size: number;
  /** BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL bits. */
  encoding: number;
  bitOffset: number;
  bits: number;
}
/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG: a name (for typedef and type tag) and a target. */
export interface BtfRef extends Common {
  kind:
    | typeof BtfKind.Ptr
    | typeof BtfKind.Typedef
    | typeof BtfKind.Volatile
    | typeof BtfKind.Const
    | typeof BtfKind.Restrict
    | typeof BtfKind.TypeTag;
  type: number;
  /** TYPE_TAG with kind_flag set: the tag is a plain attribute, not btf_type_tag. */
  kindFlag: boolean;
}
export interface BtfArray extends Common {
  kind: typeof BtfKind.Array;
  type: number;
  indexType: number;
  nelems: number;
}
export interface BtfComposite extends Common {
  kind: typeof BtfKind.Struct | typeof BtfKind.Union;
  size: number;
  /** kind_flag: member offsets carry bitfield sizes. */
  kindFlag: boolean;
  members: BtfMember[];
}
export interface BtfEnum extends Common {
  kind: typeof BtfKind.Enum;
  size: number;
  signed: boolean;
  values: BtfEnumValue[];
}
export interface BtfEnum64 extends Common {
  kind: typeof BtfKind.Enum64;
  size: number;
  signed: boolean;
  values: BtfEnum64Value[];
}
export interface BtfFwd extends Common {
  kind: typeof BtfKind.Fwd;
  /** A forward-declared union (kind_flag), else a struct. */
  union: boolean;
}
export interface BtfFunc extends Common {
  kind: typeof BtfKind.Func;
  /** The FUNC_PROTO. */
  type: number;
  /** BTF_FUNC_STATIC, BTF_FUNC_GLOBAL or BTF_FUNC_EXTERN. */
  linkage: number;
}
export interface BtfFuncProto extends Common {
  kind: typeof BtfKind.FuncProto;
  returnType: number;
  /** A last parameter of type 0 means `...`. */
  params: BtfParam[];
}
export interface BtfVar extends Common {
  kind: typeof BtfKind.Var;
  type: number;
  linkage: number;
}
export interface BtfDatasec extends Common {
  kind: typeof BtfKind.Datasec;
  size: number;
  vars: BtfVarSecinfo[];
}
export interface BtfFloat extends Common {
  kind: typeof BtfKind.Float;
  size: number;
}
export interface BtfDeclTag extends Common {
  kind: typeof BtfKind.DeclTag;
  type: number;
  /** -1 for the type itself, else the member or parameter index. */
  componentIdx: number;
  kindFlag: boolean;
}

/** A decoded BTF type. Decoding allocates; hot paths use the `Btf` word accessors instead. */
export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfRef
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfEnum64
  | BtfFwd
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag;
