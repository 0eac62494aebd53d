/** Every code raised in src/ is in the catalogue, with a meaning and a fix; docs/errors.md is generated from it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERRORS_DOC, renderErrorsDoc } from '../scripts/errors-doc.js';
import { CATALOGUE } from '../src/errors.js';
import { REPO } from './helpers/project.js';
import { sourceFiles } from './helpers/files.js';

// Node's own codes that src/ matches on, and a prefix it tests: not codes Arachne raises.
const NOT_OURS = new Set(['ERR_BUFFER_TOO_LARGE', 'ERR_DLOPEN_FAILED', 'ERR_MODULE_NOT_FOUND', 'ERR_SQLITE_ERROR', 'ERR_UNKNOWN_BUILTIN_MODULE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SITEMAP_']);

test("every 'ERR_...' code in src/ is in CATALOGUE with its meaning and fix", () => {
  const codes = new Set<string>();
  for (const file of sourceFiles(join(REPO, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)) if (!NOT_OURS.has(match[1]!)) codes.add(match[1]!);
  }
  assert.ok(codes.size > 100);
  const missing = [...codes].filter((code) => !Object.hasOwn(CATALOGUE, code));
  assert.deepEqual(missing, [], 'add these codes to CATALOGUE in src/errors.ts, then run `npm run docs:errors`');
  for (const [code, entry] of Object.entries(CATALOGUE)) {
    assert.match(code, /^ERR_[A-Z0-9_]+$/);
    assert.ok(entry.meaning.length > 10 && entry.fix.length > 5, code);
  }
  const unused = Object.keys(CATALOGUE).filter((code) => !codes.has(code));
  assert.deepEqual(unused, [], 'codes in CATALOGUE that src/ never raises');
});

test('docs/errors.md is the catalogue, rendered (`npm run docs:errors`)', () => {
  assert.equal(readFileSync(ERRORS_DOC, 'utf8'), renderErrorsDoc(), 'docs/errors.md is out of step: run `npm run docs:errors`');
  for (const code of Object.keys(CATALOGUE)) assert.ok(renderErrorsDoc().includes(`\`${code}\``), code);
});
