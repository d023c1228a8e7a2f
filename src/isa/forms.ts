/**
 * The opcode table: every valid eBPF instruction form, once. Decoding, encoding, both assemblers, both
 * disassemblers, the interpreter and the JIT are all driven by it.
 *
 * A form is an opcode plus the value a discriminating field must have (off for sdiv/smod and movsx, imm for END
 * widths and atomic operations, src for the call variants). Everything else about the instruction's shape is in
 * `kind`, which also says which fields are operands and which are reserved (must be zero).
 */
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_H,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  LDDW_OPCODE,
} from './opcodes.js';

export type FormKind =
  | 'alu' // dst = dst op src|imm
  | 'neg' // dst = -dst
  | 'movsx' // dst = sign-extend(src, off bits)
  | 'end' // byte order conversion, width in imm
  | 'ldx' // dst = *(size *)(src + off), sign-extending when `signed`
  | 'st' // *(size *)(dst + off) = imm
  | 'stx' // *(size *)(dst + off) = src
  | 'atomic' // atomic read-modify-write on *(size *)(dst + off) with src
  | 'lddw' // dst = imm64 (or a pseudo source, by src)
  | 'ja' // pc += off
  | 'ja32' // pc += imm (gotol)
  | 'jcond' // if dst op src|imm then pc += off
  | 'call' // helper call by id (src 0)
  | 'call_local' // BPF-to-BPF call, pc += imm (src 1)
  | 'call_kfunc' // kfunc call by BTF id (src 2)
  | 'callx' // helper call through the id in register dst
  | 'exit'
  | 'ld_abs' // legacy packet load r0 = ntoh(*(size *)(skb->data + imm))
  | 'ld_ind'; // legacy packet load r0 = ntoh(*(size *)(skb->data + src + imm))

export interface InsnForm {
  /** Index of this form in FORMS. */
  readonly id: number;
  readonly kind: FormKind;
  readonly opcode: number;
  /** ubpf/bpf_conformance mnemonic; the immediate and register forms of an operation share it. */
  readonly mnemonic: string;
  /** 64-bit operation (ALU64, JMP, 64-bit atomics and loads). */
  readonly is64: boolean;
  /** ALU op (BPF_ADD...), jump op (BPF_JEQ...), atomic op (imm), END: BPF_K (to le) or BPF_X (to be), or -1 for bswap. */
  readonly op: number;
  /** Source is a register (X) rather than the immediate (K). */
  readonly x: boolean;
  /** Access size in bytes (loads, stores, atomics, LD_ABS/IND), END width in bits, movsx width in bits. */
  readonly size: number;
  /** Signed division/modulo, or sign-extending load. */
  readonly signed: boolean;
  /** Required value of the discriminating field, if any. */
  readonly match?: { readonly field: 'off' | 'imm' | 'src'; readonly value: number };
}

type FormInit = Omit<InsnForm, 'id' | 'is64' | 'op' | 'x' | 'size' | 'signed'> &
  Partial<Pick<InsnForm, 'is64' | 'op' | 'x' | 'size' | 'signed'>>;

const forms: InsnForm[] = [];
function add(init: FormInit): void {
  forms.push({ is64: false, op: 0, x: false, size: 0, signed: false, ...init, id: forms.length });
}

const ALU_OPS: readonly [string, number][] = [
  ['add', BPF_ADD],
  ['sub', BPF_SUB],
  ['mul', BPF_MUL],
  ['div', BPF_DIV],
  ['or', BPF_OR],
  ['and', BPF_AND],
  ['lsh', BPF_LSH],
  ['rsh', BPF_RSH],
  ['mod', BPF_MOD],
  ['xor', BPF_XOR],
  ['mov', BPF_MOV],
  ['arsh', BPF_ARSH],
];

