/**
 * How the disassemblers spell numbers. llvm-objdump prints immediates as signed hex (`-0x1`, `0x7fffffff`) and
 * jump offsets with an explicit sign (`+0x3`, `-0x8`); the ubpf syntax uses signed decimal for memory and jump
 * offsets (`[%r10-8]`, `+3`). Both spell a negative value as a minus sign and a magnitude, never as a bit pattern.
 */

/** `0x1f`, `-0x1`, `-0x80000000`: signed hex of a number or bigint. */
export function signedHex(value: number | bigint): string {
  const v = BigInt(value);
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** `+0x3`, `-0x8`, `+0x0`: signed hex with an explicit plus sign (jump offsets). */
export function plusHex(value: number): string {
  return value < 0 ? signedHex(value) : `+${signedHex(value)}`;
}

/** `+3`, `-8`, `+0`: signed decimal with an explicit plus sign. */
export function plusDec(value: number): string {
  return value < 0 ? String(value) : `+${value}`;
}

/** `0xffffffff`: the unsigned hex of a 32-bit field's bit pattern. */
export function u32Hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}
