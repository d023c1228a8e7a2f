import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileFilter } from '../../src/cbpf/compile.js';
import { FilterError } from '../../src/cbpf/errors.js';
import { tokenize } from '../../src/cbpf/lexer.js';
import { formatC, formatDecimal, formatListing } from '../../src/cbpf/listing.js';
import { atoin, parseIPv6, parseMac48 } from '../../src/cbpf/nametoaddr.js';

const kinds = (s: string): string[] => tokenize(s).map((t) => t.kind);

describe('lexer', () => {
  it('tells addresses, numbers, names and keywords apart', () => {
    assert.deepEqual(kinds('host 10.0.0.1 and not port 0x50'), ['HOST', 'HID', 'AND', '!', 'PORT', 'NUM', 'EOF']);
    assert.deepEqual(kinds('ether src ab:cd:ef:0:0:1'), ['LINK', 'SRC', 'EID', 'EOF']);
    assert.deepEqual(kinds('ip6 net fe80::/10'), ['IPV6', 'NET', 'HID6', '/', 'NUM', 'EOF']);
    assert.deepEqual(kinds('tcp[tcpflags] & tcp-syn != 0'), ['TCP', '[', 'NUM', ']', '&', 'NUM', 'NEQ', 'NUM', 'EOF']);
    assert.deepEqual(kinds('\\tcp host-1.example'), ['ID', 'ID', 'EOF']);
    assert.equal(tokenize('017')[0]!.num, 15);
  });
  it('reports bad numbers and characters with libpcap’s wording', () => {
    assert.throws(() => tokenize('4294967296'), /decimal number 4294967296 overflows 32 bits/);
    assert.throws(() => tokenize('09'), /number 09 contains non-octal digit/);
    assert.throws(() => tokenize('host #'), FilterError);
  });
});

describe('parser and code generator', () => {
  const en = (e: string, optimize = false) => formatListing(compileFilter(e, { linkType: 'EN10MB', optimize }));
  it('an empty filter accepts everything', () => {
    assert.equal(en(''), '(000) ret      #262144');
  });
  it('qualifiers carry over to bare operands ("host a or b")', () => {
    assert.equal(en('host 1.2.3.4 or 5.6.7.8'), en('host 1.2.3.4 or host 5.6.7.8'));
    assert.equal(en('tcp port 80 or 443'), en('tcp port 80 or tcp port 443'));
  });
  it('and/or are left-associative with equal precedence, not binds tighter', () => {
    assert.equal(en('ip or arp and tcp'), en('(ip or arp) and tcp'));
    assert.notEqual(en('ip or arp and tcp'), en('ip or (arp and tcp)'));
    assert.equal(en('not ip and tcp'), en('(not ip) and tcp'));
  });
  it('rejects with libpcap’s messages', () => {
    assert.throws(() => en('host'), /syntax error/);
    assert.throws(() => en('port 70000'), /port number 70000 greater than maximum 65535/);
    assert.throws(() => en('ip[0] / 0 = 1'), /division by zero/);
    assert.throws(() => compileFilter('wlan ra 1:2:3:4:5:6', { linkType: 'EN10MB' }), /'ra' is valid for 802.11/);
    assert.throws(() => compileFilter('ip', { linkType: 'NOSUCHDLT' }), FilterError);
  });
});

describe('listing formats', () => {
  const prog = compileFilter('ip', { linkType: 'EN10MB' });
  it('-d', () => {
    assert.equal(
      formatListing(prog),
      '(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n(002) ret      #262144\n(003) ret      #0',
    );
  });
  it('-dd', () => {
    assert.equal(formatC(prog).split('\n')[1], '{ 0x15, 0, 1, 0x00000800 },');
  });
  it('-ddd', () => {
    assert.deepEqual(formatDecimal(prog).split('\n'), ['4', '40 0 0 12', '21 0 1 2048', '6 0 0 262144', '6 0 0 0']);
  });
});

describe('address parsing', () => {
  it('IPv6 round-trips through the canonical hex groups', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (g) => {
        const a = parseIPv6(g.map((x) => x.toString(16)).join(':'))!;
        for (let i = 0; i < 8; i++) assert.equal((a[2 * i]! << 8) | a[2 * i + 1]!, g[i]);
      }),
    );
    assert.deepEqual([...parseIPv6('::ffff:1.2.3.4')!.slice(10)], [0xff, 0xff, 1, 2, 3, 4]);
    assert.equal(parseIPv6('1::2::3'), null);
  });
  it('short IPv4 addresses and MAC-48 forms', () => {
    assert.deepEqual(atoin('10.20'), { addr: 0x0a14, len: 16 });
    assert.equal(atoin('1.256'), null);
    for (const m of ['ab:cd:ef:0:0:1', 'ab-cd-ef-00-00-01', 'abcd.ef00.0001', 'abcdef000001'])
      assert.deepEqual([...parseMac48(m)!], [0xab, 0xcd, 0xef, 0, 0, 1]);
  });
});
