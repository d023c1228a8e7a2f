/**
 * Checks, before anything is created, that the running kernel has what an object needs: every program type, every
 * map type, the kernel BTF that tracing programs and CO-RE resolve against. A missing feature fails the load with
 * one line naming the program or map and the missing piece, instead of an EINVAL from deep inside the load.
 */
import type { ObjectSpec } from '../object/types.js';
import { MapType, nameOf, ProgType } from './constants.js';
import { MissingFeatureError } from './load-errors.js';
import { probeMapType, probeProgType } from './probe.js';
import { vmlinuxBtf } from './running-kernel.js';

function lower(name: string | undefined, fallback: number): string {
  return name ? name.toLowerCase() : `type ${fallback}`;
}

/** Throws MissingFeatureError for the first requirement the kernel does not meet. */
export function checkFeatures(spec: ObjectSpec): void {
  for (const map of spec.maps) {
    const types = map.inner ? [map.type, map.inner.type] : [map.type];
    for (const type of types) {
      if (!probeMapType(type)) {
        throw new MissingFeatureError(
          `${spec.name}: map "${map.name}" needs map type ${lower(nameOf(MapType, type), type)}, which this kernel does not support`,
        );
      }
    }
  }
  for (const program of spec.programs) {
    if (!probeProgType(program.type)) {
      throw new MissingFeatureError(
        `${spec.name}: program "${program.name}" (section ${program.section}) needs program type ${lower(nameOf(ProgType, program.type), program.type)}, which this kernel does not support`,
      );
    }
    const needsKernelBtf =
      program.type === ProgType.TRACING || program.type === ProgType.LSM || program.coreRelocations.length > 0;
    if (needsKernelBtf && !vmlinuxBtf()) {
      throw new MissingFeatureError(
        `${spec.name}: program "${program.name}" needs the kernel's BTF, but /sys/kernel/btf/vmlinux does not exist (CONFIG_DEBUG_INFO_BTF)`,
      );
    }
  }
}
