import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../fixtures/site.js';
import { CLI, makeProject, runCli, startCli, type TempProject } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';

const BOOKS_SPIDER = `
import { Spider, type Response } from 'arachne';

export default class BooksSpider extends Spider {
  static override name = 'books';

  override async *start() {
    yield this.request(this.args.baseUrl + '/', { dontFilter: true });
  }

  async *parse(response: Response) {
    const value = response.css('p.value::text').get('');
    if (value) yield { url: response.url, value, category: this.args.category };
    yield* response.followAll('a');
  }
}
`;

let site: Site;
let project: TempProject;

before(async () => {
  site = await startSite({ pages: 40, linksPerPage: 4, latencyMs: 40 });
  project = makeProject({
    'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ concurrency: { perDomain: 2 }, log: { level: 'warn' } });\n`,
    'spiders/books.ts': BOOKS_SPIDER,
  });
});

after(async () => {
  await site.close();
  project.remove();
});

test('crawl run: a TypeScript spider in a project, with -O, -s and -a', async () => {
  site.resetCounters();
  const result = await runCli(
    ['run', 'books', '-O', 'items.jsonl', '-s', 'concurrency.perDomain=4', '-a', 'category=books', '-a', `baseUrl=${site.url}`, '--stats-json', 'stats.json'],
    project.dir,
  );
  assert.equal(result.code, 0, result.stderr);
  const items = readJsonl(join(project.dir, 'items.jsonl'));
  assert.equal(items.length, 40);
  assert.ok(items.every((i) => i.category === 'books'));
  const peak = site.peakByHost.get(site.host) ?? 0;
  assert.ok(peak > 2 && peak <= 4, `-s concurrency.perDomain=4 beat the config's 2: peak ${peak}`);
  const stats = JSON.parse(readFileSync(join(project.dir, 'stats.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(stats['item/scraped'], 40);
  assert.equal(stats.finish_reason, 'finished');
});

test('crawl list prints the project spiders', async () => {
  const result = await runCli(['list'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'books\n');
});

test('an unknown spider name is a coded error naming the known ones', async () => {
  const result = await runCli(['run', 'bookz'], project.dir);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /ERR_SPIDER_NOT_FOUND/);
  assert.match(result.stderr, /known spiders: books/);
});

test('an unknown or wrong-typed setting is a coded error before the crawl starts', async () => {
  const unknown = await runCli(['run', 'books', '-s', 'concurrency.perDomian=4'], project.dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /ERR_SETTING_UNKNOWN.*concurrency\.perDomian/);
  assert.match(unknown.stderr, /did you mean "concurrency\.perDomain"/);
  const typed = await runCli(['run', 'books', '-s', 'concurrency.perDomain=four'], project.dir);
  assert.equal(typed.code, 2);
  assert.match(typed.stderr, /ERR_SETTING_TYPE.*integer >= 1/);
  const badArg = await runCli(['run', 'books', '-a', 'novalue'], project.dir);
  assert.equal(badArg.code, 2);
  assert.match(badArg.stderr, /ERR_CLI_ARGUMENT/);
});

test('a wrong-typed key in crawl.config.ts names the file and the key', async () => {
  const bad = makeProject({
    'crawl.config.ts': `export default { retry: { times: 'three' } };\n`,
    'spiders/books.ts': BOOKS_SPIDER,
  });
  try {
    const result = await runCli(['run', 'books'], bad.dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /ERR_SETTING_TYPE: setting "retry\.times" in crawl\.config\.ts/);
  } finally {
    bad.remove();
  }
});

test('a spider file that does not compile is a coded error naming the file', async () => {
  const bad = makeProject({
    'crawl.config.ts': `export default {};\n`,
    'spiders/broken.ts': `import { Spider } from 'arachne';\nexport default class extends Spider {\n  async *parse( {\n}\n`,
  });
  try {
    const result = await runCli(['run', 'broken'], bad.dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /ERR_SPIDER_LOAD/);
    assert.match(result.stderr, /broken\.ts/);
  } finally {
    bad.remove();
  }
});

test('outside a project, run is a coded error that points to runspider', async () => {
  const result = await runCli(['run', 'books'], '/');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /ERR_NO_PROJECT/);
  assert.match(result.stderr, /runspider/);
});

test('crawl runspider runs a single file and writes csv', async () => {
  site.resetCounters();
  const result = await runCli(['runspider', 'spiders/books.ts', '-o', 'out.csv', '-a', `baseUrl=${site.url}`, '-a', 'category=x', '-L', 'error'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const lines = readFileSync(join(project.dir, 'out.csv'), 'utf8').trim().split(/\r?\n/);
  assert.equal(lines[0], 'url,value,category');
  assert.equal(lines.length, 41);
});

test('SIGINT finishes in-flight work and writes every item scraped so far', async () => {
  const slow = await startSite({ pages: 400, linksPerPage: 3, latencyMs: 150 });
  try {
    const run = startCli(['run', 'books', '-O', 'partial.jsonl', '-a', `baseUrl=${slow.url}`, '--stats-json', 'partial-stats.json'], project.dir);
    // Interrupt once the crawl is well under way (bounded: 400 pages take far longer than this).
    for (let i = 0; i < 800 && slow.requests < 12; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(slow.requests >= 12, 'the crawl got under way');
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const lines = readFileSync(join(project.dir, 'partial.jsonl'), 'utf8').split('\n').filter(Boolean);
    const stats = JSON.parse(readFileSync(join(project.dir, 'partial-stats.json'), 'utf8')) as Record<string, number | string>;
    assert.equal(stats.finish_reason, 'shutdown');
    assert.ok(lines.length > 0 && lines.length < 400, `stopped early with ${lines.length} items`);
    assert.equal(lines.length, stats['item/scraped'], 'every scraped item is in the feed');
    for (const line of lines) assert.ok(JSON.parse(line).url, 'no truncated line');
  } finally {
    await slow.close();
  }
});

test('every command has --help, and version prints the package version', async () => {
  for (const command of ['run', 'runspider', 'list', 'settings', 'version']) {
    const result = await runCli([command, '--help'], project.dir);
    assert.equal(result.code, 0, `${command} --help`);
    assert.match(result.stdout, new RegExp(`Usage: crawl ${command}`));
  }
  const version = await runCli(['version'], project.dir);
  assert.match(version.stdout, /^arachne \d+\.\d+\.\d+\n$/);
});

test('the CLI does not load node:domain (node:repl pulls it in, and it wraps every EventEmitter.emit)', () => {
  // Load the CLI entry as `crawl run` does (every command module), then list the built-ins loaded.
  const script = `process.argv = [process.argv[0], ${JSON.stringify(CLI)}, 'version']; await import(${JSON.stringify(pathToFileURL(CLI).href)}); process.on('exit', () => console.error(JSON.stringify(process.moduleLoadList)));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project.dir, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const modules = JSON.parse(child.stderr.trim().split('\n').pop()!) as string[];
  assert.ok(modules.includes('NativeModule events'), 'the list is the one of loaded built-ins');
  assert.ok(!modules.includes('NativeModule domain'), 'node:domain was loaded');
  assert.ok(!modules.includes('NativeModule repl'), 'node:repl was loaded');
});
