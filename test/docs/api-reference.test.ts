/** docs/api/ (TypeDoc over src/index.ts) matches the code: regenerate into a temp dir and compare. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { API_DIR, staleApiPages } from '../../scripts/api-docs.js';

test('docs/api/ is in step with src/index.ts and its TSDoc comments', { timeout: 60_000 }, () => {
  assert.ok(existsSync(join(API_DIR, 'README.md')), 'docs/api/README.md is missing: npm run docs:reference');
  assert.deepEqual(staleApiPages(), [], 'docs/api/ is out of date: run npm run docs:reference');
});
