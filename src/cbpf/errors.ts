import { InputError } from '../errors.js';

/**
 * A filter expression that libpcap would reject: a syntax error, an unknown name, a qualifier that does not
 * apply, a value out of range. The message uses libpcap's wording (tools and users grep for it).
 */
export class FilterError extends InputError {
  override name = 'FilterError';
}
