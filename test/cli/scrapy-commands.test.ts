/**
 * The Scrapy commands people miss: view, genspider -l, shell -c, check -l, fetch --spider, -L on
 * every command, and the opt-in exit status of a crawl (--fail-on-errors, --min-items).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { withBaseHref } from '../../src/cli/view-file.js';
import { startSite, type Site } from '../fixtures/site.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';
import { startToolbox, type Toolbox } from './toolbox-fixture.js';

let box: Toolbox;
let site: Site;
let project: TempProject;

const UA_SPIDER = `
import { Spider, type Response } from 'arachne';
export default class UaSpider extends Spider {
  static override name = 'ua';
  static override customSettings = { userAgent: 'spider-agent/2.0' };
  override async *start() {
    for (const path of String(this.args.paths).split(',')) yield this.request(String(this.args.base) + path);
  }
  async *parse(response: Response) {
    yield { url: response.url };
  }
}
`;

before(async () => {
  box = await startToolbox();
  site = await startSite({
    pages: 3,
    linksPerPage: 0,
    routes: {
      '/ua': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`ua=${req.headers['user-agent']}`);
      },
      '/boom': (_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('no');
      },
    },
  });
  project = makeProject({
    'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ retry: { times: 0 }, download: { delayMs: 0 } });\n`,
    'spiders/ua.ts': UA_SPIDER,
  });
});

after(async () => {
  await box.close();
  await site.close();
  project.remove();
});

test('view writes the page with a <base href> and prints its path', async () => {
  const result = await runCli(['view', `${box.site.url}/page/1`, '-L', 'warn'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  const file = result.stdout.trim();
  assert.match(file, /arachne-view-.*response\.html$/);
  const html = readFileSync(file, 'utf8');
  assert.ok(html.includes(`<base href="${box.site.url}/page/1">`), html.slice(0, 200));
  assert.equal(withBaseHref('<html><head><title>t</title></head></html>', 'https://a.example/x?a=1&b="2"'), '<html><head><base href="https://a.example/x?a=1&amp;b=&quot;2&quot;"><title>t</title></head></html>');
  assert.equal(withBaseHref('<p>bare</p>', 'https://a.example/'), '<base href="https://a.example/"><p>bare</p>');
  assert.equal(withBaseHref('<head><base href="/own/"></head>', 'https://a.example/'), '<head><base href="/own/"></head>', 'a page that has a base keeps it');
});

test('genspider -l lists the templates', async () => {
  const result = await runCli(['genspider', '-l'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Available templates:\n {2}basic\n {2}browser\n {2}crawl\n {2}sitemap\n/);
  const missing = await runCli(['genspider', 'only-a-name'], box.project.dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ERR_CLI_ARGUMENT: genspider needs a spider name and a domain/);
});

test('shell -c evaluates an expression on the fetched page and exits', async () => {
  const result = await runCli(['shell', `${box.site.url}/page/1`, '-c', "response.css('h1::text').get('')", '-L', 'warn'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'Page 1\n');
  const awaited = await runCli(['shell', '-c', `(await fetch('${box.site.url}/page/2')).status`], box.project.dir);
  assert.equal(awaited.code, 0, awaited.stderr);
  assert.equal(awaited.stdout, '200\n');
});

test('check -l lists the contracts without fetching', async () => {
  box.site.resetCounters();
  const result = await runCli(['check', '-l'], box.project.dir);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `broken.parse ${box.site.url}/page/3\npages.parse ${box.site.url}/page/0\npages.parseItem ${box.site.url}/page/1\npages.parseItem ${box.site.url}/page/2\n`,
  );
  assert.equal(box.site.arrivals.length, 0, 'nothing was downloaded');
});

test("fetch --spider uses the spider's customSettings", async () => {
  const plain = await runCli(['fetch', `${site.url}/ua`], project.dir);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /spider-agent/);
  const withSpider = await runCli(['fetch', `${site.url}/ua`, '--spider', 'ua', '-L', 'error'], project.dir);
  assert.equal(withSpider.code, 0, withSpider.stderr);
  assert.equal(withSpider.stdout, 'ua=spider-agent/2.0');
});

test('-L is accepted by every command', async () => {
  for (const args of [['list'], ['settings', '--get', 'log.level'], ['version']]) {
    const result = await runCli([...args, '-L', 'error'], project.dir);
    assert.equal(result.code, 0, `${args[0]}: ${result.stderr}`);
  }
  const settings = await runCli(['settings', '--get', 'log.level', '-L', 'error'], project.dir);
  assert.equal(settings.stdout.trim(), '"error"', '-L is -s log.level');
});

test('--fail-on-errors and --min-items make a finished crawl exit 1; items are still written', async () => {
  const base = ['run', 'ua', '-a', `base=${site.url}`, '-O', 'items.jsonl', '-L', 'error'];
  const ok = await runCli([...base, '-a', 'paths=/page/0,/boom', '--min-items', '1'], project.dir);
  assert.equal(ok.code, 0, `not asked to fail on errors: ${ok.stderr}`);
  const errors = await runCli([...base, '-a', 'paths=/page/0,/boom', '--fail-on-errors'], project.dir);
  assert.equal(errors.code, 1);
  assert.match(errors.stderr, /error ERR_CRAWL_CHECK_FAILED: the crawl finished, but it had errors \(/);
  assert.equal(readFileSync(`${project.dir}/items.jsonl`, 'utf8').split('\n').filter(Boolean).length, 1, 'the item scraped is written');
  const few = await runCli([...base, '-a', 'paths=/page/0,/page/1', '--min-items', '3'], project.dir);
  assert.equal(few.code, 1);
  assert.match(few.stderr, /it scraped 2 items, fewer than --min-items 3/);
  const clean = await runCli([...base, '-a', 'paths=/page/0,/page/1', '--min-items', '2', '--fail-on-errors'], project.dir);
  assert.equal(clean.code, 0, clean.stderr);
  const bad = await runCli([...base, '-a', 'paths=/page/0', '--min-items', 'many'], project.dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_CLI_ARGUMENT: --min-items "many" is not a whole number/);
});
