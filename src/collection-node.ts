/**
 * One entry point for every backend: `loadCollection(spec, { backend: 'vm' | 'jit' | 'kernel' })`. The userspace
 * backends are the core's VmCollection; the kernel backend is imported on demand, so code that never asks for it
 * does not load koffi (and still runs where bpf() does not exist). Node-only, like the kernel backend itself.
 */
import type { BackendKind, Collection } from './object/collection.js';
import type { ObjectSpec } from './object/types.js';
import { InputError } from './errors.js';
import {
  type LoadCollectionOptions as VmLoadOptions,
  loadCollection as loadOnVm,
  type VmCollection,
} from './vm/collection.js';

type KernelModule = typeof import('./kernel/index.js');
type KernelCollection = InstanceType<KernelModule['KernelCollection']>;
type KernelLoadOptions = Parameters<KernelModule['loadCollection']>[1];

/** The options of both kinds of backend; each ignores the other's. */
export interface AnyLoadCollectionOptions extends Omit<VmLoadOptions, 'backend'>, NonNullable<KernelLoadOptions> {
  /** 'vm' (default): the interpreter; 'jit': WebAssembly; 'kernel': Linux through bpf() (root). */
  backend?: BackendKind;
}

/** Loads an object on the chosen backend (default: the userspace interpreter). */
export async function loadCollection(
  spec: ObjectSpec,
  options: AnyLoadCollectionOptions & { backend: 'kernel' },
): Promise<KernelCollection>;
export async function loadCollection(
  spec: ObjectSpec,
  options?: AnyLoadCollectionOptions & { backend?: 'vm' | 'jit' },
): Promise<VmCollection>;
export async function loadCollection(spec: ObjectSpec, options?: AnyLoadCollectionOptions): Promise<Collection>;
export async function loadCollection(spec: ObjectSpec, options: AnyLoadCollectionOptions = {}): Promise<Collection> {
  const { backend = 'vm', pinRoot, logLevel, programs, skipFeatureCheck, ...vmOptions } = options;
  switch (backend) {
    case 'vm':
    case 'jit':
      return loadOnVm(spec, { ...vmOptions, backend });
    case 'kernel': {
      const kernel: KernelModule = await import('./kernel/index.js');
      return kernel.loadCollection(spec, { pinRoot, logLevel, programs, skipFeatureCheck });
    }
    default:
      throw new InputError(`unknown backend '${String(backend)}' (expected vm, jit or kernel)`);
  }
}
