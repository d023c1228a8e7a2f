/**
 * The filter-language parser (libpcap's grammar.y): a recursive-descent rendering of the LALR grammar that
 * calls the code generator in the same order yacc's reductions would, so registers and blocks come out the
 * same. `and`/`or` are left-associative with equal precedence; `not` binds tighter; an operand after
 * `and`/`or` without qualifiers inherits the previous primitive's qualifiers ("host a or b").
 */
import * as C from './consts.js';
import { FilterError } from './errors.js';
import { bpfError, genAnd, genNot, genOr } from './gen-core.js';
import {
  genAtmfieldCode,
  genAtmmultiAbbrev,
  genAtmtypeAbbrev,
  genGeneve,
  genMpls,
  genMtp2typeAbbrev,
  genMtp3fieldCode,
  genPppoed,
  genPppoes,
  genVlan,
  genVxlan,
} from './gen-encap.js';
import { genAcode, genEcode, genMcode, genMcode6, genNcode, genScode } from './gen-id.js';
import {
  genArth,
  genBroadcast,
  genByteop,
  genGreater,
  genIfindex,
  genInboundOutbound,
  genLess,
  genLlc,
  genLlcKind,
  genLoad,
  genLoadi,
  genLoadlen,
  genMulticast,
  genNeg,
  genP80211Fcdir,
  genP80211Type,
  genPfField,
  genPfIfname,
  genPfRuleset,
  genRelation,
} from './gen-misc.js';
import { genProtoAbbrev } from './gen-proto.js';
import {
  BPF_ADD,
  BPF_AND,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_LSH,
  BPF_MOD,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
} from './insn.js';
import type { Arth, Block } from './ir.js';
import type { Token } from './lexer.js';
import { IEEE80211_SUBTYPES, IEEE80211_TYPES, PF_ACTIONS, PF_REASONS } from './names.js';
import type { CompilerState } from './state.js';

interface Val {
  b: Block;
  q: C.Qual;
}

