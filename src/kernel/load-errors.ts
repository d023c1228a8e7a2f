/**
 * Why an object did not load into the kernel. Each names the object part at fault (map, program, extern) and
 * keeps the underlying KernelError/VerifierError as `cause`; verifier rejections also carry the log.
 */

/** The object cannot be loaded as it is (a pinned map that differs, a program the verifier refuses...). */
export class CollectionLoadError extends Error {
  override name = 'CollectionLoadError';
  /** The verifier log, when the kernel rejected a program. */
  readonly log?: string;
  constructor(message: string, options?: { cause?: unknown; log?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.log !== undefined) this.log = options.log;
  }
}

/** The object needs something the running kernel lacks (a program or map type, BTF, a kfunc...). */
export class MissingFeatureError extends CollectionLoadError {
  override name = 'MissingFeatureError';
}
