/**
 * Primitives whose operand is an identifier, a number or an address (gencode.c's gen_scode, gen_ncode,
 * gen_mcode, gen_mcode6, gen_ecode, gen_acode): the qualifiers decide what the operand means.
 */
import * as C from './consts.js';
import { assertMaxval, bpfError, genAnd, genOr } from './gen-core.js';
import {
  assertNonwlanDqual,
  genDnhostop,
  genGateway,
  genHost,
  genHost6,
  genHost46Byname,
  genMac8host,
  genMac48host,
  genMac48hostByname,
  invalidQual,
  isMac48Linktype,
} from './gen-host.js';
import { failKwOnDlt, genLinktype } from './gen-link.js';
import {
  genPort,
  genPort6,
  genPortrange,
  genPortrange6,
  genProto,
  genProtochain,
  portPqToIpproto,
} from './gen-proto.js';
import type { Block } from './ir.js';
import { atodn, atoin, nameToEproto, nameToLlc, parseIPv6, parseMac48 } from './nametoaddr.js';
import type { CompilerState } from './state.js';

function lookupProto(cs: CompilerState, name: string, q: C.Qual): number {
  let v: number | null = null;
  switch (q.proto) {
    case C.Q_DEFAULT:
    case C.Q_IP:
    case C.Q_IPV6:
      v = cs.resolver.protocol(name);
      break;
    case C.Q_LINK:
      v = nameToEproto(name) ?? nameToLlc(name);
      break;
    case C.Q_ISO:
      v =
        name === 'esis' ? C.ISO9542_ESIS : name === 'isis' ? C.ISO10589_ISIS : name === 'clnp' ? C.ISO8473_CLNP : null;
      break;
  }
  if (v !== null) return v;
  if (q.proto === C.Q_DEFAULT) return bpfError(`unknown '${C.tqkw(q.addr)}' value '${name}'`);
  return bpfError(`unknown '${C.pqkw(q.proto)} ${C.tqkw(q.addr)}' value '${name}'`);
}

/** A number in C, hex (0x) or octal (leading 0) notation, as the lexer's stoulen accepts it, or null. */
export function parseCNumber(s: string): number | null {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = Number.parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) v = Number.parseInt(s, 8);
  else if (/^[1-9][0-9]*$/.test(s)) v = Number(s);
  else return null;
  if (v > 0xffffffff) bpfError(`number ${s} overflows 32 bits`);
  return v;
}

function nameToPort(cs: CompilerState, name: string): { port: number; proto: number } | null {
  const tcp = cs.resolver.port(name, 'tcp');
  const udp = cs.resolver.port(name, 'udp');
  if (tcp !== null) return { port: tcp, proto: udp !== null && udp === tcp ? C.PROTO_UNDEF : C.IPPROTO_TCP };
  if (udp !== null) return { port: udp, proto: C.IPPROTO_UDP };
  return null;
}

function stringToPort(cs: CompilerState, s: string): { port: number; proto: number } {
  const n = /^[0-9]/.test(s) ? parseCNumber(s) : null;
  if (n !== null) return { port: n, proto: C.PROTO_UNDEF };
  const r = nameToPort(cs, s);
  if (!r) bpfError(`'${s}' is not a valid port`);
  return r;
}

function portProtoCheck(proto: number, real: number, what: string): number {
  const name = (p: number): string => (p === C.IPPROTO_TCP ? 'tcp' : p === C.IPPROTO_UDP ? 'udp' : 'sctp');
  const want =
    proto === C.Q_UDP ? C.IPPROTO_UDP : proto === C.Q_TCP ? C.IPPROTO_TCP : proto === C.Q_SCTP ? C.IPPROTO_SCTP : 0;
  if (!want) return real;
  if (real !== C.PROTO_UNDEF && real !== want) bpfError(`${what} is ${name(real)}`);
  return want;
}

