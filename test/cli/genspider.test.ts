import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';

let project: TempProject;

before(() => {
  project = makeProject({ 'crawl.config.ts': 'export default {};\n' });
});

after(() => project.remove());

test('genspider writes spiders/<name>.ts with a PascalCase class and the domain', async () => {
  const result = await runCli(['genspider', 'book-reviews', 'Books.Example'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const text = readFileSync(join(project.dir, 'spiders', 'book-reviews.ts'), 'utf8');
  assert.match(text, /export default class BookReviewsSpider extends Spider/);
  assert.match(text, /static override name = 'book-reviews';/);
  assert.match(text, /allowedDomains = \['books\.example'\]/);
  assert.match(text, /startUrls = \['https:\/\/books\.example\/'\]/);
  assert.doesNotMatch(text, /\{\{/, 'every placeholder filled');
  const list = await runCli(['list'], project.dir);
  assert.equal(list.stdout, 'book-reviews\n');
});

test('a URL as domain gives its host to allowedDomains and becomes the start URL', async () => {
  const result = await runCli(['genspider', 'local', 'http://127.0.0.1:8080/catalogue/', '-t', 'crawl'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const text = readFileSync(join(project.dir, 'spiders', 'local.ts'), 'utf8');
  assert.match(text, /class LocalSpider extends CrawlSpider/);
  assert.match(text, /allowedDomains = \['127\.0\.0\.1'\]/);
  assert.match(text, /startUrls = \['http:\/\/127\.0\.0\.1:8080\/catalogue\/'\]/);
});

test('the sitemap template reads robots.txt of the domain', async () => {
  const result = await runCli(['genspider', 'news_spider', 'news.example', '-t', 'sitemap'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const text = readFileSync(join(project.dir, 'spiders', 'news_spider.ts'), 'utf8');
  assert.match(text, /class NewsSpider extends SitemapSpider/, 'a trailing "spider" is not doubled');
  assert.match(text, /sitemapUrls = \['https:\/\/news\.example\/robots\.txt'\]/);
});

test('genspider refuses to overwrite without --force', async () => {
  const first = await runCli(['genspider', 'twice', 'a.example'], project.dir);
  assert.equal(first.code, 0, first.stderr);
  const again = await runCli(['genspider', 'twice', 'b.example'], project.dir);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /^error ERR_FILE_EXISTS: .*twice\.ts already exists\n {2}fix: .*--force/);
  assert.match(readFileSync(join(project.dir, 'spiders', 'twice.ts'), 'utf8'), /a\.example/);
  const forced = await runCli(['genspider', 'twice', 'b.example', '--force'], project.dir);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(join(project.dir, 'spiders', 'twice.ts'), 'utf8'), /b\.example/);
});

test('bad names, domains and templates are coded errors and write nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['genspider', '9lives', 'a.example'], /ERR_INVALID_NAME: "9lives" is not a valid spider name/],
    [['genspider', 'has space', 'a.example'], /ERR_INVALID_NAME/],
    [['genspider', 'porty', 'a.example:8080'], /ERR_INVALID_DOMAIN: .*a domain has no port/],
    [['genspider', 'dashy', 'bad-.example'], /ERR_INVALID_DOMAIN: .*label "bad-"/],
    [['genspider', 'ftp', 'ftp://a.example/'], /ERR_INVALID_DOMAIN: .*ftp: URLs cannot be crawled/],
    [['genspider', 'tpl', 'a.example', '-t', 'fancy'], /ERR_TEMPLATE_UNKNOWN: .*\n {2}fix: pick one of: basic, browser, crawl, sitemap/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(args, project.dir);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, expected);
    assert.ok(!existsSync(join(project.dir, 'spiders', `${args[1]}.ts`)), `${args[1]} not written`);
  }
});

test('genspider outside a project is ERR_NO_PROJECT; --help works', async () => {
  const outside = await runCli(['genspider', 'x', 'a.example'], '/');
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /ERR_NO_PROJECT/);
  const help = await runCli(['genspider', '--help'], project.dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: crawl genspider \[options\] \[name\] \[domain\]/);
  assert.match(help.stdout, /-l, --list/);
});
