/**
 * `crawl startproject` end to end: the generated project installs (offline: its dependencies are
 * linked from this repository, as `npm install` would place them), typechecks, lists its spiders,
 * runs its own test, and every spider `genspider` writes crawls a local site.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../fixtures/site.js';
import { REPO, runCli, runProcess } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';

let root: string;
let project: string;
let site: Site;

/** What `npm install` would give the project, from this repository: arachne and the dev tools. */
function linkDependencies(dir: string): void {
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(REPO, join(dir, 'node_modules', 'arachne'), 'dir');
  symlinkSync(join(REPO, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
  symlinkSync(join(REPO, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'), 'dir');
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'arachne-startproject-'));
  project = join(root, 'demo');
  site = await startSite({
    pages: 12,
    linksPerPage: 2,
    routes: {
      '/robots.txt': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`User-agent: *\nAllow: /\nSitemap: ${site.url}/sitemap.xml\n`);
      },
      '/sitemap.xml': (_req, res) => {
        const urls = [0, 1, 2, 3, 4].map((i) => `<url><loc>${site.url}/page/${i}</loc></url>`).join('');
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`);
      },
    },
  });
});

after(async () => {
  await site.close();
  rmSync(root, { recursive: true, force: true });
});

test('startproject writes a project that installs, typechecks, lists and crawls', async () => {
  const created = await runCli(['startproject', 'demo', project, '--arachne-spec', `file:${REPO}`], root);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created project "demo"/);
  const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
  assert.equal(pkg.name, 'demo');
  assert.equal(pkg.dependencies.arachne, `file:${REPO}`, 'the dependency spec is the one passed');
  const config = readFileSync(join(project, 'crawl.config.ts'), 'utf8');
  assert.match(config, /robots: \{ obey: true \}/);
  assert.match(config, /concurrency: \{ perDomain: 2 \}/);
  assert.match(config, /pipelines: \[TrimStrings\]/);
  assert.match(config, /\/\/ 'retry\.times': 2,/, 'other settings are present, commented');
  assert.doesNotMatch(config, /\/\/ 'concurrency\.perDomain'/, 'a setting the template sets is not repeated');
  assert.match(readFileSync(join(project, '.gitignore'), 'utf8'), /node_modules/);
  linkDependencies(project);

  for (const [name, template] of [['books', 'basic'], ['shop', 'crawl'], ['news', 'sitemap']]) {
    const gen = await runCli(['genspider', name!, '127.0.0.1', '-t', template!], project);
    assert.equal(gen.code, 0, gen.stderr);
  }
  assert.match(readFileSync(join(project, 'spiders', 'shop.ts'), 'utf8'), /class ShopSpider extends CrawlSpider/);

  const tsc = await runProcess(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
  assert.equal(tsc.code, 0, `the generated project typechecks:\n${tsc.stdout}${tsc.stderr}`);

  const list = await runCli(['list'], project);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, 'books\nnews\npages\nshop\n');

  const own = await runProcess(process.execPath, ['--import', 'tsx', '--test', 'test/example.test.ts'], project);
  assert.equal(own.code, 0, `the project's own test passes:\n${own.stdout}${own.stderr}`);

  const fast = ['-s', 'download.delayMs=0', '-L', 'warn'];
  const crawls: [string, string[], (items: Record<string, unknown>[]) => void][] = [
    ['books', ['-a', `startUrl=${site.url}/page/0`], (items) => assert.equal(items.length, 12, 'basic: every page')],
    ['shop', ['-a', `startUrl=${site.url}/page/0`], (items) => assert.equal(items.length, 11, 'crawl: every page its rules reach (not the start page)')],
    ['news', ['-a', `startUrl=${site.url}/robots.txt`], (items) => assert.equal(items.length, 5, 'sitemap: the five pages the sitemap lists')],
    ['pages', ['-a', `startUrl=${site.url}/page/0`, '-s', 'offsite.enabled=false'], (items) => assert.ok(items.length >= 3, 'the example spider')],
  ];
  for (const [spider, extra, check] of crawls) {
    const out = join(project, `${spider}.jsonl`);
    const result = await runCli(['run', spider, '-O', out, ...fast, ...extra], project);
    assert.equal(result.code, 0, `${spider}: ${result.stderr}`);
    const items = readJsonl(out);
    check(items);
    assert.ok(items.every((i) => typeof i.url === 'string' && String(i.url).startsWith(site.url) && typeof i.title === 'string'), `${spider} items have url and title`);
  }
});

test('startproject refuses a non-empty folder and a bad name', async () => {
  const dir = join(root, 'taken');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const taken = await runCli(['startproject', 'demo', dir], root);
  assert.equal(taken.code, 2);
  assert.match(taken.stderr, /^error ERR_DIR_NOT_EMPTY: .*taken already exists/);
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine', 'nothing overwritten');
  const bad = await runCli(['startproject', 'my project', join(root, 'x')], root);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_INVALID_NAME/);
});

test('startproject --help', async () => {
  const help = await runCli(['startproject', '--help'], root);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: crawl startproject \[options\] <name> \[dir\]/);
  assert.match(help.stdout, /--arachne-spec/);
});