const PNAME: Record<string, number> = {
  LINK: C.Q_LINK,
  IP: C.Q_IP,
  ARP: C.Q_ARP,
  RARP: C.Q_RARP,
  SCTP: C.Q_SCTP,
  TCP: C.Q_TCP,
  UDP: C.Q_UDP,
  ICMP: C.Q_ICMP,
  IGMP: C.Q_IGMP,
  IGRP: C.Q_IGRP,
  PIM: C.Q_PIM,
  VRRP: C.Q_VRRP,
  CARP: C.Q_CARP,
  ATALK: C.Q_ATALK,
  AARP: C.Q_AARP,
  DECNET: C.Q_DECNET,
  LAT: C.Q_LAT,
  SCA: C.Q_SCA,
  MOPDL: C.Q_MOPDL,
  MOPRC: C.Q_MOPRC,
  IPV6: C.Q_IPV6,
  ICMPV6: C.Q_ICMPV6,
  AH: C.Q_AH,
  ESP: C.Q_ESP,
  ISO: C.Q_ISO,
  ESIS: C.Q_ESIS,
  ISIS: C.Q_ISIS,
  L1: C.Q_ISIS_L1,
  L2: C.Q_ISIS_L2,
  IIH: C.Q_ISIS_IIH,
  LSP: C.Q_ISIS_LSP,
  SNP: C.Q_ISIS_SNP,
  PSNP: C.Q_ISIS_PSNP,
  CSNP: C.Q_ISIS_CSNP,
  CLNP: C.Q_CLNP,
  STP: C.Q_STP,
  IPX: C.Q_IPX,
  NETBEUI: C.Q_NETBEUI,
  RADIO: C.Q_RADIO,
};
const DQUAL: Record<string, number> = {
  SRC: C.Q_SRC,
  DST: C.Q_DST,
  ADDR1: C.Q_ADDR1,
  ADDR2: C.Q_ADDR2,
  ADDR3: C.Q_ADDR3,
  ADDR4: C.Q_ADDR4,
  RA: C.Q_RA,
  TA: C.Q_TA,
};
const AQUAL: Record<string, number> = { HOST: C.Q_HOST, NET: C.Q_NET, PORT: C.Q_PORT, PORTRANGE: C.Q_PORTRANGE };
const ATMTYPE: Record<string, number> = {
  LANE: C.A_LANE,
  METAC: C.A_METAC,
  BCC: C.A_BCC,
  OAMF4EC: C.A_OAMF4EC,
  OAMF4SC: C.A_OAMF4SC,
  SC: C.A_SC,
  ILMIC: C.A_ILMIC,
};
const ATMMULTI: Record<string, number> = {
  OAM: C.A_OAM,
  OAMF4: C.A_OAMF4,
  CONNECTMSG: C.A_CONNECTMSG,
  METACONNECT: C.A_METACONNECT,
};
const MTP2TYPE: Record<string, number> = {
  FISU: C.M_FISU,
  LSSU: C.M_LSSU,
  MSU: C.M_MSU,
  HFISU: C.MH_FISU,
  HLSSU: C.MH_LSSU,
  HMSU: C.MH_MSU,
};
const MTP3FIELD: Record<string, number> = {
  SIO: C.M_SIO,
  OPC: C.M_OPC,
  DPC: C.M_DPC,
  SLS: C.M_SLS,
  HSIO: C.MH_SIO,
  HOPC: C.MH_OPC,
  HDPC: C.MH_DPC,
  HSLS: C.MH_SLS,
};
const RELOP: Record<string, [number, boolean]> = {
  '>': [BPF_JGT, false],
  GEQ: [BPF_JGE, false],
  '=': [BPF_JEQ, false],
  LEQ: [BPF_JGT, true],
  '<': [BPF_JGE, true],
  NEQ: [BPF_JEQ, true],
};
/** Binary arithmetic operators: [precedence, BPF ALU op]. */
const ARITH: Record<string, [number, number]> = {
  '|': [1, BPF_OR],
  '^': [1, BPF_XOR],
  '&': [2, BPF_AND],
  LSH: [3, BPF_LSH],
  RSH: [3, BPF_RSH],
  '+': [4, BPF_ADD],
  '-': [4, BPF_SUB],
  '*': [5, BPF_MUL],
  '/': [5, BPF_DIV],
  '%': [5, BPF_MOD],
};
const ID_START = new Set(['ID', 'HID', 'HID6', 'EID', 'AID']);
const PID_TOKENS = new Set(['ID', 'HID', 'HID6', 'EID', 'AID', 'NUM', 'AND', 'OR', '!', '(', ')', '/', 'NETMASK']);

/** Parse a token list and generate its code; returns the expression's block, or null for an empty filter. */
export function parseFilter(cs: CompilerState, toks: Token[]): Block | null {
  return new Parser(cs, toks).prog();
}

class Parser {
  private i = 0;
  constructor(
    private readonly cs: CompilerState,
    private readonly toks: Token[],
  ) {}

