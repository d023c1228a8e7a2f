#!/usr/bin/env node
/**
 * The verifier's soundness check at scale: N random programs (default 100,000); every one tsbpf accepts must run
 * in the VM without a memory fault on random packets and contexts. Prints the first counterexample, if any.
 *
 * Usage: node scripts/soundness.mjs [N] [BUILD_DIR]   (BUILD_DIR: tsc output, default dist)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';

const runs = Number(process.argv[2] ?? 100_000);
const build = resolve(process.argv[3] ?? 'dist');
const load = (p) => import(pathToFileURL(`${build}/${p}`).href);
const { verifyProgram } = await load('src/verifier/index.js');
const { VmFault } = await load('src/vm/fault.js');
const { assembleRandom, randomInput, randomProgram, runXdp } = await load('test/verifier/random-programs.js');

let accepted = 0;
let rejected = 0;
const started = Date.now();
fc.assert(
  fc.property(randomProgram, fc.array(randomInput, { minLength: 4, maxLength: 4 }), (text, inputs) => {
    const insns = assembleRandom(text);
    if (verifyProgram(insns, { progType: 'xdp' }).verdict !== 'accepted') {
      rejected++;
      return;
    }
    accepted++;
    for (const input of inputs) {
      try {
        runXdp(insns, input);
      } catch (err) {
        if (err instanceof VmFault) throw new Error(`accepted program faulted: ${err.message}\n${text}`);
        throw err;
      }
    }
  }),
  { numRuns: runs },
);
console.log(
  `${runs} programs: ${accepted} accepted (all ran without a fault), ${rejected} rejected, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
