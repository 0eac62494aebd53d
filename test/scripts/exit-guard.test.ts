/** `npm test`'s exit guard (test/helpers/exit-guard.mjs): a file that leaves a handle open fails, named, and no verdict is lost. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

const CLEAN = `import { test } from 'node:test';
for (let i = 0; i < 10; i++) test('clean ' + i, () => {});
`;
const LEAKS = `import { test } from 'node:test';
test('first', () => {});
test('second', () => {});
test('leaves an interval running', () => { setInterval(() => {}, 1000); });
`;

/** Runs `node --test` on `files` as npm test does, in a process of its own (not as this file's child). */
function runTests(files: string[], graceMs: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, ARACHNE_TEST_EXIT_GRACE_MS: String(graceMs) };
  delete env.NODE_TEST_CONTEXT; // else the inner runner would take itself for a file's process
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', './test/helpers/exit-guard.mjs', '--test', '--test-concurrency=2', '--test-reporter=tap', ...files],
    { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 },
  );
}

const count = (tap: string, what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(tap)?.[1]);

test('a file that leaves a handle open fails after the grace, naming it, with every verdict reported', (t) => {
  const dir = tempDir(t, 'exit-guard');
  writeFileSync(join(dir, 'clean.test.mjs'), CLEAN);
  writeFileSync(join(dir, 'leaks.test.mjs'), LEAKS);
  const result = runTests([join(dir, 'clean.test.mjs'), join(dir, 'leaks.test.mjs')], 300);
  assert.equal(result.error, undefined, 'the run ended by itself');
  assert.equal(result.status, 1);
  const output = result.stdout + result.stderr;
  assert.match(output, /exit guard: this test file's process was still running 0\.3 s after its tests ended; open: [^\n]*Timeout/);
  assert.equal(count(result.stdout, 'pass'), 13, 'all 13 tests reported as passed');
  assert.equal(count(result.stdout, 'fail'), 1, 'the leaking file itself failed');
  assert.match(result.stdout, /^ok \d+ - leaves an interval running$/m);
});

test('a file that ends by itself is not held back by the guard', (t) => {
  const dir = tempDir(t, 'exit-guard');
  writeFileSync(join(dir, 'clean.test.mjs'), CLEAN);
  const started = Date.now();
  const result = runTests([join(dir, 'clean.test.mjs')], 50_000);
  assert.equal(result.error, undefined, 'the run ended by itself');
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.equal(count(result.stdout, 'pass'), 10);
  assert.ok(Date.now() - started < 50_000, 'the run did not wait out the grace');
});