  private get tok(): Token {
    return this.toks[this.i]!;
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private kindNow(): string {
    return this.tok.kind;
  }
  private next(): Token {
    const t = this.tok;
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private syntax(): never {
    const t = this.tok;
    const where = t.kind === 'EOF' ? 'at end of expression' : `at '${t.text}' (column ${t.pos + 1})`;
    throw new FilterError(`can't parse filter expression: syntax error ${where}`);
  }
  private expect(kind: string): Token {
    if (this.tok.kind !== kind) this.syntax();
    return this.next();
  }

  prog(): Block | null {
    if (this.tok.kind === 'EOF') return null;
    const v = this.expr(C.qualErr());
    if (this.tok.kind !== 'EOF') this.syntax();
    return v.b;
  }

  /** expr: term | expr and term | expr and id | expr or term | expr or id */
  private expr(inherited: C.Qual): Val {
    let left = this.unit(inherited, false);
    while (this.tok.kind === 'AND' || this.tok.kind === 'OR') {
      const op = this.next().kind;
      const right = this.unit(left.q, true);
      left = { b: op === 'AND' ? genAnd(left.b, right.b) : genOr(left.b, right.b), q: right.q };
    }
    return left;
  }

  /** A term, or (when allowed, after and/or) an id with inherited qualifiers; handles leading `not`. */
  private unit(q: C.Qual, allowId: boolean): Val {
    const t = this.tok;
    if (t.kind === '!') {
      this.next();
      const v = this.unit(q, allowId);
      return { b: genNot(v.b), q: v.q };
    }
    if (allowId) {
      if (ID_START.has(t.kind)) return this.id(q);
      if (t.kind === 'NUM' && !this.startsArith(this.i + 1)) return this.id(q);
      if (t.kind === '(' && this.isPidGroup(this.i)) return this.id(q);
    }
    return this.rterm(q);
  }

  /** Whether the token at `j` continues an arithmetic expression or relation. */
  private startsArith(j: number): boolean {
    const k = this.toks[j]!.kind;
    return k in ARITH || k in RELOP;
  }

  private matching(j: number): number {
    let depth = 0;
    for (; j < this.toks.length; j++) {
      const k = this.toks[j]!.kind;
      if (k === '(') depth++;
      else if (k === ')' && --depth === 0) return j;
      else if (k === 'EOF') return j;
    }
    return j;
  }

  /** Whether the parenthesized group at `j` is a list of bare ids ("host a and (b or c)"). */
  private isPidGroup(j: number): boolean {
    const end = this.matching(j);
    for (let k = j + 1; k < end; k++) if (!PID_TOKENS.has(this.toks[k]!.kind)) return false;
    return !this.startsArith(end + 1);
  }

  /** id: nid | pnum | paren pid ')' */
  private id(q: C.Qual): Val {
    const t = this.tok;
    const cs = this.cs;
    switch (t.kind) {
      case '!': {
        this.next();
        const v = this.id(q);
        return { b: genNot(v.b), q: v.q };
      }
      case '(': {
        this.next();
        let v = this.id(q);
        while (this.tok.kind === 'AND' || this.tok.kind === 'OR') {
          const op = this.next().kind;
          const r = this.id(v.q);
          v = { b: op === 'AND' ? genAnd(v.b, r.b) : genOr(v.b, r.b), q: r.q };
        }
        this.expect(')');
        return v;
      }
      case 'NUM':
        this.next();
        return { b: genNcode(cs, null, t.num, q), q };
      case 'ID':
        this.next();
        return { b: genScode(cs, t.text, q), q };
      case 'HID': {
        this.next();
        if (this.tok.kind === '/') {
          this.next();
          const n = this.expect('NUM');
          this.qualApplied(q, 'IPv4 address and prefix length');
          return { b: genMcode(cs, t.text, null, n.num, q), q };
        }
        if (this.tok.kind === 'NETMASK') {
          this.next();
          const m = this.expect('HID');
          this.qualApplied(q, 'IPv4 address and netmask');
          return { b: genMcode(cs, t.text, m.text, 0, q), q };
        }
        this.qualApplied(q, 'IPv4 address');
        return { b: genNcode(cs, t.text, 0, q), q };
      }
      case 'HID6': {
        this.next();
        if (this.tok.kind === '/') {
          this.next();
          const n = this.expect('NUM');
          this.qualApplied(q, 'IPv6 address and prefix length');
          return { b: genMcode6(cs, t.text, n.num, q), q };
        }
        this.qualApplied(q, 'IPv6 address');
        return { b: genMcode6(cs, t.text, 128, q), q };
      }
      case 'EID':
        this.next();
        return { b: genEcode(cs, t.text, q), q };
      case 'AID':
        this.next();
        return { b: genAcode(cs, t.text, q), q };
    }
    return this.syntax();
  }

  private qualApplied(q: C.Qual, what: string): void {
    if (q.addr === C.Q_PORT || q.addr === C.Q_PORTRANGE || q.addr === C.Q_PROTO || q.addr === C.Q_PROTOCHAIN)
      bpfError(`'${C.tqkw(q.addr)}' qualifier applied to ${what}`);
  }

  private pnum(): number | null {
    if (this.tok.kind === 'NUM') return this.next().num;
    if (this.tok.kind === '(' && this.peek().kind === 'NUM' && this.peek(2).kind === ')') {
      this.next();
      const v = this.next().num;
      this.next();
      return v;
    }
    return null;
  }

  /** rterm: head id | paren expr ')' | pname | arth relop arth | other | atm... | mtp... */
  private rterm(q: C.Qual): Val {
    const cs = this.cs;
    const t = this.tok;
    const qerr = C.qualErr();
    if (t.kind === '(') {
      const end = this.matching(this.i);
      if (this.startsArith(end + 1)) return { b: this.relation(), q: qerr };
      this.next();
      const v = this.expr(C.qualErr());
      this.expect(')');
      return { b: v.b, q };
    }
    if (t.kind === 'NUM' || t.kind === 'LEN' || t.kind === '-') return { b: this.relation(), q: qerr };
    let pq = C.Q_DEFAULT;
    let hasPname = false;
    if (t.kind in PNAME) {
      if (this.peek().kind === '[') return { b: this.relation(), q: qerr };
      pq = PNAME[t.kind]!;
      hasPname = true;
      this.next();
    }
    const k = this.tok.kind;
    if (k in DQUAL) {
      const dq = this.dqual();
      let aq = C.Q_DEFAULT;
      if (this.tok.kind in AQUAL) aq = AQUAL[this.next().kind]!;
      const hq = { proto: pq, dir: dq, addr: aq };
      return this.id(hq);
    }
    if (k in AQUAL) {
      this.next();
      return this.id({ proto: pq, dir: C.Q_DEFAULT, addr: AQUAL[k]! });
    }
    if (k === 'PROTO' || k === 'PROTOCHAIN' || k === 'GATEWAY') {
      this.next();
      const addr = k === 'PROTO' ? C.Q_PROTO : k === 'PROTOCHAIN' ? C.Q_PROTOCHAIN : C.Q_GATEWAY;
      return this.id({ proto: pq, dir: C.Q_DEFAULT, addr });
    }
    if (k === 'BROADCAST') {
      this.next();
      return { b: genBroadcast(cs, pq), q: qerr };
    }
    if (k === 'MULTICAST') {
      this.next();
      return { b: genMulticast(cs, pq), q: qerr };
    }
    if (k === 'TYPE' || k === 'SUBTYPE' || k === 'DIR') return { b: this.p80211(), q: qerr };
    if (hasPname) return { b: genProtoAbbrev(cs, pq), q: qerr };
    return { b: this.other(), q: qerr };
  }

  private dqual(): number {
    const k = this.next().kind;
    if ((k === 'SRC' || k === 'DST') && (this.tok.kind === 'OR' || this.tok.kind === 'AND')) {
      const other = k === 'SRC' ? 'DST' : 'SRC';
      if (this.peek().kind === other) {
        const op = this.next().kind;
        this.next();
        return op === 'OR' ? C.Q_OR : C.Q_AND;
      }
    }
    return DQUAL[k]!;
  }

  private other(): Block {
    const cs = this.cs;
    const t = this.next();
    const num = (): number => this.expect('NUM').num;
    switch (t.kind) {
      case 'LESS':
        return genLess(num());
      case 'GREATER':
        return genGreater(num());
      case 'CBYTE': {
        const idx = num();
        const op = this.next();
        if (!['&', '|', '<', '>', '='].includes(op.kind)) this.syntax();
        return genByteop(cs, op.kind, idx, num());
      }
      case 'INBOUND':
        return genInboundOutbound(cs, false);
      case 'OUTBOUND':
        return genInboundOutbound(cs, true);
      case 'IFINDEX':
        return genIfindex(cs, num());
      case 'VLAN': {
        const v = this.pnum();
        return genVlan(cs, v ?? 0, v !== null);
      }
      case 'MPLS': {
        const v = this.pnum();
        return genMpls(cs, v ?? 0, v !== null);
      }
      case 'PPPOED':
        return genPppoed(cs);
      case 'PPPOES': {
        const v = this.pnum();
        return genPppoes(cs, v ?? 0, v !== null);
      }
      case 'GENEVE': {
        const v = this.pnum();
        return genGeneve(cs, v ?? 0, v !== null);
      }
      case 'VXLAN': {
        const v = this.pnum();
        return genVxlan(cs, v ?? 0, v !== null);
      }
      case 'PF_IFNAME':
        return genPfIfname(cs, this.expect('ID').text);
      case 'PF_RSET':
        return genPfRuleset(cs, this.expect('ID').text);
      case 'PF_RNR':
        return genPfField(cs, 'rnr', num());
      case 'PF_SRNR':
        return genPfField(cs, 'srnr', num());
      case 'PF_REASON': {
        if (this.tok.kind === 'NUM') return genPfField(cs, 'reason', num());
        const name = this.expect('ID').text;
        const v = PF_REASONS[name];
        if (v === undefined) bpfError(`unknown PF reason "${name}"`);
        return genPfField(cs, 'reason', v);
      }
      case 'PF_ACTION': {
        const name = this.expect('ID').text;
        const v = PF_ACTIONS[name];
        if (v === undefined) bpfError(`unknown PF action "${name}"`);
        return genPfField(cs, 'action', v);
      }
      case 'LLC':
        return this.llc();
    }
    if (t.kind in ATMTYPE) return genAtmtypeAbbrev(cs, ATMTYPE[t.kind]!);
    if (t.kind in ATMMULTI) return genAtmmultiAbbrev(cs, ATMMULTI[t.kind]!);
    if (t.kind === 'VPI' || t.kind === 'VCI')
      return this.fieldValue(t.kind === 'VPI' ? C.A_VPI : C.A_VCI, (f, v, j, r) => genAtmfieldCode(cs, f, v, j, r));
    if (t.kind in MTP2TYPE) return genMtp2typeAbbrev(cs, MTP2TYPE[t.kind]!);
    if (t.kind in MTP3FIELD)
      return this.fieldValue(MTP3FIELD[t.kind]!, (f, v, j, r) => genMtp3fieldCode(cs, f, v, j, r));
    this.i--;
    return this.syntax();
  }

  /** atmvalue / mtp3value: NUM | relop NUM | irelop NUM | '(' NUM (or NUM)* ')' */
  private fieldValue(field: number, gen: (f: number, v: number, j: number, r: boolean) => Block): Block {
    const k = this.tok.kind;
    if (k === 'NUM') return gen(field, this.next().num, BPF_JEQ, false);
    if (k in RELOP) {
      const [j, r] = RELOP[this.next().kind]!;
      return gen(field, this.expect('NUM').num, j, r);
    }
    if (k === '(') {
      this.next();
      let b = gen(field, this.expect('NUM').num, BPF_JEQ, false);
      while (this.tok.kind === 'OR') {
        this.next();
        b = genOr(b, gen(field, this.expect('NUM').num, BPF_JEQ, false));
      }
      this.expect(')');
      return b;
    }
    return this.syntax();
  }

  private llc(): Block {
    const cs = this.cs;
    if (this.tok.kind === 'PF_RNR') {
      this.next();
      return genLlcKind(cs, 'ssub', C.LLC_RNR);
    }
    if (this.tok.kind !== 'ID') return genLlc(cs);
    const name = this.next().text;
    const lower = name.toLowerCase();
    if (lower === 'i') return genLlcKind(cs, 'i');
    if (lower === 's') return genLlcKind(cs, 's');
    if (lower === 'u') return genLlcKind(cs, 'u');
    if (lower in C.LLC_S_SUBTYPES) return genLlcKind(cs, 'ssub', C.LLC_S_SUBTYPES[lower]!);
    if (lower in C.LLC_U_SUBTYPES) return genLlcKind(cs, 'usub', C.LLC_U_SUBTYPES[lower]!);
    return bpfError(`unknown LLC type name "${name}"`);
  }

  private p80211(): Block {
    const cs = this.cs;
    const k = this.next().kind;
    if (k === 'DIR') {
      if (this.tok.kind === 'NUM') {
        const v = this.next().num;
        if (v > 3) bpfError('invalid 802.11 direction');
        return genP80211Fcdir(cs, v);
      }
      const name = this.expect('ID').text.toLowerCase();
      const dirs: Record<string, number> = { nods: 0, tods: 1, fromds: 2, dstods: 3 };
      if (!(name in dirs)) bpfError('unknown 802.11 direction');
      return genP80211Fcdir(cs, dirs[name]!);
    }
    if (k === 'TYPE') {
      let type: number;
      if (this.tok.kind === 'NUM') {
        type = this.next().num;
        if (type & ~0x0c) bpfError(`invalid 802.11 type value 0x${type.toString(16).padStart(2, '0')}`);
      } else {
        const name = this.expect('ID').text;
        const v = IEEE80211_TYPES[name.toLowerCase()];
        if (v === undefined) bpfError(`unknown 802.11 type name "${name}"`);
        type = v;
      }
      if (this.tok.kind !== 'SUBTYPE') return genP80211Type(cs, type, 0x0c);
      this.next();
      let sub: number;
      if (this.kindNow() === 'NUM') {
        sub = this.next().num;
        if (sub & ~0xf0) bpfError(`invalid 802.11 subtype value 0x${sub.toString(16).padStart(2, '0')}`);
      } else {
        const name = this.expect('ID').text;
        const table = IEEE80211_SUBTYPES.find(([t]) => t === type);
        if (!table) bpfError('unknown 802.11 type');
        const v = table[1][name.toLowerCase()];
        if (v === undefined) bpfError(`unknown 802.11 subtype name "${name}"`);
        sub = v;
      }
      return genP80211Type(cs, type | sub, 0x0c | 0xf0);
    }
    // SUBTYPE type_subtype
    const name = this.expect('ID').text.toLowerCase();
    for (const [type, table] of IEEE80211_SUBTYPES) {
      const v = table[name];
      if (v !== undefined) return genP80211Type(cs, v | type, 0x0c | 0xf0);
    }
    return bpfError('unknown 802.11 type name');
  }

  /** arth relop arth */
  private relation(): Block {
    const a0 = this.arth(0);
    const op = this.tok.kind;
    if (!(op in RELOP)) this.syntax();
    this.next();
    const a1 = this.arth(0);
    const [code, reversed] = RELOP[op]!;
    return genRelation(this.cs, code, a0, a1, reversed);
  }

  /**
   * Arithmetic by precedence climbing (yacc's %left levels). libpcap's grammar gives `^` and `%` no precedence, so
   * bison resolves their conflicts by shifting: they always bind to everything on their right, and `a - 1 ^ 3` is
   * `a - (1 ^ 3)`.
   */
  private arth(minPrec: number): Arth {
    let left = this.arthPrimary();
    for (;;) {
      const op = ARITH[this.tok.kind];
      const ungrouped = this.tok.kind === '^' || this.tok.kind === '%';
      if (!op || (!ungrouped && op[0] <= minPrec)) return left;
      this.next();
      const right = this.arth(ungrouped ? 0 : op[0]);
      left = genArth(this.cs, op[1], left, right);
    }
  }

  private arthPrimary(): Arth {
    const cs = this.cs;
    const t = this.tok;
    if (t.kind === 'NUM') {
      this.next();
      return genLoadi(cs, t.num);
    }
    if (t.kind === 'LEN') {
      this.next();
      return genLoadlen(cs);
    }
    if (t.kind === '-') {
      this.next();
      return genNeg(cs, this.arth(6));
    }
    if (t.kind === '(') {
      this.next();
      const a = this.arth(0);
      this.expect(')');
      return a;
    }
    if (t.kind in PNAME && this.peek().kind === '[') {
      this.next();
      this.next();
      const inst = this.arth(0);
      let size = 1;
      if (this.tok.kind === ':') {
        this.next();
        size = this.expect('NUM').num;
      }
      this.expect(']');
      return genLoad(cs, PNAME[t.kind]!, inst, size);
    }
    return this.syntax();
  }
}
