/** `npm test`'s set-up step: installs what is missing as root with apt-get, else stops with the command to run. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { planSetup, type Probe } from '../../scripts/test-setup.js';
import { REPO } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

const probe = (present: string[], isRoot: boolean, chromiumPath?: string): Probe => ({ has: (p) => present.includes(p), isRoot, chromiumPath });

test('nothing to do when redis-server and a Chromium are there', () => {
  assert.deepEqual(planSetup(probe(['redis-server', 'chromium'], false)), { action: 'none' });
  assert.deepEqual(planSetup(probe(['redis-server', 'google-chrome'], false)), { action: 'none' });
  assert.deepEqual(planSetup(probe(['redis-server', '/opt/chrome'], false, '/opt/chrome')), { action: 'none' });
});

test('as root with apt-get, what is missing is installed', () => {
  assert.deepEqual(planSetup(probe(['apt-get'], true)), { action: 'install', packages: ['redis-server', 'chromium'] });
  assert.deepEqual(planSetup(probe(['apt-get', 'chromium'], true)), { action: 'install', packages: ['redis-server'] });
  assert.deepEqual(planSetup(probe(['apt-get', 'redis-server', 'chromium'], true, '/nowhere')), { action: 'install', packages: ['chromium'] }, 'a CHROMIUM_PATH that is not there');
});

test('otherwise the run stops at once, naming the command to run', () => {
  const plan = planSetup(probe(['apt-get', 'chromium'], false));
  assert.equal(plan.action, 'stop');
  assert.match(plan.action === 'stop' ? plan.message : '', /sudo apt-get install -y redis-server/);
  assert.equal(planSetup(probe([], true)).action, 'stop', 'root without apt-get');
});

test('the script itself, on a PATH without either program and without apt-get: one line, exit 1, at once', (t) => {
  // Only node on the PATH, in a folder of its own (a bare /usr/bin would bring apt-get along).
  const bin = tempDir(t, 'setup');
  symlinkSync(process.execPath, join(bin, 'node'));
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'test-setup.ts')], {
    cwd: REPO,
    env: { PATH: bin, HOME: process.env.HOME ?? '/tmp' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /^npm test needs redis-server and chromium: run `sudo apt-get install -y redis-server chromium`/m);
});
