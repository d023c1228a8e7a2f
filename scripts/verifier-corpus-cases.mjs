/**
 * The verifier corpus: small programs in llvm assembly, each probing one rule. `cases()` returns
 * {name, type, asm, maps?}; record-verifier-corpus.mjs loads each into the running kernel and records its verdict
 * and message. Map references are `ld_pseudo rN, 1, I` (I = index into `maps`); the recorder patches in fds.
 */

const ALU_OPS = [
  ['add', '+='],
  ['sub', '-='],
  ['mul', '*='],
  ['div', '/='],
  ['or', '|='],
  ['and', '&='],
  ['lsh', '<<='],
  ['rsh', '>>='],
  ['mod', '%='],
  ['xor', '^='],
  ['mov', '='],
  ['arsh', 's>>='],
];

const ARRAY = (valueSize = 16, maxEntries = 4) => ({ type: 'ARRAY', keySize: 4, valueSize, maxEntries });
const HASH = (keySize = 4, valueSize = 16) => ({ type: 'HASH', keySize, valueSize, maxEntries: 8 });
const RINGBUF = { type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 4096 };

/** Lookup of key 0 in map 0, leaving the result in r0. */
const LOOKUP = ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'ld_pseudo r1, 1, 0', 'call 1'];

export function cases() {
  const out = [];
  const seen = new Set();
  const add = (name, type, lines, maps) => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push({ name, type, asm: `${lines.join('\n')}\n`, ...(maps ? { maps } : {}) });
  };

  // --- ALU on uninitialised registers, every op, both widths, dst and src
  for (const [name, sym] of ALU_OPS) {
    for (const w of ['r', 'w']) {
      add(`alu-${name}${w === 'w' ? '32' : '64'}-src-uninit`, 'socket', [`${w}0 = 1`, `${w}0 ${sym} ${w}5`, 'exit']);
      if (name !== 'mov')
        add(`alu-${name}${w === 'w' ? '32' : '64'}-dst-uninit`, 'socket', [`${w}5 ${sym} 1`, 'r0 = 0', 'exit']);
      add(`alu-${name}${w === 'w' ? '32' : '64'}-init-ok`, 'socket', [
        `${w}0 = 7`,
        `${w}1 = 3`,
        `${w}0 ${sym} ${w}1`,
        'exit',
      ]);
    }
  }
  add('alu-neg64-uninit', 'socket', ['r5 = -r5', 'r0 = 0', 'exit']);
  add('alu-neg32-ok', 'socket', ['w0 = 5', 'w0 = -w0', 'exit']);
  add('alu-be16-uninit', 'socket', ['r5 = be16 r5', 'r0 = 0', 'exit']);
  add('alu-le32-ok', 'socket', ['r0 = 9', 'r0 = le32 r0', 'exit']);
  add('alu-write-r10', 'socket', ['r10 = 0', 'r0 = 0', 'exit']);
  add('alu-add-r10', 'socket', ['r10 += 8', 'r0 = 0', 'exit']);
  add('alu-div-imm-zero', 'socket', ['r0 = 1', 'r0 /= 0', 'exit']);
  add('alu-mod-imm-zero', 'socket', ['r0 = 1', 'r0 %= 0', 'exit']);
  add('alu-div32-imm-zero', 'socket', ['w0 = 1', 'w0 /= 0', 'exit']);
  add('alu-div-reg-zero-ok', 'socket', ['r0 = 1', 'r1 = 0', 'r0 /= r1', 'exit']);
  add('alu-mod-reg-zero-ok', 'socket', ['r0 = 1', 'r1 = 0', 'r0 %= r1', 'exit']);
  add('alu-shift-64-imm', 'socket', ['r0 = 1', 'r0 <<= 64', 'exit']);
  add('alu-shift-32-imm', 'socket', ['w0 = 1', 'w0 <<= 32', 'exit']);
  add('alu-shift-63-ok', 'socket', ['r0 = 1', 'r0 <<= 63', 'exit']);
  add('alu-shift-reg-ok', 'socket', ['r0 = 1', 'r1 = 70', 'r0 <<= r1', 'exit']);

  // --- context access per program type
  const ctxRead = (type, off, size) =>
    add(`ctx-${type}-read-off${off}-size${size}`, type, [
      `r0 = *(u${size * 8} *)(r1 ${off < 0 ? '-' : '+'} ${Math.abs(off)})`,
      'r0 = 0',
      'exit',
    ]);
  const ctxWrite = (type, off, size) =>
    add(`ctx-${type}-write-off${off}-size${size}`, type, [
      'r2 = 0',
      `*(u${size * 8} *)(r1 + ${off}) = r2`,
      'r0 = 0',
      'exit',
    ]);
  const skbOffsets = [
    0, 2, 4, 8, 12, 16, 32, 44, 48, 50, 64, 68, 72, 76, 80, 84, 88, 92, 100, 140, 144, 152, 160, 168, 176, 180, 184,
    188,
  ];
  for (const type of ['socket', 'tc', 'cgroup_skb', 'sk_skb']) {
    for (const off of skbOffsets)
      for (const size of [1, 2, 4, 8]) if (off % size === 0 || size === 8) ctxRead(type, off, size);
    for (const off of [0, 8, 12, 32, 44, 48, 68, 72, 76, 152]) ctxWrite(type, off, off === 152 ? 8 : 4);
    ctxRead(type, -4, 4);
    ctxRead(type, 192, 4);
    ctxRead(type, 6, 4);
  }
  for (const off of [0, 4, 8, 12, 16, 20, 24, 2]) for (const size of [1, 2, 4, 8]) ctxRead('xdp', off, size);
  ctxWrite('xdp', 12, 4);
  for (const off of [0, 8, 80, 160, 164, 168, 4]) for (const size of [1, 4, 8]) ctxRead('kprobe', off, size);
  ctxWrite('kprobe', 0, 8);
  for (const off of [0, 4, 8, 16, 100, 8184, 8192]) for (const size of [4, 8]) ctxRead('tracepoint', off, size);
  for (const off of [0, 8, 88, 96, 4]) for (const size of [4, 8]) ctxRead('raw_tracepoint', off, size);
  add('ctx-modified-ptr', 'socket', ['r1 += 4', 'r0 = *(u32 *)(r1 + 0)', 'exit']);
  add('ctx-st-imm', 'tc', ['*(u32 *)(r1 + 8) = 1', 'r0 = 0', 'exit']);
  add('ctx-lost-after-call', 'socket', ['call 5', 'r0 = *(u32 *)(r1 + 0)', 'exit']);
  add('ctx-saved-in-r6', 'socket', ['r6 = r1', 'call 5', 'r0 = *(u32 *)(r6 + 0)', 'exit']);
  add('ctx-var-offset', 'socket', ['r2 = *(u32 *)(r1 + 0)', 'r2 &= 4', 'r1 += r2', 'r0 = *(u32 *)(r1 + 0)', 'exit']);

  // --- packet bounds: data + N <= data_end, then an access of size S at offset O
  const pkt = (_type, dataOff, endOff) => [`r2 = *(u32 *)(r1 + ${dataOff})`, `r3 = *(u32 *)(r1 + ${endOff})`];
  for (const [type, d, e] of [
    ['xdp', 0, 4],
    ['tc', 76, 80],
  ]) {
    for (const n of [1, 8, 14]) {
      for (const [o, s] of [
        [0, 1],
        [n - 1, 1],
        [n, 1],
        [0, 4],
        [n - 4, 4],
        [n - 3, 4],
        [0, 8],
        [n - 8, 8],
      ]) {
        if (o < 0) continue;
        add(`pkt-${type}-check${n}-read-off${o}-size${s}`, type, [
          ...pkt(type, d, e),
          'r4 = r2',
          `r4 += ${n}`,
          'if r4 > r3 goto +1',
          `r0 = *(u${s * 8} *)(r2 + ${o})`,
          'r0 = 0',
          'exit',
        ]);
      }
    }
    const ops = [
      ['gt-dst', 'if r4 > r3 goto +1'],
      ['ge-dst', 'if r4 >= r3 goto +1'],
      ['lt-rev', 'if r3 < r4 goto +1'],
      ['le-rev', 'if r3 <= r4 goto +1'],
    ];
    for (const [nm, cmp] of ops) {
      for (const o of [10, 11]) {
        add(`pkt-${type}-${nm}-14-read-off${o}-size4`, type, [
          ...pkt(type, d, e),
          'r4 = r2',
          'r4 += 14',
          cmp,
          `r0 = *(u32 *)(r2 + ${o})`,
          'r0 = 0',
          'exit',
        ]);
      }
    }
    for (const [nm, cmp] of [
      ['le-taken', 'if r4 <= r3 goto +1'],
      ['lt-taken', 'if r4 < r3 goto +1'],
      ['ge-rev-taken', 'if r3 >= r4 goto +1'],
      ['gt-rev-taken', 'if r3 > r4 goto +1'],
    ]) {
      for (const o of [10, 11]) {
        add(`pkt-${type}-${nm}-14-off${o}`, type, [
          ...pkt(type, d, e),
          'r4 = r2',
          'r4 += 14',
          cmp,
          'goto +2',
          `r0 = *(u32 *)(r2 + ${o})`,
          'r0 = 0',
          'r0 = 0',
          'exit',
        ]);
      }
    }
    add(`pkt-${type}-no-check`, type, [...pkt(type, d, e), 'r0 = *(u8 *)(r2 + 0)', 'r0 = 0', 'exit']);
    add(`pkt-${type}-read-pkt-end`, type, [...pkt(type, d, e), 'r0 = *(u8 *)(r3 + 0)', 'r0 = 0', 'exit']);
    add(`pkt-${type}-arith-pkt-end`, type, [...pkt(type, d, e), 'r3 += 1', 'r0 = 0', 'exit']);
    add(`pkt-${type}-write-checked`, type, [
      ...pkt(type, d, e),
      'r4 = r2',
      'r4 += 4',
      'if r4 > r3 goto +2',
      'r5 = 1',
      '*(u32 *)(r2 + 0) = r5',
      'r0 = 0',
      'exit',
    ]);
    add(`pkt-${type}-var-offset-checked`, type, [
      ...pkt(type, d, e),
      'r5 = *(u8 *)(r1 + 8)',
      'r5 &= 15',
      'r2 += r5',
      'r4 = r2',
      'r4 += 4',
      'if r4 > r3 goto +1',
      'r0 = *(u32 *)(r2 + 0)',
      'r0 = 0',
      'exit',
    ]);
    add(`pkt-${type}-var-offset-unbounded`, type, [
      ...pkt(type, d, e),
      `r5 = *(u32 *)(r1 + ${type === 'xdp' ? 12 : 0})`,
      'r2 += r5',
      'r4 = r2',
      'r4 += 4',
      'if r4 > r3 goto +1',
      'r0 = *(u32 *)(r2 + 0)',
      'r0 = 0',
      'exit',
    ]);
    add(`pkt-${type}-negative-offset`, type, [
      ...pkt(type, d, e),
      'r4 = r2',
      'r4 += 4',
      'if r4 > r3 goto +1',
      'r0 = *(u8 *)(r2 - 1)',
      'r0 = 0',
      'exit',
    ]);
    add(`pkt-${type}-jmp32-compare`, type, [
      ...pkt(type, d, e),
      'r4 = r2',
      'r4 += 4',
      'if w4 > w3 goto +1',
      'r0 = *(u8 *)(r2 + 0)',
      'r0 = 0',
      'exit',
    ]);
    add(`pkt-${type}-check-after-call-stale`, type, [
      'r6 = r1',
      ...pkt(type, d, e),
      'r4 = r2',
      'r4 += 4',
      'if r4 > r3 goto +4',
      'r1 = r6',
      'call 5',
      'r0 = *(u8 *)(r2 + 0)',
      'r0 = 0',
      'exit',
    ]);
  }
  add('pkt-socket-data-read', 'socket', ['r2 = *(u32 *)(r1 + 76)', 'r0 = 0', 'exit']);
  add('pkt-cgroup-write', 'cgroup_skb', [
    ...pkt('cgroup_skb', 76, 80),
    'r4 = r2',
    'r4 += 4',
    'if r4 > r3 goto +2',
    'r5 = 1',
    '*(u8 *)(r2 + 0) = r5',
    'r0 = 1',
    'exit',
  ]);
  add('pkt-cgroup-read-ok', 'cgroup_skb', [
    ...pkt('cgroup_skb', 76, 80),
    'r4 = r2',
    'r4 += 4',
    'if r4 > r3 goto +1',
    'r0 = *(u8 *)(r2 + 3)',
    'r0 = 1',
    'exit',
  ]);
  add('pkt-xdp-meta', 'xdp', [
    'r2 = *(u32 *)(r1 + 8)',
    'r3 = *(u32 *)(r1 + 0)',
    'r4 = r2',
    'r4 += 4',
    'if r4 > r3 goto +1',
    'r0 = *(u32 *)(r2 + 0)',
    'r0 = 2',
    'exit',
  ]);
  add('pkt-xdp-meta-unchecked', 'xdp', ['r2 = *(u32 *)(r1 + 8)', 'r0 = *(u32 *)(r2 + 0)', 'r0 = 2', 'exit']);

  // --- map values: bounds, null checks
  for (const [off, size] of [
    [0, 8],
    [8, 8],
    [12, 4],
    [15, 1],
    [16, 1],
    [12, 8],
    [-1, 1],
    [4, 4],
  ]) {
    add(
      `mapval-read-off${off}-size${size}`,
      'socket',
      [
        ...LOOKUP,
        'if r0 == 0 goto +1',
        `r1 = *(u${size * 8} *)(r0 ${off < 0 ? '-' : '+'} ${Math.abs(off)})`,
        'r0 = 0',
        'exit',
      ],
      [ARRAY()],
    );
    add(
      `mapval-write-off${off}-size${size}`,
      'socket',
      [
        ...LOOKUP,
        'if r0 == 0 goto +2',
        'r1 = 1',
        `*(u${size * 8} *)(r0 ${off < 0 ? '-' : '+'} ${Math.abs(off)}) = r1`,
        'r0 = 0',
        'exit',
      ],
      [ARRAY()],
    );
  }
  add('mapval-no-null-check', 'socket', [...LOOKUP, 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'], [ARRAY()]);
  add(
    'mapval-null-check-ne',
    'socket',
    [...LOOKUP, 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r0 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'],
    [ARRAY()],
  );
  add(
    'mapval-null-check-wrong-side',
    'socket',
    [...LOOKUP, 'if r0 != 0 goto +2', 'r0 = *(u64 *)(r0 + 0)', 'exit', 'r0 = 0', 'exit'],
    [ARRAY()],
  );
  add(
    'mapval-null-check-copy',
    'socket',
    [...LOOKUP, 'r6 = r0', 'if r0 == 0 goto +1', 'r1 = *(u64 *)(r6 + 0)', 'r0 = 0', 'exit'],
    [ARRAY()],
  );
  add(
    'mapval-arith-before-check',
    'socket',
    [...LOOKUP, 'r0 += 8', 'if r0 == 0 goto +1', 'r1 = *(u64 *)(r0 + 0)', 'r0 = 0', 'exit'],
    [ARRAY()],
  );
  add('mapval-return-or-null-priv', 'socket', [...LOOKUP, 'exit'], [ARRAY()]);
  add('mapval-null-used-as-zero', 'socket', [...LOOKUP, 'if r0 != 0 goto +1', 'r0 += 1', 'r0 = 0', 'exit'], [ARRAY()]);
  for (const [nm, guard, ok] of [
    ['lt4', 'if r1 >= 2 goto +3', 1],
    ['le1', 'if r1 > 1 goto +3', 1],
    ['le2', 'if r1 > 2 goto +3', 0],
    ['slt2', 'if r1 s>= 2 goto +3', 0],
    ['none', 'r1 = r1', 0],
    ['jmp32-lt2', 'if w1 >= 2 goto +3', 1],
  ]) {
    add(
      `mapval-var-index-${nm}`,
      'socket',
      [
        ...LOOKUP,
        'if r0 == 0 goto +6',
        'r1 = *(u32 *)(r0 + 0)',
        guard,
        'r1 <<= 3',
        'r0 += r1',
        'r0 = *(u64 *)(r0 + 0)',
        'exit',
        'r0 = 0',
        'exit',
      ],
      [ARRAY()],
    );
    void ok;
  }
  add(
    'mapval-var-index-and-mask',
    'socket',
    [
      ...LOOKUP,
      'if r0 == 0 goto +5',
      'r1 = *(u32 *)(r0 + 0)',
      'r1 &= 1',
      'r1 <<= 3',
      'r0 += r1',
      'r0 = *(u64 *)(r0 + 0)',
      'r0 = 0',
      'exit',
    ],
    [ARRAY()],
  );
  add(
    'mapval-var-index-and-too-big',
    'socket',
    [
      ...LOOKUP,
      'if r0 == 0 goto +5',
      'r1 = *(u32 *)(r0 + 0)',
      'r1 &= 3',
      'r1 <<= 3',
      'r0 += r1',
      'r0 = *(u64 *)(r0 + 0)',
      'r0 = 0',
      'exit',
    ],
    [ARRAY()],
  );
  add(
    'mapval-var-negative',
    'socket',
    [
      ...LOOKUP,
      'if r0 == 0 goto +6',
      'r1 = *(u64 *)(r0 + 0)',
      'if r1 s> 8 goto +4',
      'r0 += r1',
      'r0 = *(u8 *)(r0 + 0)',
      'r0 = 0',
      'exit',
      'r0 = 0',
      'exit',
    ],
    [ARRAY()],
  );
  add(
    'mapval-var-signed-ok',
    'socket',
    [
      ...LOOKUP,
      'if r0 == 0 goto +7',
      'r1 = *(u64 *)(r0 + 0)',
      'if r1 s> 8 goto +5',
      'if r1 s< 0 goto +4',
      'r0 += r1',
      'r0 = *(u8 *)(r0 + 0)',
      'r0 = 0',
      'exit',
      'r0 = 0',
      'exit',
    ],
    [ARRAY()],
  );
  add(
    'mapval-linked-regs',
    'socket',
    [
      ...LOOKUP,
      'if r0 == 0 goto +7',
      'r1 = *(u64 *)(r0 + 0)',
      'r2 = r1',
      'if r1 > 8 goto +4',
      'r0 += r2',
      'r0 = *(u8 *)(r0 + 0)',
      'r0 = 0',
      'exit',
      'r0 = 0',
      'exit',
    ],
    [ARRAY()],
  );
  add(
    'mapval-reg-reg-bound',
    'socket',
    [
      ...LOOKUP,
      'if r0 == 0 goto +8',
      'r1 = *(u64 *)(r0 + 0)',
      'r2 = 8',
      'if r1 > r2 goto +5',
      'r0 += r1',
      'r0 = *(u8 *)(r0 + 0)',
      'r0 = 0',
      'exit',
      'r0 = 0',
      'r0 = 0',
      'exit',
    ],
    [ARRAY()],
  );
  add(
    'mapval-hash-key-size8-stack4',
    'socket',
    ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'ld_pseudo r1, 1, 0', 'call 1', 'r0 = 0', 'exit'],
    [HASH(8)],
  );
  add(
    'mapval-hash-key-uninit-stack',
    'socket',
    ['r2 = r10', 'r2 += -8', 'ld_pseudo r1, 1, 0', 'call 1', 'r0 = 0', 'exit'],
    [HASH(8)],
  );
  add('mapval-key-scalar', 'socket', ['r2 = 0', 'ld_pseudo r1, 1, 0', 'call 1', 'r0 = 0', 'exit'], [HASH()]);
  add('mapval-map-scalar', 'socket', [
    'r1 = 0',
    '*(u32 *)(r10 - 4) = r1',
    'r2 = r10',
    'r2 += -4',
    'r1 = 0',
    'call 1',
    'r0 = 0',
    'exit',
  ]);
  add('mapval-bad-map-index', 'socket', ['ld_pseudo r1, 1, 3', 'r0 = 0', 'exit'], [HASH()]);
  add(
    'mapval-update-ok',
    'socket',
    [
      'r1 = 0',
      '*(u32 *)(r10 - 4) = r1',
      '*(u64 *)(r10 - 24) = r1',
      '*(u64 *)(r10 - 16) = r1',
      'r2 = r10',
      'r2 += -4',
      'r3 = r10',
      'r3 += -24',
      'r4 = 0',
      'ld_pseudo r1, 1, 0',
      'call 2',
      'r0 = 0',
      'exit',
    ],
    [HASH()],
  );
  add(
    'mapval-update-value-too-small',
    'socket',
    [
      'r1 = 0',
      '*(u32 *)(r10 - 4) = r1',
      'r2 = r10',
      'r2 += -4',
      'r3 = r10',
      'r3 += -8',
      'r4 = 0',
      'ld_pseudo r1, 1, 0',
      'call 2',
      'r0 = 0',
      'exit',
    ],
    [HASH()],
  );
  add(
    'mapval-delete-ok',
    'socket',
    ['r1 = 0', '*(u32 *)(r10 - 4) = r1', 'r2 = r10', 'r2 += -4', 'ld_pseudo r1, 1, 0', 'call 3', 'r0 = 0', 'exit'],
    [HASH()],
  );
  add(
    'mapval-key-from-mapvalue',
    'socket',
    [...LOOKUP, 'if r0 == 0 goto +4', 'r2 = r0', 'ld_pseudo r1, 1, 0', 'call 1', 'r0 = 0', 'r0 = 0', 'exit'],
    [ARRAY()],
  );
  add('mapval-map-ptr-deref', 'socket', ['ld_pseudo r1, 1, 0', 'r0 = *(u32 *)(r1 + 0)', 'r0 = 0', 'exit'], [ARRAY()]);
  add('mapval-map-ptr-arith', 'socket', ['ld_pseudo r1, 1, 0', 'r1 += 8', 'r0 = 0', 'exit'], [ARRAY()]);
  add('mapval-direct-value', 'socket', ['ld_pseudo r1, 2, 0, 8', 'r0 = *(u64 *)(r1 + 0)', 'exit'], [ARRAY(16, 1)]);
  add('mapval-direct-value-oob', 'socket', ['ld_pseudo r1, 2, 0, 12', 'r0 = *(u64 *)(r1 + 0)', 'exit'], [ARRAY(16, 1)]);
  add(
    'mapval-lookup-prog-array',
    'socket',
    [...LOOKUP, 'r0 = 0', 'exit'],
    [{ type: 'PROG_ARRAY', keySize: 4, valueSize: 4, maxEntries: 4 }],
  );
  add(
    'mapval-store-pointer-priv',
    'socket',
    [...LOOKUP, 'if r0 == 0 goto +1', '*(u64 *)(r0 + 0) = r10', 'r0 = 0', 'exit'],
    [ARRAY()],
  );

  // --- stack
  add('stack-read-uninit-priv', 'socket', ['r0 = *(u64 *)(r10 - 8)', 'exit']);
  add('stack-read-uninit-then-use', 'socket', ['r0 = *(u32 *)(r10 - 4)', 'r0 &= 1', 'exit']);
  for (const off of [-1, -2, -3, -4, -6, -7])
    add(`stack-misaligned-8-off${off}`, 'socket', ['r1 = 1', `*(u64 *)(r10 ${off}) = r1`, 'r0 = 0', 'exit']);
  for (const off of [-2, -6])
    add(`stack-misaligned-4-off${off}`, 'socket', ['r1 = 1', `*(u32 *)(r10 ${off}) = r1`, 'r0 = 0', 'exit']);
  add('stack-aligned-2', 'socket', ['r1 = 1', '*(u16 *)(r10 - 2) = r1', 'r0 = *(u16 *)(r10 - 2)', 'exit']);
  add('stack-write-off0', 'socket', ['r1 = 1', '*(u64 *)(r10 + 0) = r1', 'r0 = 0', 'exit']);
  add('stack-write-off8', 'socket', ['r1 = 1', '*(u64 *)(r10 + 8) = r1', 'r0 = 0', 'exit']);
  add('stack-write-512', 'socket', ['r1 = 1', '*(u64 *)(r10 - 512) = r1', 'r0 = 0', 'exit']);
  add('stack-write-520', 'socket', ['r1 = 1', '*(u64 *)(r10 - 520) = r1', 'r0 = 0', 'exit']);
  add('stack-read-520', 'socket', ['r0 = *(u64 *)(r10 - 520)', 'exit']);
  add('stack-spill-fill-ctx', 'socket', [
    '*(u64 *)(r10 - 8) = r1',
    'r2 = *(u64 *)(r10 - 8)',
    'r0 = *(u32 *)(r2 + 0)',
    'exit',
  ]);
  add('stack-partial-fill-ptr', 'socket', ['*(u64 *)(r10 - 8) = r1', 'r0 = *(u32 *)(r10 - 8)', 'exit']);
  add('stack-overwrite-spill-partial', 'socket', [
    '*(u64 *)(r10 - 8) = r1',
    'r2 = 0',
    '*(u32 *)(r10 - 8) = r2',
    'r2 = *(u64 *)(r10 - 8)',
    'r0 = *(u32 *)(r2 + 0)',
    'exit',
  ]);
  add('stack-spill-const-fill', 'socket', [
    'r1 = 8',
    '*(u64 *)(r10 - 8) = r1',
    'r2 = *(u64 *)(r10 - 8)',
    'r3 = r10',
    'r3 += -16',
    'r3 += r2',
    'r0 = *(u64 *)(r3 + 0)',
    'exit',
  ]);
  add('stack-ptr-var-offset', 'socket', [
    'r2 = *(u32 *)(r1 + 0)',
    'r2 &= 8',
    'r3 = r10',
    'r3 += -16',
    'r3 += r2',
    'r0 = *(u64 *)(r3 + 0)',
    'exit',
  ]);
  add('stack-ptr-sub', 'socket', ['r1 = r10', 'r1 -= 8', 'r0 = 0', 'exit']);
  add('stack-st-imm', 'socket', ['*(u64 *)(r10 - 8) = 5', 'r0 = *(u64 *)(r10 - 8)', 'exit']);
  add('stack-byte-write-read', 'socket', ['r1 = 1', '*(u8 *)(r10 - 1) = r1', 'r0 = *(u8 *)(r10 - 1)', 'exit']);
  add('stack-ptr-deref-r10-plus', 'socket', ['r0 = *(u64 *)(r10 + 8)', 'exit']);
  add('stack-pointer-compare-priv', 'socket', ['r0 = 0', 'if r10 > r1 goto +0', 'exit']);
  add('stack-pointer-add-pointer', 'socket', ['r0 = r10', 'r0 += r1', 'r0 = 0', 'exit']);
  add('stack-pointer-sub-pointer-priv', 'socket', ['r0 = r10', 'r0 -= r1', 'exit']);
  add('stack-pointer-mul', 'socket', ['r0 = r10', 'r0 *= 2', 'r0 = 0', 'exit']);
  add('stack-pointer-and', 'socket', ['r0 = r10', 'r0 &= 7', 'r0 = 0', 'exit']);
  add('stack-pointer-32bit-add', 'socket', ['r0 = r10', 'w0 += 8', 'r0 = 0', 'exit']);
  add('stack-pointer-mov32-priv', 'socket', ['w0 = w10', 'exit']);
  add('stack-return-pointer-priv', 'socket', ['r0 = r10', 'exit']);

  // --- loops
  add('loop-bounded-10', 'socket', ['r0 = 0', 'r1 = 0', 'r0 += r1', 'r1 += 1', 'if r1 < 10 goto -3', 'exit']);
  add('loop-bounded-1000', 'socket', ['r0 = 0', 'r1 = 0', 'r0 += 1', 'r1 += 1', 'if r1 < 1000 goto -3', 'exit']);
  add('loop-infinite-same-state', 'socket', ['r0 = 0', 'goto -1', 'exit']);
  add('loop-infinite-unknown', 'socket', ['r0 = *(u32 *)(r1 + 0)', 'if r0 > 10 goto +1', 'goto -2', 'exit']);
  add('loop-down-counter', 'socket', ['r1 = 100', 'r0 = 0', 'r1 -= 1', 'r0 += 2', 'if r1 != 0 goto -3', 'exit']);
  add('loop-while-unknown-exit', 'socket', ['r0 = 0', 'call 7', 'if r0 == 7 goto +1', 'goto -3', 'r0 = 0', 'exit']);
  add('loop-jmp32-bounded', 'socket', ['w1 = 0', 'w1 += 1', 'if w1 < 20 goto -2', 'r0 = 0', 'exit']);
  add('loop-back-to-start-with-progress-unbounded', 'socket', [
    'r1 = 0',
    'r1 += 1',
    'if r1 != 0 goto -2',
    'r0 = 0',
    'exit',
  ]);
  add('loop-nested', 'socket', [
    'r0 = 0',
    'r1 = 0',
    'r2 = 0',
    'r0 += 1',
    'r2 += 1',
    'if r2 < 5 goto -3',
    'r1 += 1',
    'if r1 < 5 goto -6',
    'exit',
  ]);
  add('loop-stack-counter', 'socket', [
    'r1 = 0',
    '*(u64 *)(r10 - 8) = r1',
    'r1 = *(u64 *)(r10 - 8)',
    'r1 += 1',
    '*(u64 *)(r10 - 8) = r1',
    'if r1 < 16 goto -4',
    'r0 = 0',
    'exit',
  ]);
  add('loop-diamonds', 'socket', [
    'r6 = r1',
    ...Array.from({ length: 12 }, (_, i) => [
      `r2 = *(u32 *)(r6 + ${i % 2 ? 0 : 4})`,
      'if r2 > 5 goto +1',
      `r${7 + (i % 2)} = ${i}`,
    ]).flat(),
    'r0 = 0',
    'exit',
  ]);

  // --- ring buffer references
  const RESERVE = ['ld_pseudo r1, 1, 0', 'r2 = 8', 'r3 = 0', 'call 131'];
  add(
    'ringbuf-reserve-submit',
    'socket',
    [...RESERVE, 'if r0 == 0 goto +3', 'r1 = r0', 'r2 = 0', 'call 132', 'r0 = 0', 'exit'],
    [RINGBUF],
  );
  add(
    'ringbuf-reserve-discard',
    'socket',
    [...RESERVE, 'if r0 == 0 goto +3', 'r1 = r0', 'r2 = 0', 'call 133', 'r0 = 0', 'exit'],
    [RINGBUF],
  );
  add('ringbuf-leak', 'socket', [...RESERVE, 'r0 = 0', 'exit'], [RINGBUF]);
  add(
    'ringbuf-leak-on-one-path',
    'socket',
    [
      ...RESERVE,
      'if r0 == 0 goto +5',
      'r6 = r0',
      'call 7',
      'if r0 > 5 goto +3',
      'r1 = r6',
      'r2 = 0',
      'call 132',
      'r0 = 0',
      'exit',
    ],
    [RINGBUF],
  );
  add('ringbuf-submit-unchecked', 'socket', [...RESERVE, 'r1 = r0', 'r2 = 0', 'call 132', 'r0 = 0', 'exit'], [RINGBUF]);
  add(
    'ringbuf-write-record',
    'socket',
    [
      ...RESERVE,
      'if r0 == 0 goto +4',
      'r1 = 5',
      '*(u64 *)(r0 + 0) = r1',
      'r1 = r0',
      'r2 = 0',
      'call 132',
      'r0 = 0',
      'exit',
    ].filter((_, i, a) => i !== a.length),
    [RINGBUF],
  );
  add(
    'ringbuf-write-beyond-record',
    'socket',
    [
      ...RESERVE,
      'if r0 == 0 goto +5',
      'r1 = 5',
      '*(u64 *)(r0 + 4) = r1',
      'r1 = r0',
      'r2 = 0',
      'call 132',
      'r0 = 0',
      'exit',
    ],
    [RINGBUF],
  );
  add(
    'ringbuf-submit-twice',
    'socket',
    [
      ...RESERVE,
      'if r0 == 0 goto +6',
      'r6 = r0',
      'r1 = r0',
      'r2 = 0',
      'call 132',
      'r1 = r6',
      'r2 = 0',
      'call 132',
      'r0 = 0',
      'exit',
    ],
    [RINGBUF],
  );
  add(
    'ringbuf-use-after-submit',
    'socket',
    [
      ...RESERVE,
      'if r0 == 0 goto +5',
      'r6 = r0',
      'r1 = r0',
      'r2 = 0',
      'call 132',
      'r0 = *(u64 *)(r6 + 0)',
      'r0 = 0',
      'exit',
    ],
    [RINGBUF],
  );
  add(
    'ringbuf-reserve-var-size',
    'socket',
    ['r2 = *(u32 *)(r1 + 0)', 'ld_pseudo r1, 1, 0', 'r3 = 0', 'call 131', 'r0 = 0', 'exit'],
    [RINGBUF],
  );
  add('ringbuf-reserve-on-hash', 'socket', [...RESERVE, 'r0 = 0', 'exit'], [HASH()]);
  add(
    'ringbuf-output-ok',
    'socket',
    [
      'r1 = 0',
      '*(u64 *)(r10 - 8) = r1',
      'ld_pseudo r1, 1, 0',
      'r2 = r10',
      'r2 += -8',
      'r3 = 8',
      'r4 = 0',
      'call 130',
      'r0 = 0',
      'exit',
    ],
    [RINGBUF],
  );
  add(
    'ringbuf-output-too-big',
    'socket',
    ['ld_pseudo r1, 1, 0', 'r2 = r10', 'r2 += -8', 'r3 = 16', 'r4 = 0', 'call 130', 'r0 = 0', 'exit'],
    [RINGBUF],
  );
  add(
    'ringbuf-submit-offset',
    'socket',
    [...RESERVE, 'if r0 == 0 goto +4', 'r0 += 8', 'r1 = r0', 'r2 = 0', 'call 132', 'r0 = 0', 'exit'],
    [RINGBUF],
  );

  // --- return values
  for (const v of [0, 1, 2, -1]) add(`ret-cgroup_skb-${v}`, 'cgroup_skb', [`r0 = ${v}`, 'exit']);
  add('ret-cgroup_skb-unknown', 'cgroup_skb', ['r0 = *(u32 *)(r1 + 0)', 'exit']);
  add('ret-cgroup_skb-masked', 'cgroup_skb', ['r0 = *(u32 *)(r1 + 0)', 'r0 &= 1', 'exit']);
  add('ret-cgroup_skb-pointer', 'cgroup_skb', ['r0 = r1', 'exit']);
  add('ret-cgroup_skb-branch', 'cgroup_skb', ['r0 = *(u32 *)(r1 + 0)', 'if r0 > 1 goto +1', 'exit', 'r0 = 0', 'exit']);
  add('ret-uninit', 'socket', ['exit']);
  add('ret-uninit-xdp', 'xdp', ['r1 = 0', 'exit']);
  add('ret-xdp-pointer-priv', 'xdp', ['r0 = r1', 'exit']);
  add('ret-xdp-any-value', 'xdp', ['r0 = 1234', 'exit']);
  add('ret-kprobe-any-value', 'kprobe', ['r0 = -5', 'exit']);
  add('ret-after-call-r0', 'socket', ['call 7', 'exit']);
  add('ret-uninit-one-path', 'socket', ['r1 = *(u32 *)(r1 + 0)', 'if r1 > 3 goto +1', 'r0 = 0', 'exit']);

  // --- helpers
  add('helper-unknown-id', 'socket', ['call 999', 'r0 = 0', 'exit']);
  add('helper-id-zero', 'socket', ['call 0', 'r0 = 0', 'exit']);
  add('helper-redirect-socket', 'socket', ['r1 = 0', 'r2 = 0', 'call 23', 'r0 = 0', 'exit']);
  add('helper-redirect-xdp', 'xdp', ['r1 = 0', 'r2 = 0', 'call 23', 'exit']);
  add('helper-probe-read-socket', 'socket', ['r1 = r10', 'r1 += -8', 'r2 = 8', 'r3 = 0', 'call 4', 'r0 = 0', 'exit']);
  add('helper-probe-read-kprobe', 'kprobe', ['r1 = r10', 'r1 += -8', 'r2 = 8', 'r3 = 0', 'call 4', 'r0 = 0', 'exit']);
  add('helper-probe-read-kernel-oversize', 'kprobe', [
    'r1 = r10',
    'r1 += -8',
    'r2 = 16',
    'r3 = 0',
    'call 113',
    'r0 = 0',
    'exit',
  ]);
  add('helper-probe-read-kernel-zero-ok', 'kprobe', [
    'r1 = r10',
    'r1 += -8',
    'r2 = 0',
    'r3 = 0',
    'call 113',
    'r0 = 0',
    'exit',
  ]);
  add('helper-probe-read-kernel-neg', 'kprobe', [
    'r1 = r10',
    'r1 += -8',
    'r2 = -1',
    'r3 = 0',
    'call 113',
    'r0 = 0',
    'exit',
  ]);
  add('helper-probe-read-kernel-var-size', 'kprobe', [
    'r2 = *(u64 *)(r1 + 0)',
    'r1 = r10',
    'r1 += -64',
    'r2 &= 63',
    'r3 = 0',
    'call 113',
    'r0 = 0',
    'exit',
  ]);
  add('helper-probe-read-kernel-unbounded', 'kprobe', [
    'r2 = *(u64 *)(r1 + 0)',
    'r1 = r10',
    'r1 += -64',
    'r3 = 0',
    'call 113',
    'r0 = 0',
    'exit',
  ]);
  add('helper-get-comm-ok', 'kprobe', ['r1 = r10', 'r1 += -16', 'r2 = 16', 'call 16', 'r0 = 0', 'exit']);
  add('helper-get-comm-zero', 'kprobe', ['r1 = r10', 'r1 += -16', 'r2 = 0', 'call 16', 'r0 = 0', 'exit']);
  add('helper-get-comm-scalar-buf', 'kprobe', ['r1 = 0', 'r2 = 16', 'call 16', 'r0 = 0', 'exit']);
  add('helper-clobbers-r1', 'socket', ['r1 = 1', 'call 5', 'r0 = r1', 'exit']);
  add('helper-keeps-r6', 'socket', ['r6 = 1', 'call 5', 'r0 = r6', 'exit']);
  add('helper-uninit-arg', 'socket', ['r2 = r10', 'r2 += -4', 'call 1', 'r0 = 0', 'exit']);
  add('helper-skb-load-bytes-ok', 'socket', ['r2 = 0', 'r3 = r10', 'r3 += -8', 'r4 = 8', 'call 26', 'r0 = 0', 'exit']);
  add('helper-skb-load-bytes-ctx-modified', 'socket', [
    'r1 += 4',
    'r2 = 0',
    'r3 = r10',
    'r3 += -8',
    'r4 = 8',
    'call 26',
    'r0 = 0',
    'exit',
  ]);
  add('helper-skb-load-bytes-not-ctx', 'socket', [
    'r1 = r10',
    'r2 = 0',
    'r3 = r10',
    'r3 += -8',
    'r4 = 8',
    'call 26',
    'r0 = 0',
    'exit',
  ]);
  add('helper-skb-load-bytes-xdp', 'xdp', ['r2 = 0', 'r3 = r10', 'r3 += -8', 'r4 = 8', 'call 26', 'r0 = 0', 'exit']);
  add('helper-trace-printk', 'socket', [
    'r1 = 0',
    '*(u64 *)(r10 - 8) = r1',
    'r1 = r10',
    'r1 += -8',
    'r2 = 8',
    'call 6',
    'r0 = 0',
    'exit',
  ]);
  add(
    'helper-tail-call-ok',
    'socket',
    ['ld_pseudo r2, 1, 0', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'],
    [{ type: 'PROG_ARRAY', keySize: 4, valueSize: 4, maxEntries: 4 }],
  );
  add('helper-tail-call-hash', 'socket', ['ld_pseudo r2, 1, 0', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'], [HASH()]);
  add(
    'helper-tail-call-r0-after',
    'socket',
    ['ld_pseudo r2, 1, 0', 'r3 = 0', 'call 12', 'exit'],
    [{ type: 'PROG_ARRAY', keySize: 4, valueSize: 4, maxEntries: 4 }],
  );
  add('helper-xdp-adjust-head-stale', 'xdp', [
    'r6 = r1',
    'r2 = *(u32 *)(r1 + 0)',
    'r3 = *(u32 *)(r1 + 4)',
    'r4 = r2',
    'r4 += 4',
    'if r4 > r3 goto +4',
    'r1 = r6',
    'r2 = 0',
    'call 44',
    'r0 = *(u32 *)(r2 + 0)',
    'r0 = 2',
    'exit',
  ]);
  add(
    'helper-perf-output-ok',
    'kprobe',
    [
      'r2 = 0',
      '*(u64 *)(r10 - 8) = r2',
      'ld_pseudo r2, 1, 0',
      'r3 = 0xffffffff ll',
      'r4 = r10',
      'r4 += -8',
      'r5 = 8',
      'call 25',
      'r0 = 0',
      'exit',
    ],
    [{ type: 'PERF_EVENT_ARRAY', keySize: 4, valueSize: 4, maxEntries: 4 }],
  );

  // --- structure
  add('struct-fall-off-end', 'socket', ['r0 = 0']);
  add('struct-jump-out-forward', 'socket', ['r0 = 0', 'goto +5', 'exit']);
  add('struct-jump-out-backward', 'socket', ['r0 = 0', 'goto -5', 'exit']);
  add('struct-unreachable', 'socket', ['r0 = 0', 'exit', 'r0 = 1', 'exit']);
  add('struct-jump-into-lddw', 'socket', ['r0 = 0', 'if r0 == 0 goto +1', 'r1 = 0x100000000 ll', 'exit']);
  add('struct-cond-jump-last', 'socket', ['r0 = 0', 'if r0 == 0 goto -2']);
  add('struct-goto-last', 'socket', ['r0 = 0', 'exit', 'goto -2']);
  add('struct-only-exit', 'socket', ['exit']);
  add('struct-lddw-ok', 'socket', ['r0 = 0x123456789 ll', 'exit']);
  add('struct-call-local-ok', 'socket', ['call pc+2', 'r0 = 0', 'exit', 'r0 = 1', 'exit']);
  add('struct-call-local-out', 'socket', ['call pc+5', 'r0 = 0', 'exit']);
  add('struct-call-local-returns-ptr', 'socket', ['call pc+2', 'r0 = 0', 'exit', 'r0 = r10', 'exit']);
  add('struct-call-local-r0-uninit', 'socket', ['call pc+2', 'r0 = 0', 'exit', 'r1 = 1', 'exit']);
  add('struct-call-local-uses-caller-stack', 'socket', [
    'r1 = 7',
    '*(u64 *)(r10 - 8) = r1',
    'r1 = r10',
    'r1 += -8',
    'call pc+1',
    'exit',
    'r0 = *(u64 *)(r1 + 0)',
    'exit',
  ]);
  add('struct-call-local-clobbers', 'socket', ['r6 = 5', 'r2 = 3', 'call pc+2', 'r0 = r2', 'exit', 'r0 = 1', 'exit']);
  add('struct-call-local-keeps-r6', 'socket', ['r6 = 5', 'call pc+2', 'r0 = r6', 'exit', 'r0 = 1', 'exit']);
  add('struct-call-local-r6-uninit-callee', 'socket', ['r6 = 5', 'call pc+2', 'r0 = 0', 'exit', 'r0 = r6', 'exit']);
  add('struct-call-local-recursive', 'socket', ['call pc+2', 'r0 = 0', 'exit', 'call pc-1', 'r0 = 0', 'exit']);
  add('struct-subprog-fall-through', 'socket', ['call pc+2', 'r0 = 0', 'exit', 'r0 = 1']);
  add('struct-ld-abs-socket', 'socket', ['r6 = r1', 'r0 = *(u8 *)skb[12]', 'exit']);
  add('struct-ld-abs-no-r6', 'socket', ['r0 = *(u8 *)skb[12]', 'exit']);
  add('struct-ld-abs-xdp', 'xdp', ['r6 = r1', 'r0 = *(u8 *)skb[12]', 'exit']);
  add('struct-ld-ind-ok', 'socket', ['r6 = r1', 'r2 = 2', 'r0 = *(u16 *)skb[r2 + 0xc]', 'exit']);
  add('struct-atomic-add-stack', 'socket', [
    'r1 = 0',
    '*(u64 *)(r10 - 8) = r1',
    'r1 = 1',
    'lock *(u64 *)(r10 - 0x8) += r1',
    'r0 = 0',
    'exit',
  ]);
  add('struct-atomic-fetch-stack', 'socket', [
    'r1 = 0',
    '*(u64 *)(r10 - 8) = r1',
    'r1 = 1',
    'r1 = atomic_fetch_add((u64 *)(r10 - 0x8), r1)',
    'r0 = r1',
    'exit',
  ]);
  add('struct-atomic-ctx', 'socket', ['r2 = 1', 'lock *(u32 *)(r1 + 0x0) += r2', 'r0 = 0', 'exit']);
  add(
    'struct-atomic-mapval',
    'socket',
    [...LOOKUP, 'if r0 == 0 goto +2', 'r1 = 1', 'lock *(u64 *)(r0 + 0x0) += r1', 'r0 = 0', 'exit'],
    [ARRAY()],
  );
  add('struct-cmpxchg-r0-uninit', 'socket', [
    'r1 = 0',
    '*(u64 *)(r10 - 8) = r1',
    'r0 = cmpxchg_64(r10 - 0x8, r0, r1)',
    'exit',
  ]);

  // --- scalar bounds through ALU, used for stack access (r3 = fp-64 + idx)
  const stackIdx = (name, lines) =>
    add(`bounds-${name}`, 'socket', [
      'r2 = *(u32 *)(r1 + 0)',
      ...lines,
      'r3 = r10',
      'r3 += -64',
      'r3 += r2',
      'r0 = *(u8 *)(r3 + 0)',
      'r0 = 0',
      'exit',
    ]);
  stackIdx('and-63', ['r2 &= 63']);
  stackIdx('and-64', ['r2 &= 64']);
  stackIdx('and-127', ['r2 &= 127']);
  stackIdx('mod-64', ['r2 %= 64']);
  stackIdx('rsh-26', ['r2 >>= 26']);
  stackIdx('rsh-27', ['r2 >>= 27']);
  stackIdx('and-7-lsh-3', ['r2 &= 7', 'r2 <<= 3']);
  stackIdx('and-7-lsh-4', ['r2 &= 7', 'r2 <<= 4']);
  stackIdx('and-15-mul-4', ['r2 &= 15', 'r2 *= 4']);
  stackIdx('and-15-mul-5', ['r2 &= 15', 'r2 *= 5']);
  stackIdx('and-31-add-32', ['r2 &= 31', 'r2 += 32']);
  stackIdx('and-31-add-33', ['r2 &= 31', 'r2 += 33']);
  stackIdx('and-63-sub-1', ['r2 &= 63', 'r2 -= 1']);
  stackIdx('or-bound', ['r2 &= 31', 'r2 |= 32']);
  stackIdx('xor-bound', ['r2 &= 31', 'r2 ^= 32']);
  stackIdx('jgt-63', ['if r2 > 63 goto +5']);
  stackIdx('jge-64', ['if r2 >= 64 goto +5']);
  stackIdx('jge-65', ['if r2 >= 65 goto +5']);
  stackIdx('jlt-64-rev', ['if r2 < 64 goto +1', 'r2 = 0']);
  stackIdx('jsgt-63', ['if r2 s> 63 goto +5']);
  stackIdx('jsgt-63-jslt-0', ['if r2 s> 63 goto +6', 'if r2 s< 0 goto +5']);
  stackIdx('jeq-const', ['if r2 != 17 goto +5']);
  stackIdx('jne-const-fall', ['if r2 == 17 goto +1', 'r2 = 3']);
  stackIdx('jmp32-w-jgt', ['if w2 > 63 goto +5']);
  stackIdx('mov32-bound', ['w2 = w2', 'if w2 > 63 goto +5']);
  stackIdx('jset-bit', ['if r2 & 64 goto +5', 'r2 &= 127']);
  stackIdx('neg-bound', ['r2 &= 63', 'r2 = -r2', 'r2 += 63']);
  stackIdx('arsh-bound', ['r2 &= 127', 'r2 s>>= 1']);
  stackIdx('unknown', []);
  stackIdx('div-bound', ['r2 &= 127', 'r2 /= 2']);
  stackIdx('reg-compare-bound', ['r4 = 63', 'if r2 > r4 goto +5']);
  stackIdx('reg-compare-unknown', ['r4 = *(u32 *)(r1 + 4)', 'if r2 > r4 goto +5']);
  stackIdx('linked-copy', ['r4 = r2', 'if r4 > 63 goto +5']);
  stackIdx('linked-broken', ['r4 = r2', 'r4 += 0', 'r2 += 1', 'if r4 > 62 goto +5']);
  stackIdx('spill-fill-bound', ['r2 &= 63', '*(u64 *)(r10 - 72) = r2', 'r2 = *(u64 *)(r10 - 72)']);
  stackIdx('spill-fill32-bound', ['r2 &= 63', '*(u32 *)(r10 - 72) = r2', 'r2 = *(u32 *)(r10 - 72)']);
  stackIdx('le16', ['r2 = le16 r2', 'r2 &= 63']);
  stackIdx('be16-bound', ['r2 = be16 r2', 'if r2 > 63 goto +5']);
  stackIdx('add32-wrap', ['w2 &= 63', 'w2 += -1']);

  // --- helper availability per program type (arguments left unset: an available helper then fails on R1)
  const HELPERS = [
    1, 4, 5, 6, 7, 8, 9, 12, 14, 16, 23, 25, 26, 27, 28, 35, 44, 45, 51, 65, 112, 113, 125, 130, 131, 132,
  ];
  for (const type of [
    'socket',
    'kprobe',
    'tc',
    'tracepoint',
    'xdp',
    'perf_event',
    'cgroup_skb',
    'sk_skb',
    'raw_tracepoint',
    'cgroup_sock',
  ]) {
    for (const id of HELPERS) add(`avail-${type}-helper${id}`, type, [`call ${id}`, 'r0 = 0', 'exit']);
  }

  // --- 32-bit jumps and sign-extending loads bounding a stack index
  for (const [nm, lines] of [
    ['jmp32-jle', ['if w2 <= 63 goto +1', 'r2 = 0']],
    ['jmp32-jslt-upper-unknown', ['if w2 s< 64 goto +1', 'r2 = 0']],
    ['jmp32-jeq', ['if w2 != 5 goto +6']],
    ['jmp32-then-mov32', ['if w2 > 63 goto +6', 'w2 = w2']],
    ['sx-load-u8', ['r2 = *(s8 *)(r1 + 0)', 'r2 += 128']],
    ['sx-load-mask', ['r2 = *(s8 *)(r1 + 0)', 'r2 &= 63']],
    ['movsx8', ['r2 = (s8)r2', 'r2 &= 63']],
    ['movsx8-unbounded', ['r2 = (s8)r2', 'r2 += 64']],
  ]) {
    add(`bounds2-${nm}`, 'socket', [
      'r2 = *(u32 *)(r1 + 0)',
      ...lines,
      'r3 = r10',
      'r3 += -64',
      'r3 += r2',
      'r0 = *(u8 *)(r3 + 0)',
      'r0 = 0',
      'exit',
    ]);
  }

  // --- rules closed against the kernel's own selftests (docs/verifier-disagreements.md)
  // call-chain stack: a static walk after verification, frames rounded to 16 (JIT), private stacks for tracing
  const RECURSE = ['r1 += 1', 'r0 = r1', 'if r1 < 4 goto l0', 'exit', 'l0:', 'call f', 'exit'];
  for (const type of ['socket', 'tracepoint'])
    add(`calls-bounded-recursion-${type}`, type, ['r1 = 0', 'call f', 'exit', 'f:', ...RECURSE]);
  for (const [main, sub] of [
    [296, 248],
    [280, 232],
    [256, 256],
    [264, 248],
    [40, 40],
  ]) {
    for (const type of ['socket', 'tracepoint']) {
      add(`calls-combined-stack-${main}-${sub}-${type}`, type, [
        'r1 = 0',
        `*(u64 *)(r10 - ${main}) = r1`,
        'call f',
        'r0 = 0',
        'exit',
        'f:',
        'r1 = 0',
        `*(u64 *)(r10 - ${sub}) = r1`,
        'r0 = 0',
        'exit',
      ]);
    }
  }
  add('calls-combined-stack-dead-call', 'socket', [
    'r1 = 0',
    '*(u64 *)(r10 - 400) = r1',
    'r0 = 0',
    'if r0 == 0 goto +1',
    'call f',
    'exit',
    'f:',
    'r1 = 0',
    '*(u64 *)(r10 - 200) = r1',
    'r0 = 0',
    'exit',
  ]);
  // abnormal returns from subprograms need BTF
  const PROG_ARRAY = { type: 'PROG_ARRAY', keySize: 4, valueSize: 4, maxEntries: 4 };
  add('subprog-ld-abs-no-btf', 'socket', ['call f', 'r0 = 0', 'exit', 'f:', 'r6 = r1', 'r0 = *(u32 *)skb[0]', 'exit']);
  add(
    'subprog-tail-call-no-btf',
    'tc',
    ['call f', 'r0 = 0', 'exit', 'f:', 'ld_pseudo r2, 1, 0', 'r3 = 0', 'call 12', 'r0 = 0', 'exit'],
    [PROG_ARRAY],
  );
  // zero-sized helper accesses to the stack are bounds-checked too
  for (const [nm, lines] of [
    ['fp0', ['r1 = r10']],
    ['fp-8', ['r1 = r10', 'r1 += -8']],
    ['fp-600', ['r1 = r10', 'r1 += -600']],
    ['var-in', ['r1 &= 16', 'r1 += -16', 'r1 += r10']],
    ['var-max-out', ['r1 &= 63', 'r1 += -16', 'r1 += r10']],
  ]) {
    add(`helper-zero-size-stack-${nm}`, 'socket', [
      'r0 = 0',
      '*(u64 *)(r10 - 16) = r0',
      '*(u64 *)(r10 - 8) = r0',
      'r1 = *(u32 *)(r1 + 0)',
      ...lines,
      'r2 = 0',
      'r3 = 0',
      'call 113',
      'exit',
    ]);
  }
  // packet pointers go only to helpers with pkt_access
  const PKT_LOAD = ['r6 = r1', 'r7 = *(u32 *)(r1 + 76)', 'r8 = *(u32 *)(r1 + 80)', 'r9 = r7'];
  const PKT16 = [...PKT_LOAD, 'r9 += 16', 'if r9 > r8 goto out'];
  const HASH4 = { type: 'HASH', keySize: 4, valueSize: 4, maxEntries: 4 };
  for (const [id, maps, args] of [
    [1, [HASH4], ['ld_pseudo r1, 1, 0', 'r2 = r7']],
    [3, [HASH4], ['ld_pseudo r1, 1, 0', 'r2 = r7']],
    [6, [], ['r1 = r7', 'r2 = 4']],
    [9, [], ['r1 = r6', 'r2 = 0', 'r3 = r7', 'r4 = 4', 'r5 = 0']],
    [26, [], ['r1 = r6', 'r2 = 0', 'r3 = r7', 'r4 = 4']],
    [28, [], ['r1 = r7', 'r2 = 4', 'r3 = r7', 'r4 = 4', 'r5 = 0']],
    [88, [{ type: 'QUEUE', keySize: 0, valueSize: 4, maxEntries: 4 }], ['ld_pseudo r1, 1, 0', 'r2 = r7']],
    [113, [], ['r1 = r7', 'r2 = 4', 'r3 = 0']],
    [130, [RINGBUF], ['ld_pseudo r1, 1, 0', 'r2 = r7', 'r3 = 4', 'r4 = 0']],
  ]) {
    const lines = [...PKT16, ...args, `call ${id}`, 'out:', 'r0 = 0', 'exit'];
    add(`helper-pkt-arg-${id}`, 'tc', lines, maps.length ? maps : undefined);
  }
  // a tail call from a subprogram leaves the caller's packet pointers stale; from the main program it does not
  add(
    'pkt-after-tail-call-main',
    'tc',
    [
      ...PKT_LOAD,
      'r9 += 4',
      'if r9 > r8 goto out',
      'r1 = r6',
      'ld_pseudo r2, 1, 0',
      'r3 = 0',
      'call 12',
      'r0 = *(u32 *)(r7 + 0)',
      'out:',
      'r0 = 0',
      'exit',
    ],
    [PROG_ARRAY],
  );
  // misaligned atomics (strict_alignment_once) on a map value
  for (const off of [0, 3, 4]) {
    const lines = [...LOOKUP, 'if r0 == 0 goto out', 'r1 = 1', `lock *(u32 *)(r0 + ${off}) += r1`, 'out:', 'r0 = 0'];
    add(`atomic-map-value-off${off}`, 'socket', [...lines, 'exit'], [ARRAY()]);
  }
  // struct bpf_sock through skb->sk (sock_common): full-socket fields are refused
  for (const [off, size] of [
    [0, 4],
    [0, 2],
    [4, 2],
    [6, 2],
    [8, 4],
    [16, 4],
    [28, 4],
    [30, 2],
    [48, 2],
    [49, 1],
    [50, 2],
    [72, 1],
    [76, 4],
    [0, 8],
  ]) {
    add(`sock-common-read-off${off}-size${size}`, 'cgroup_skb', [
      'r1 = *(u64 *)(r1 + 168)',
      'if r1 != 0 goto l',
      'r0 = 1',
      'exit',
      'l:',
      `r0 = *(u${size * 8} *)(r1 + ${off})`,
      'r0 = 1',
      'exit',
    ]);
  }
  // sockmap/sockhash: a lookup holds a socket reference; updates only from some program types
  for (const type of ['SOCKMAP', 'SOCKHASH']) {
    const m = [{ type, keySize: 4, valueSize: 4, maxEntries: 4 }];
    add(`${type.toLowerCase()}-lookup-leaks-ref`, 'sk_skb', [...LOOKUP, 'r0 = 0', 'exit'], m);
    const checked = [...LOOKUP, 'if r0 != 0 goto +2', 'r0 = 0', 'exit', 'r0 = 0', 'exit'];
    add(`${type.toLowerCase()}-lookup-null-checked`, 'sk_skb', checked, m);
    for (const ptype of ['kprobe', 'tc', 'socket', 'sk_skb'])
      add(`${type.toLowerCase()}-delete-${ptype}`, ptype, [...LOOKUP.slice(0, 5), 'call 3', 'r0 = 0', 'exit'], m);
  }
  // a context pointer moved below its start; struct bpf_map reads name the map type's own struct
  add('ctx-negative-off', 'socket', ['r1 += -1', 'r0 = *(u32 *)(r1 + 0)', 'exit']);
  add('ctx-negative-off-net', 'socket', ['r1 += -8', 'r1 += 4', 'r0 = *(u32 *)(r1 + 4)', 'exit']);
  for (const [type, keySize, valueSize, maxEntries] of [
    ['ARRAY', 4, 4, 4],
    ['HASH', 4, 4, 4],
    ['LRU_PERCPU_HASH', 4, 4, 4],
    ['RINGBUF', 0, 0, 4096],
    ['QUEUE', 0, 4, 4],
    ['PROG_ARRAY', 4, 4, 4],
    ['STACK_TRACE', 4, 8, 4],
    ['DEVMAP', 4, 4, 4],
    ['CPUMAP', 4, 4, 4],
    ['XSKMAP', 4, 4, 4],
    ['SOCKMAP', 4, 4, 4],
    ['SOCKHASH', 4, 4, 4],
    ['BLOOM_FILTER', 0, 4, 4],
  ]) {
    const m = [{ type, keySize, valueSize, maxEntries }];
    const name = type.toLowerCase();
    const read = ['ld_pseudo r1, 1, 0', 'r0 = *(u32 *)(r1 - 8)', 'r0 = 0', 'exit'];
    add(`map-ptr-${name}-read-negative`, 'socket', read, m);
    add(`map-ptr-${name}-write`, 'socket', ['ld_pseudo r1, 1, 0', 'r0 = 0', '*(u32 *)(r1 + 0) = r0', 'exit'], m);
  }
  return out;
}

/** Cases given as raw instructions (fields), for encodings the assembler cannot write. */
export function rawCases() {
  const i = (opcode, dst = 0, src = 0, off = 0, imm = 0) => ({ opcode, dst, src, off, imm });
  const MOV0 = i(0xb7, 0, 0, 0, 0);
  const EXIT = i(0x95);
  return [
    { name: 'enc-unknown-opcode-ff', type: 'socket', insns: [MOV0, i(0xff), EXIT] },
    { name: 'enc-unknown-opcode-e7', type: 'socket', insns: [MOV0, i(0xe7), EXIT] },
    { name: 'enc-alu-reserved-off', type: 'socket', insns: [i(0xb7, 0, 0, 1, 0), EXIT] },
    { name: 'enc-alu-reserved-src', type: 'socket', insns: [MOV0, i(0x07, 0, 1, 0, 1), EXIT] },
    { name: 'enc-mov-reg-reserved-imm', type: 'socket', insns: [i(0xbf, 0, 1, 0, 5), EXIT] },
    { name: 'enc-exit-reserved', type: 'socket', insns: [MOV0, i(0x95, 1)] },
    { name: 'enc-dst-r11', type: 'socket', insns: [i(0xb7, 11, 0, 0, 0), MOV0, EXIT] },
    { name: 'enc-src-r11', type: 'socket', insns: [MOV0, i(0xbf, 1, 11), EXIT] },
    { name: 'enc-ldx-reserved-imm', type: 'socket', insns: [i(0x61, 0, 1, 0, 1), EXIT] },
    { name: 'enc-jmp-reserved-imm', type: 'socket', insns: [MOV0, i(0x1d, 0, 0, 0, 1), EXIT] },
    { name: 'enc-ja-reserved-dst', type: 'socket', insns: [MOV0, i(0x05, 1, 0, 0, 0), EXIT] },
    { name: 'enc-neg-reserved-imm', type: 'socket', insns: [MOV0, i(0x87, 0, 0, 0, 1), EXIT] },
    { name: 'enc-end-bad-width', type: 'socket', insns: [MOV0, i(0xd4, 0, 0, 0, 8), EXIT] },
    { name: 'enc-call-kfunc', type: 'socket', insns: [i(0x85, 0, 2, 0, 1), MOV0, EXIT] },
    { name: 'enc-lddw-bad-pseudo', type: 'socket', insns: [{ ...i(0x18, 1, 9, 0, 0), nextImm: 0 }, MOV0, EXIT] },
    { name: 'enc-atomic-bad-op', type: 'socket', insns: [MOV0, i(0xdb, 10, 0, -8, 0x10), EXIT] },
    { name: 'enc-st-reserved-src', type: 'socket', insns: [i(0x62, 10, 1, -8, 0), MOV0, EXIT] },
    { name: 'enc-sdiv-ok', type: 'socket', insns: [i(0xb7, 0, 0, 0, 7), i(0x37, 0, 0, 1, 2), EXIT] },
    { name: 'enc-movsx-ok', type: 'socket', insns: [i(0xb7, 1, 0, 0, 200), i(0xbf, 0, 1, 8, 0), EXIT] },
    { name: 'enc-gotol-ok', type: 'socket', insns: [MOV0, i(0x06, 0, 0, 0, 0), EXIT] },
  ];
}
