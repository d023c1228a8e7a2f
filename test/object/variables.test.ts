import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ObjectError } from '../../src/object/errors.js';
import { getVariable, setVariable } from '../../src/object/variables.js';
import { loadFixture } from './fixtures.js';

describe('setVariable / getVariable', () => {
  it('reads initial values from the sections', () => {
    const spec = loadFixture('globals');
    assert.deepEqual([...getVariable(spec, 'scale')], [3, 0, 0, 0]);
    assert.deepEqual([...getVariable(spec, 'counter')], [7, 0, 0, 0]);
    assert.deepEqual([...getVariable(spec, 'custom_value')], [0x22, 0x11, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...getVariable(spec, 'hits')], [0, 0, 0, 0]);
  });

  it('sets .rodata constants and other data in the map bytes, little and big endian', () => {
    const spec = loadFixture('globals');
    setVariable(spec, 'scale', 0x01020304);
    const rodata = spec.maps.find((m) => m.name === '.rodata')!;
    assert.deepEqual([...rodata.initialData!], [4, 3, 2, 1]);
    setVariable(spec, 'custom_value', -2n);
    assert.deepEqual([...getVariable(spec, 'custom_value')], [0xfe, 255, 255, 255, 255, 255, 255, 255]);
    setVariable(spec, 'hits', new Uint8Array([9, 8, 7, 6]));
    assert.deepEqual([...spec.maps.find((m) => m.name === '.bss')!.initialData!], [9, 8, 7, 6]);
    const eb = loadFixture('bpfeb');
    setVariable(eb, 'bias', 0x1122n);
    assert.deepEqual([...getVariable(eb, 'bias')], [0, 0, 0, 0, 0, 0, 0x11, 0x22]);
  });

  it('does not change the file bytes or another spec', () => {
    const a = loadFixture('globals');
    const b = loadFixture('globals');
    setVariable(a, 'counter', 99);
    assert.deepEqual([...getVariable(b, 'counter')], [7, 0, 0, 0]);
  });

  it('round-trips any value that fits, and refuses what does not', () => {
    const spec = loadFixture('globals');
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), (n) => {
        setVariable(spec, 'counter', n);
        const v = new DataView(getVariable(spec, 'counter').buffer).getUint32(0, true);
        assert.equal(v, n >>> 0);
      }),
    );
    assert.throws(() => setVariable(spec, 'counter', 2 ** 32), ObjectError);
    assert.throws(() => setVariable(spec, 'counter', 1.5), ObjectError);
    assert.throws(() => setVariable(spec, 'counter', new Uint8Array(3)), /3 bytes given/);
    assert.throws(() => setVariable(spec, 'nope', 1), /no such global variable/);
  });
});