/** A primitive whose operand is a name (gen_scode). */
export function genScode(cs: CompilerState, name: string, q: C.Qual): Block {
  const proto = q.proto;
  if (proto === C.Q_DECNET) invalidQual('decnet', C.tqkw(q.addr === C.Q_DEFAULT ? C.Q_HOST : q.addr));
  switch (q.addr) {
    case C.Q_NET: {
      let addr = cs.resolver.network(name) ?? 0;
      if (addr === 0) bpfError(`unknown network '${name}'`);
      let mask = 0xffffffff;
      while (addr && (addr & 0xff000000) === 0) {
        addr = (addr << 8) >>> 0;
        mask = (mask << 8) >>> 0;
      }
      return genHost(cs, [addr], [mask], proto, q.dir, false, 'net <IPv4 network name>');
    }
    case C.Q_DEFAULT:
    case C.Q_HOST:
      if (proto === C.Q_LINK) return genMac48hostByname(cs, name, q.dir, 'link host NAME');
      return genHost46Byname(cs, name, proto, proto, q.dir, false);
    case C.Q_PORT: {
      portPqToIpproto(proto, 'port');
      const r = nameToPort(cs, name);
      if (!r) bpfError(`unknown port '${name}'`);
      const real = portProtoCheck(proto, r.proto, `port '${name}'`);
      const b = genPort(cs, r.port, real, q.dir, q.addr);
      const b6 = genPort6(cs, r.port, real, q.dir, q.addr);
      return genOr(b6, b);
    }
    case C.Q_PORTRANGE: {
      portPqToIpproto(proto, 'portrange');
      const hy = name.indexOf('-');
      if (hy < 0) bpfError(`port range '${name}' contains no hyphen`);
      if (name.indexOf('-', hy + 1) >= 0) bpfError(`port range '${name}' contains more than one hyphen`);
      if (hy === 0) bpfError(`port range '${name}' has no starting port`);
      const first = stringToPort(cs, name.slice(0, hy));
      if (hy === name.length - 1) bpfError(`port range '${name}' has no ending port`);
      const second = stringToPort(cs, name.slice(hy + 1));
      let real = second.proto !== first.proto ? C.PROTO_UNDEF : first.proto;
      real = portProtoCheck(proto, real, `port in range '${name}'`);
      assertMaxval('port number', first.port, 0xffff);
      assertMaxval('port number', second.port, 0xffff);
      const b = genPortrange(cs, first.port, second.port, real, q.dir);
      const b6 = genPortrange6(cs, first.port, second.port, real, q.dir);
      return genOr(b6, b);
    }
    case C.Q_GATEWAY:
      return genGateway(cs, name, proto);
    case C.Q_PROTO:
      return genProto(cs, lookupProto(cs, name, q), proto);
    case C.Q_PROTOCHAIN:
      return genProtochain(cs, lookupProto(cs, name, q), proto);
    case C.Q_UNDEF:
      return bpfError('syntax error in filter expression');
  }
  return invalidQual(C.tqkw(q.addr), name);
}

/** "net A.B.C.D/len" and "net A.B.C.D mask M.M.M.M" (gen_mcode). */
export function genMcode(cs: CompilerState, s1: string, s2: string | null, masklen: number, q: C.Qual): Block {
  if (q.proto === C.Q_DECNET) invalidQual('decnet', C.tqkw(q.addr === C.Q_DEFAULT ? C.Q_HOST : q.addr));
  const a = atoin(s1);
  if (!a) bpfError(`invalid IPv4 address '${s1}'`);
  const n = a.len >= 32 ? a.addr : (a.addr << (32 - a.len)) >>> 0;
  let m: number;
  let idstr: string;
  if (s2 !== null) {
    const b = atoin(s2);
    if (!b) bpfError(`invalid IPv4 address '${s2}'`);
    m = b.len >= 32 ? b.addr : (b.addr << (32 - b.len)) >>> 0;
    idstr = `${s1} mask ${s2}`;
  } else {
    assertMaxval('netmask length', masklen, 32);
    m = masklen === 0 ? 0 : (0xffffffff << (32 - masklen)) >>> 0;
    idstr = `${s1}/${masklen}`;
  }
  if ((n & ~m) >>> 0 !== 0) bpfError(`non-network bits set in "${idstr}"`);
  if (q.addr === C.Q_NET) return genHost(cs, [n], [m], q.proto, q.dir, false, 'net <IPv4 prefix>');
  return invalidQual(C.tqkw(q.addr), idstr);
}

function genDnhost(cs: CompilerState, s: string | null, v: number, q: C.Qual): Block {
  assertNonwlanDqual(q.dir);
  if (q.addr !== C.Q_DEFAULT && q.addr !== C.Q_HOST) invalidQual('decnet', C.tqkw(q.addr));
  if (s === null) bpfError(`invalid DECnet address '${v}'`);
  const addr = atodn(s);
  if (addr === null) bpfError(`invalid DECnet address '${s}'`);
  const b0 = genLinktype(cs, C.ETHERTYPE_DN);
  const b1 = genDnhostop(cs, addr, q.dir);
  return genAnd(b0, b1);
}

