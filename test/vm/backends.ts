import { describe } from 'node:test';
import { type LoadCollectionOptions, loadCollection, type VmBackend } from '../../src/vm/collection.js';
import type { ObjectSpec } from '../../src/object/types.js';

/** The userspace backends every runtime test runs on: they must behave the same. */
export const USERSPACE_BACKENDS: readonly VmBackend[] = ['vm', 'jit'];

export type LoadOn = (spec: ObjectSpec, options?: LoadCollectionOptions) => ReturnType<typeof loadCollection>;

/**
 * Runs a file's suites once per userspace backend, in a describe block named after it. `body` gets a
 * loadCollection that loads on that backend (named the same, so the suites read as they would for one backend).
 */
export function onEachBackend(body: (loadCollection: LoadOn, backend: VmBackend) => void): void {
  for (const backend of USERSPACE_BACKENDS) {
    describe(`on the ${backend} backend`, () => {
      body((spec, options = {}) => loadCollection(spec, { ...options, backend }), backend);
    });
  }
}
