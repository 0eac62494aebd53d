/** How a value or an error reads inside a message: one wording for every error Arachne prints. */
import { ArachneError, errorCode } from './errors.js';

/** "null", "an array of 3", "the string "x"", "an object with keys a, b", "an instance of Price"... */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'function') return `the function ${value.name || '(anonymous)'}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value !== 'object') return `the ${typeof value} ${String(value)}`;
  if ((value as { cheerio?: unknown }).cheerio === '[cheerio object]') return 'a cheerio selection';
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 5).join(', ')}`;
  }
  return `an instance of ${(value as object).constructor?.name || 'a class'}`;
}

/** An error as a log line: Arachne's with its code and fix, others as `code: message` or `Name: message`. */
export function describeError(error: unknown): string {
  if (error instanceof ArachneError) return error.describe();
  if (!(error instanceof Error)) return `Error: ${String(error)}`;
  const code = errorCode(error);
  return code === 'ERR_UNKNOWN' ? `${error.name}: ${error.message}` : `${code}: ${error.message}`;
}
