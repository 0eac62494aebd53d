import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/project.js';
import { startToolbox, type Toolbox } from './toolbox-fixture.js';

let box: Toolbox;

before(async () => {
  box = await startToolbox();
});

after(() => box.close());

test('check runs every contract of a spider and prints one OK line each', async () => {
  const result = await runCli(['check', 'pages'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `OK   pages.parse ${box.site.url}/page/0\nOK   pages.parseItem ${box.site.url}/page/1\nOK   pages.parseItem ${box.site.url}/page/2\n3 contracts OK\n`,
  );
});

test('a broken contract prints FAIL with the reasons and exits 1 with a coded line', async () => {
  const result = await runCli(['check', 'broken'], box.project.dir);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, `FAIL broken.parse ${box.site.url}/page/3: expected 2 to 5 items, got 1; item 1 of 1 has no "price"\n`);
  assert.match(result.stderr, /^error ERR_CONTRACT_FAILED: 1 of 1 contracts failed\n {2}fix: /);
});

test('check without a name runs every spider and fails if one fails', async () => {
  const result = await runCli(['check'], box.project.dir);
  assert.equal(result.code, 1);
  assert.equal(result.stdout.match(/^OK /gm)?.length, 3);
  assert.equal(result.stdout.match(/^FAIL /gm)?.length, 1);
  assert.match(result.stderr, /ERR_CONTRACT_FAILED: 1 of 4 contracts failed/);
});

test('check: an unknown spider and --help', async () => {
  const unknown = await runCli(['check', 'nope'], box.project.dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /ERR_SPIDER_NOT_FOUND/);
  const help = await runCli(['check', '--help'], box.project.dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: crawl check \[options\] \[spider\]/);
});