/** A primitive whose operand is a number or a dotted IPv4 address (gen_ncode). */
export function genNcode(cs: CompilerState, s: string | null, v: number, q: C.Qual): Block {
  if (q.proto === C.Q_DECNET) return genDnhost(cs, s, v, q);
  let proto = q.proto;
  let vlen: number;
  let idstr: string;
  if (s === null) {
    vlen = 32;
    idstr = `${v >>> 0}`;
  } else {
    const a = atoin(s);
    if (!a) bpfError(`invalid IPv4 address '${s}'`);
    v = a.addr;
    vlen = a.len;
    idstr = s;
  }
  switch (q.addr) {
    case C.Q_DEFAULT:
    case C.Q_HOST:
    case C.Q_NET: {
      if (proto === C.Q_LINK) bpfError(`illegal link-layer address '${idstr}'`);
      let mask = 0xffffffff;
      if (s === null && q.addr === C.Q_NET) {
        while (v && (v & 0xff000000) === 0) {
          v = (v << 8) >>> 0;
          mask = (mask << 8) >>> 0;
        }
      } else if (vlen < 32) {
        v = (v << (32 - vlen)) >>> 0;
        mask = (mask << (32 - vlen)) >>> 0;
      }
      return genHost(
        cs,
        [v >>> 0],
        [mask],
        q.proto,
        q.dir,
        false,
        q.addr === C.Q_NET ? 'net <IPv4 address>' : 'host <IPv4 address>',
      );
    }
    case C.Q_PORTRANGE:
    case C.Q_PORT: {
      proto = portPqToIpproto(proto, C.tqkw(q.addr));
      assertMaxval('port number', v, 0xffff);
      const b = genPort(cs, v, proto, q.dir, q.addr);
      const b6 = genPort6(cs, v, proto, q.dir, q.addr);
      return genOr(b6, b);
    }
    case C.Q_PROTO:
      return genProto(cs, v >>> 0, proto);
    case C.Q_PROTOCHAIN:
      return genProtochain(cs, v >>> 0, proto);
    case C.Q_UNDEF:
      return bpfError('syntax error in filter expression');
  }
  return invalidQual(C.tqkw(q.addr), idstr);
}

/** An IPv6 address or prefix (gen_mcode6). */
export function genMcode6(cs: CompilerState, s: string, masklen: number, q: C.Qual): Block {
  const addr = parseIPv6(s);
  if (!addr) bpfError(`'${s}' is not a valid IPv6 address`);
  if (masklen > 128) bpfError('mask length must be <= 128');
  const mask = new Uint8Array(16);
  mask.fill(0xff, 0, masklen >>> 3);
  if (masklen % 8) mask[masklen >>> 3] = (0xff << (8 - (masklen % 8))) & 0xff;
  for (let i = 0; i < 16; i++) if (addr[i]! & ~mask[i]!) bpfError(`non-network bits set in "${s}/${masklen}"`);
  switch (q.addr) {
    case C.Q_DEFAULT:
    case C.Q_HOST:
      if (masklen !== 128) invalidQual('host', `${s}/${masklen}`);
      return genHost6(
        cs,
        [addr],
        [mask],
        q.proto,
        q.dir,
        false,
        q.addr === C.Q_HOST ? 'host <IPv6 address>' : 'net <IPv6 prefix>',
      );
    case C.Q_NET:
      return genHost6(cs, [addr], [mask], q.proto, q.dir, false, 'net <IPv6 prefix>');
  }
  return invalidQual(C.tqkw(q.addr), masklen === 128 ? s : `${s}/${masklen}`);
}

/** A MAC-48 address operand (gen_ecode). */
export function genEcode(cs: CompilerState, s: string, q: C.Qual): Block {
  const context = 'link host XX:XX:XX:XX:XX:XX';
  if (!((q.addr === C.Q_HOST || q.addr === C.Q_DEFAULT) && q.proto === C.Q_LINK))
    bpfError('Ethernet address used in non-ether expression');
  if (!isMac48Linktype(cs.linktype)) failKwOnDlt(cs, context);
  const e = parseMac48(s);
  if (!e) bpfError(`invalid MAC-48 address '${s}'`);
  return genMac48host(cs, e, q.dir, context);
}

/** A MAC-8 address operand "$XX" (gen_acode). */
export function genAcode(cs: CompilerState, s: string, q: C.Qual): Block {
  assertNonwlanDqual(q.dir);
  if (q.addr !== C.Q_HOST && q.addr !== C.Q_DEFAULT) invalidQual(C.tqkw(q.addr), '$XX');
  if (q.proto !== C.Q_LINK) bpfError(`'link' is the only valid proto qualifier for 'host $XX'`);
  const hex = s.replace(/^\$/, '');
  if (!/^[0-9a-fA-F]{1,2}$/.test(hex)) bpfError(`invalid MAC-8 address '${s}'`);
  return genMac8host(cs, Number.parseInt(hex, 16), q.dir, 'link host $XX');
}
