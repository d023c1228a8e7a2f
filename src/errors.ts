/**
 * Base class of every error caused by bad input (a malformed file, invalid bytecode, a bad expression, a bad
 * option). The CLI prints such an error as one line and exits with code 2; anything else is a bug or a failure.
 * Messages say what is wrong and where (file, section, byte offset, pc, line:column) in one line: control
 * characters that come from the input (a section name with a newline in a corrupt file) are escaped, so the message
 * stays one line whatever the bytes were.
 */
export class InputError extends Error {
  override name = 'InputError';

  constructor(message: string, options?: ErrorOptions) {
    super(oneLine(message), options);
  }
}

/** Escapes control characters (`\n` becomes `\x0a`) so a message is one printable line. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
