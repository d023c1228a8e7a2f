/**
 * Base class of every error caused by bad input (a malformed file, invalid bytecode, a bad expression, a bad
 * option). The CLI prints such an error as one line and exits with code 2; anything else is a bug or a failure.
 * Messages say what is wrong and where (file, section, byte offset, pc, line:column) in one line.
 */
export class InputError extends Error {
  override name = 'InputError';
}
