import assert from 'node:assert/strict';
import { ArachneError } from '../../src/errors.js';

/** Asserts that `promise` rejects with an ArachneError of `code`, and returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<ArachneError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ArachneError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

/** The `code` of what `promise` rejects with (undefined when it resolves or the error has none). */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

/** The `code` of what `fn` throws (undefined when it returns or the error has none). */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}