for (const cls of [BPF_ALU64, BPF_ALU]) {
  const is64 = cls === BPF_ALU64;
  const suffix = is64 ? '' : '32';
  for (const [name, op] of ALU_OPS) {
    for (const x of [false, true]) {
      const opcode = op | (x ? BPF_X : BPF_K) | cls;
      add({ kind: 'alu', opcode, mnemonic: `${name}${suffix}`, is64, op, x, match: { field: 'off', value: 0 } });
      if (op === BPF_DIV || op === BPF_MOD) {
        add({
          kind: 'alu',
          opcode,
          mnemonic: `s${name}${suffix}`,
          is64,
          op,
          x,
          signed: true,
          match: { field: 'off', value: 1 },
        });
      }
    }
  }
  add({ kind: 'neg', opcode: BPF_NEG | cls, mnemonic: `neg${suffix}`, is64, op: BPF_NEG });
  for (const bits of is64 ? [8, 16, 32] : [8, 16]) {
    add({
      kind: 'movsx',
      opcode: BPF_MOV | BPF_X | cls,
      mnemonic: `movsx${bits}${is64 ? 64 : 32}`,
      is64,
      op: BPF_MOV,
      x: true,
      size: bits,
      signed: true,
      match: { field: 'off', value: bits },
    });
  }
}

for (const width of [16, 32, 64]) {
  add({
    kind: 'end',
    opcode: BPF_END | BPF_K | BPF_ALU,
    mnemonic: `le${width}`,
    op: BPF_K,
    size: width,
    match: { field: 'imm', value: width },
  });
  add({
    kind: 'end',
    opcode: BPF_END | BPF_X | BPF_ALU,
    mnemonic: `be${width}`,
    op: BPF_X,
    size: width,
    match: { field: 'imm', value: width },
  });
  add({
    kind: 'end',
    opcode: BPF_END | BPF_K | BPF_ALU64,
    mnemonic: `bswap${width}`,
    is64: true,
    op: -1,
    size: width,
    match: { field: 'imm', value: width },
  });
}

const SIZES: readonly [string, number, number][] = [
  ['b', BPF_B, 1],
  ['h', BPF_H, 2],
  ['w', BPF_W, 4],
  ['dw', BPF_DW, 8],
];
for (const [suffix, sizeBits, size] of SIZES) {
  add({ kind: 'ldx', opcode: BPF_LDX | BPF_MEM | sizeBits, mnemonic: `ldx${suffix}`, size, is64: size === 8 });
  if (size < 8) {
    add({ kind: 'ldx', opcode: BPF_LDX | BPF_MEMSX | sizeBits, mnemonic: `ldxs${suffix}`, size, signed: true });
  }
  add({ kind: 'st', opcode: BPF_ST | BPF_MEM | sizeBits, mnemonic: `st${suffix}`, size, is64: size === 8 });
  add({ kind: 'stx', opcode: BPF_STX | BPF_MEM | sizeBits, mnemonic: `stx${suffix}`, size, is64: size === 8 });
  if (size < 8) {
    add({ kind: 'ld_abs', opcode: BPF_LD | BPF_ABS | sizeBits, mnemonic: `ldabs${suffix}`, size });
    add({ kind: 'ld_ind', opcode: BPF_LD | BPF_IND | sizeBits, mnemonic: `ldind${suffix}`, size });
  }
}

const ATOMIC_OPS: readonly [string, number][] = [
  ['add', BPF_ADD],
  ['or', BPF_OR],
  ['and', BPF_AND],
  ['xor', BPF_XOR],
  ['fetch add', BPF_ADD | BPF_FETCH],
  ['fetch or', BPF_OR | BPF_FETCH],
  ['fetch and', BPF_AND | BPF_FETCH],
  ['fetch xor', BPF_XOR | BPF_FETCH],
  ['xchg', BPF_XCHG],
  ['cmpxchg', BPF_CMPXCHG],
];
for (const [sizeBits, size] of [
  [BPF_DW, 8],
  [BPF_W, 4],
] as const) {
  for (const [name, imm] of ATOMIC_OPS) {
    add({
      kind: 'atomic',
      opcode: BPF_STX | BPF_ATOMIC | sizeBits,
      mnemonic: `lock ${name}${size === 4 ? '32' : ''}`,
      size,
      is64: size === 8,
      op: imm,
      x: true,
      match: { field: 'imm', value: imm },
    });
  }
}

