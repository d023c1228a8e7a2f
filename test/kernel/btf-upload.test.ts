import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBtfRaw } from '../../src/btf/format-raw.js';
import { BtfKind } from '../../src/btf/kinds.js';
import { parseBtf } from '../../src/btf/parse.js';
import { BtfUpload } from '../../src/kernel/btf-upload.js';
import { programExtRecords } from '../../src/kernel/ext-records.js';
import { fixtureSpec } from './fixtures.js';

test('an uploaded BTF parses back to the same types', () => {
  const spec = fixtureSpec('objects/maps.bpf.o');
  assert.ok(spec.btf);
  const upload = new BtfUpload(spec.btf);
  const again = parseBtf(upload.bytes());
  assert.equal(again.typeCount, spec.btf.typeCount);
  assert.equal(formatBtfRaw(again), formatBtfRaw(spec.btf));
});

test('strings the BTF lacks are appended once; known ones keep their offset', () => {
  const spec = fixtureSpec('objects/maps.bpf.o');
  assert.ok(spec.btf);
  const upload = new BtfUpload(spec.btf);
  const named = [...spec.btf.types()].find((t) => t.name !== '');
  assert.ok(named);
  assert.equal(upload.stringOffset(named.name), spec.btf.nameOffset(named.id));
  const added = upload.stringOffset('tsbpf: a string nobody compiled');
  assert.equal(upload.stringOffset('tsbpf: a string nobody compiled'), added);
  const parsed = parseBtf(upload.bytes());
  assert.equal(parsed.str(added), 'tsbpf: a string nobody compiled');
});

test('extern variables are uploaded as allocated globals, typeless ones as int', () => {
  const spec = fixtureSpec('objects/core.bpf.o');
  assert.ok(spec.btf);
  const externs = [...spec.btf.types()].filter((t) => t.kind === BtfKind.Var && t.linkage === 2);
  assert.ok(externs.length > 0, 'the fixture declares externs');
  const parsed = parseBtf(new BtfUpload(spec.btf).bytes());
  for (const extern of externs) {
    const t = parsed.type(extern.id);
    assert.equal(t.kind, BtfKind.Var);
    if (t.kind === BtfKind.Var) {
      assert.equal(t.linkage, 1);
      assert.notEqual(parsed.resolve(t.type), 0);
    }
  }
});

test('func_info and line_info records use slot offsets and the upload strings', () => {
  const spec = fixtureSpec('objects/globals.bpf.o');
  assert.ok(spec.btf);
  const program = spec.programs.find((p) => p.name === 'tweak');
  assert.ok(program && program.lineInfo.length > 0 && program.funcInfo.length > 0);
  const upload = new BtfUpload(spec.btf);
  const records = programExtRecords(program, upload);
  assert.ok(records.funcInfo && records.lineInfo);
  assert.equal(records.funcInfo.recordSize, 8);
  assert.equal(records.lineInfo.recordSize, 16);
  assert.equal(records.funcInfo.count, program.funcInfo.length);
  assert.equal(records.lineInfo.count, program.lineInfo.length);
  const view = new DataView(records.lineInfo.data.buffer);
  const parsed = parseBtf(upload.bytes());
  const first = [...program.lineInfo].sort((a, b) => a.insn - b.insn)[0]!;
  assert.equal(parsed.str(view.getUint32(4, true)), first.fileName);
  assert.equal(parsed.str(view.getUint32(8, true)), first.line);
  assert.equal(view.getUint32(12, true) >>> 10, first.lineNumber);
  // Slot offsets never run backwards and end inside the program.
  let previous = -1;
  for (let i = 0; i < records.funcInfo.count; i++) {
    const slot = new DataView(records.funcInfo.data.buffer).getUint32(i * 8, true);
    assert.ok(slot > previous);
    previous = slot;
  }
});
