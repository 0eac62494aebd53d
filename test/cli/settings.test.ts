import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';

let project: TempProject;

before(() => {
  project = makeProject({ 'crawl.config.ts': `export default { concurrency: { perDomain: 3 }, userAgent: 'proj/1' };\n` });
});

after(() => project.remove());

test("settings --get honours crawl.config.ts, then -s", async () => {
  const fromConfig = await runCli(['settings', '--get', 'concurrency.perDomain'], project.dir);
  assert.equal(fromConfig.code, 0, fromConfig.stderr);
  assert.equal(fromConfig.stdout, '3\n');
  const fromCli = await runCli(['settings', '--get', 'concurrency.perDomain', '-s', 'concurrency.perDomain=5'], project.dir);
  assert.equal(fromCli.stdout, '5\n');
  const text = await runCli(['settings', '--get', 'userAgent'], project.dir);
  assert.equal(text.stdout, '"proj/1"\n');
  const outside = await runCli(['settings', '--get', 'concurrency.perDomain'], '/');
  assert.equal(outside.stdout, '8\n', 'the default outside a project');
});

test('settings --get of an unknown key names the closest one', async () => {
  const result = await runCli(['settings', '--get', 'concurrency.perDomian'], project.dir);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^error ERR_SETTING_UNKNOWN: unknown setting "concurrency\.perDomian" in --get\n {2}fix: did you mean "concurrency\.perDomain"\?/);
  assert.equal(result.stdout, '');
});