add({ kind: 'lddw', opcode: LDDW_OPCODE, mnemonic: 'lddw', is64: true, size: 8 });

const JMP_OPS: readonly [string, number][] = [
  ['jeq', BPF_JEQ],
  ['jgt', BPF_JGT],
  ['jge', BPF_JGE],
  ['jset', BPF_JSET],
  ['jne', BPF_JNE],
  ['jsgt', BPF_JSGT],
  ['jsge', BPF_JSGE],
  ['jlt', BPF_JLT],
  ['jle', BPF_JLE],
  ['jslt', BPF_JSLT],
  ['jsle', BPF_JSLE],
];
add({ kind: 'ja', opcode: BPF_JA | BPF_JMP, mnemonic: 'ja', is64: true });
add({ kind: 'ja32', opcode: BPF_JA | BPF_JMP32, mnemonic: 'ja32' });
for (const cls of [BPF_JMP, BPF_JMP32]) {
  const is64 = cls === BPF_JMP;
  for (const [name, op] of JMP_OPS) {
    const signed = op === BPF_JSGT || op === BPF_JSGE || op === BPF_JSLT || op === BPF_JSLE;
    for (const x of [false, true]) {
      add({
        kind: 'jcond',
        opcode: op | (x ? BPF_X : BPF_K) | cls,
        mnemonic: `${name}${is64 ? '' : '32'}`,
        is64,
        op,
        x,
        signed,
      });
    }
  }
}
add({ kind: 'call', opcode: BPF_CALL | BPF_JMP, mnemonic: 'call', is64: true, match: { field: 'src', value: 0 } });
add({
  kind: 'call_local',
  opcode: BPF_CALL | BPF_JMP,
  mnemonic: 'call local',
  is64: true,
  match: { field: 'src', value: 1 },
});
add({
  kind: 'call_kfunc',
  opcode: BPF_CALL | BPF_JMP,
  mnemonic: 'call runtime',
  is64: true,
  match: { field: 'src', value: 2 },
});
add({ kind: 'callx', opcode: BPF_CALL | BPF_X | BPF_JMP, mnemonic: 'callx', is64: true, x: true });
add({ kind: 'exit', opcode: BPF_EXIT | BPF_JMP, mnemonic: 'exit', is64: true });

/** Every valid form, indexed by `InsnForm.id`. */
export const FORMS: readonly InsnForm[] = forms;

/** Forms grouped by opcode byte. */
export const FORMS_BY_OPCODE: readonly (readonly InsnForm[])[] = (() => {
  const table: InsnForm[][] = Array.from({ length: 256 }, () => []);
  for (const f of forms) table[f.opcode]!.push(f);
  return table;
})();

/** Forms by ubpf mnemonic: one or two (immediate and register source). */
export const FORMS_BY_MNEMONIC: ReadonlyMap<string, readonly InsnForm[]> = (() => {
  const map = new Map<string, InsnForm[]>();
  for (const f of forms) {
    const list = map.get(f.mnemonic);
    if (list) list.push(f);
    else map.set(f.mnemonic, [f]);
  }
  return map;
})();

/** The form an instruction's fields select, or undefined if the opcode and discriminating field match none. */
export function formOf(insn: { opcode: number; src: number; off: number; imm: number }): InsnForm | undefined {
  const candidates = FORMS_BY_OPCODE[insn.opcode & 0xff]!;
  for (const f of candidates) {
    if (!f.match || insn[f.match.field] === f.match.value) return f;
  }
  return undefined;
}
