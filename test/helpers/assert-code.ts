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
