import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pageLinks, pageValue } from '../fixtures/site.js';
import { runCli } from '../helpers/project.js';
import { startToolbox, type Toolbox } from './toolbox-fixture.js';

let box: Toolbox;

before(async () => {
  box = await startToolbox();
});

after(() => box.close());

test('parse runs the default callback and prints the requests it yields', async () => {
  const result = await runCli(['parse', `${box.site.url}/page/0`, '--spider', 'pages'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  const links = [...new Set(pageLinks(0, 8, 2))];
  assert.match(result.stdout, new RegExp(`^# depth 1\n\n## GET ${box.site.url}/page/0 -> parse \\(200\\)\nitems \\(0\\):\nrequests \\(${links.length}\\):\n`));
  for (const j of links) assert.match(result.stdout, new RegExp(`  GET ${box.site.url}/page/${j} -> parseItem\n`));
  assert.doesNotMatch(result.stdout, /# depth 2/, 'depth 1 by default');
  assert.match(result.stdout, new RegExp(`\n0 items, ${links.length} requests\n$`));
});

test('parse --callback picks the method; -a reaches the spider', async () => {
  const result = await runCli(['parse', `${box.site.url}/page/3`, '--spider', 'pages', '--callback', 'parseItem', '-a', 'tag=cli'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  const item = { url: `${box.site.url}/page/3`, title: 'Page 3', value: pageValue(3), tag: 'cli' };
  assert.ok(result.stdout.includes(`items (1):\n  ${JSON.stringify(item)}\n`), result.stdout);
});

test('parse --depth 2 follows the yielded requests and groups the output by depth', async () => {
  const result = await runCli(['parse', `${box.site.url}/page/0`, '--spider', 'pages', '--depth', '2'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  const [depth1, depth2] = result.stdout.split('\n# depth 2\n');
  assert.ok(depth1 && depth2, 'two depth groups');
  const links = [...new Set(pageLinks(0, 8, 2))];
  assert.equal(depth2.match(/^## GET .* -> parseItem \(200\)$/gm)?.length, links.length, 'each distinct link parsed once');
  for (const j of links) assert.ok(depth2.includes(JSON.stringify({ url: `${box.site.url}/page/${j}`, title: `Page ${j}`, value: pageValue(j) })));
  assert.match(result.stdout, new RegExp(`\n${links.length} items, `));
});

test('the spider is found from the URL when --spider is left out', async () => {
  const result = await runCli(['parse', `${box.site.url}/page/1`, '-c', 'parseItem'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /items \(1\):/);
});

test("an unknown callback is ERR_CALLBACK_NOT_FOUND naming the spider's methods", async () => {
  const result = await runCli(['parse', `${box.site.url}/page/1`, '--spider', 'pages', '--callback', 'parseItme'], box.project.dir);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^error ERR_CALLBACK_NOT_FOUND: spider "pages" has no method "parseItme"\n {2}fix: its methods: parse, parseItem\n$/);
  assert.equal(result.stdout, '', 'nothing fetched or printed');
});

test('parse: bad --depth and --help', async () => {
  const bad = await runCli(['parse', `${box.site.url}/page/1`, '--spider', 'pages', '--depth', '0'], box.project.dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected an integer >= 1/);
  const help = await runCli(['parse', '--help'], box.project.dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: crawl parse \[options\] <url>/);
});
