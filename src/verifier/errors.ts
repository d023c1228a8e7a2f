/**
 * A rejection: the kernel's own message text, plus what tsbpf adds (the registers involved, a suggestion).
 * Thrown inside the checker and turned into a `ProgramVerdict` by verifyProgram; never escapes it.
 */
export class VerifierReject extends Error {
  override name = 'VerifierReject';
  constructor(
    /** The kernel's message for this rule, e.g. `R1 invalid mem access 'scalar'`. */
    readonly kernelMessage: string,
    /** Slot index of the offending instruction (-1 when it is about the whole program). */
    readonly pc: number,
    /** Registers involved, shown with their inferred state. */
    readonly regs: readonly number[] = [],
    /** A plain-language fix. */
    readonly suggestion?: string,
    /** The rule is one tsbpf does not model (a helper, a load kind): the kernel may well accept the program. */
    readonly unsupported = false,
  ) {
    super(kernelMessage);
  }
}
