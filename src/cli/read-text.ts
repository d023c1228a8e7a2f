import { readFileSync } from 'node:fs';

/** The text of a file, or of standard input for `-`. */
export function readText(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}
