/** The UAPI constants live in the core (src/uapi) so that the loader and the verifier share them. */
export * from '../uapi/bpf.js';
