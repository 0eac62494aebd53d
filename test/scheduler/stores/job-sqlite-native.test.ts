/**
 * After a switch of Node versions, better-sqlite3's native module fails to load. That is not a
 * corrupt job: the error says what happened and the fix (`npm rebuild better-sqlite3`), and the
 * job dir is left as it was. Simulated with an injected opener (no second Node needed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import { JOB_LOCK_FILE, openJob } from '../../../src/scheduler/job.js';
import { rejectsWith } from '../../helpers/assert-code.js';

function dlopenFailure(): Error {
  // The message and code Node gives for a native addon built against another Node.
  const error = new Error(
    "The module '/p/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
  );
  (error as Error & { code: string }).code = 'ERR_DLOPEN_FAILED';
  return error;
}

test('a native module that fails to load is ERR_SQLITE_NATIVE with the rebuild command, not ERR_JOB_CORRUPT', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arachne-native-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const error = await rejectsWith(
    openJob({ dir, logger: silentLogger, now: () => 0, openDatabase: () => { throw dlopenFailure(); } }),
    'ERR_SQLITE_NATIVE',
  );
  assert.equal(error.kind, 'config');
  assert.match(error.message, /NODE_MODULE_VERSION 115/);
  assert.match(error.hint ?? '', /npm rebuild better-sqlite3/);
  // The empty job dir stays empty: no lock left behind, no database created.
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(existsSync(join(dir, JOB_LOCK_FILE)), false);
});

test('a missing native build ("could not locate the bindings file") is ERR_SQLITE_NATIVE too', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arachne-native-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await rejectsWith(
    openJob({ dir, logger: silentLogger, now: () => 0, openDatabase: () => { throw new Error('Could not locate the bindings file. Tried:\n → /p/build/better_sqlite3.node'); } }),
    'ERR_SQLITE_NATIVE',
  );
  // Any other open failure is still reported as a corrupt job.
  await rejectsWith(
    openJob({ dir, logger: silentLogger, now: () => 0, openDatabase: () => { throw Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' }); } }),
    'ERR_JOB_CORRUPT',
  );
});
