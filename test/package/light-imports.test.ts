/**
 * Light imports: `import 'arachne'` and `crawl --version` load none of the heavy packages a
 * crawl may never use (each is loaded by its own component on first use), a one-page crawl loads
 * only what it uses, and asking for a job dir or a cluster without the optional package is a
 * coded error naming it.
 *
 * A child process records what it loads: ESM through a resolve hook, CommonJS from
 * require.cache (fixtures/record-loads.mjs). fixtures/hide-package.cjs makes packages unresolvable,
 * as if npm had skipped the optional dependencies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { loadPackage } from '../../src/load-package.js';
import { startSite, type Site } from '../fixtures/site.js';
import { CLI, makeProject, REPO, type TempProject } from '../helpers/project.js';

const FIXTURES = join(REPO, 'test', 'package', 'fixtures');
const HEAVY = ['better-sqlite3', 'ioredis', 'piscina', 'tough-cookie', 'tsx', 'playwright-core'];
const FIRST_USE = ['undici', 'cheerio', 'css-select', 'css-what', 'entities', 'dom-serializer', 'domutils', 'htmlparser2', 'iconv-lite', 'robots-parser'];

const SPIDER = `
import { Spider, type Response } from 'arachne';
export default class OneSpider extends Spider {
  static override name = 'one';
  override async *start() {
    yield this.request(String(this.args.url));
  }
  async *parse(response: Response) {
    yield { url: response.url, title: response.css('title::text').get('') };
  }
}
`;

let tmp: string;
let site: Site;
let project: TempProject;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'arachne-light-'));
  site = await startSite({ pages: 1, linksPerPage: 0 });
  project = makeProject({ 'spiders/one.ts': SPIDER });
});

after(async () => {
  await site.close();
  project.remove();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs node to its end without blocking this process's event loop (the local site answers from it). */
function runNode(args: string[], cwd: string, env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolveRun({ status, stderr }));
  });
}

/** The packages (node_modules/<name>) a node process loaded. */
async function loadedPackages(args: string[], cwd = REPO): Promise<{ packages: Set<string>; files: string; status: number | null; stderr: string }> {
  const file = join(tmp, `loads-${Math.random().toString(36).slice(2)}.txt`);
  const { status, stderr } = await runNode(['--import', join(FIXTURES, 'record-loads.mjs'), ...args], cwd, { LOADS_FILE: file });
  const packages = new Set<string>();
  const files = readFileSync(file, 'utf8');
  for (const line of files.split('\n')) {
    const name = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(line)?.[1];
    if (name) packages.add(name.replace('\\', '/'));
  }
  return { packages, files, status, stderr };
}

function assertNone(packages: Set<string>, heavy: string[], what: string): void {
  for (const name of heavy) assert.ok(!packages.has(name), `${what} does not load ${name}`);
}

test("import 'arachne' loads none of the heavy packages", async () => {
  const { packages, files, status, stderr } = await loadedPackages(['--input-type=module', '-e', `await import(${JSON.stringify(join(REPO, 'dist', 'index.js'))});`]);
  assert.equal(status, 0, stderr);
  assert.match(files, /dist\/core\/crawler\.js/, 'the recorder sees what loads');
  assert.ok(packages.has('lru-cache'), 'the recorder sees packages');
  // undici and cheerio load with the first download and the first selection; the selector,
  // sitemap, robots.txt and legacy-encoding packages with their first use.
  assertNone(packages, [...HEAVY, ...FIRST_USE], "import 'arachne'");
  // Arachne's own optional components load when a setting asks for them (core/crawler.ts).
  for (const module of ['cluster/', 'scheduler/job.js', 'trace/recorder.js', 'report/', 'extensions/metrics.js', 'items/feeds/redis-stream.js']) {
    assert.ok(!files.includes(`dist/${module}`), `import 'arachne' does not load dist/${module}`);
  }
});

test('crawl --version loads none of the heavy packages', async () => {
  const bin = await loadedPackages([join(REPO, 'dist', 'cli', 'bin.js'), '--version']);
  assert.equal(bin.status, 0, bin.stderr);
  assert.match(bin.files, /dist\/cli\/package-info\.js/, 'the recorder sees what loads');
  assert.deepEqual([...bin.packages], [], 'the installed bin answers --version before loading any package');
  const { packages, status, stderr } = await loadedPackages([CLI, '--version']);
  assert.equal(status, 0, stderr);
  assert.ok(packages.has('commander'), 'the recorder sees packages');
  assertNone(packages, HEAVY, 'crawl --version (through the commands)');
});

test('a one-page crawl in-process loads neither the job store, the cluster nor the parse pool', async () => {
  const out = join(tmp, 'one.jsonl');
  const { packages, files, status, stderr } = await loadedPackages(
    [CLI, 'runspider', 'spiders/one.ts', '-O', out, '-s', 'parse.workers=0', '-a', `url=${site.url}/page/0`, '-L', 'warn'],
    project.dir,
  );
  assert.equal(status, 0, stderr);
  assert.equal(readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 1);
  assert.ok(packages.has('undici') && packages.has('cheerio') && packages.has('css-select'), 'the recorder sees packages');
  // `::text` goes through selector/ (css-what, css-select) on the tree cheerio built: one copy of
  // each package, the CommonJS one cheerio requires, not a second ES module copy beside it.
  assert.doesNotMatch(files, /node_modules\/(css-select|css-what|domutils|entities|dom-serializer)\/lib\/esm\//, 'no ES module copy of cheerio\'s packages');
  assertNone(packages, ['better-sqlite3', 'ioredis', 'piscina', 'playwright-core'], 'a one-page crawl');
  assert.ok(packages.has('tough-cookie'), 'cookies are on by default: the jar loads on the first request');
  // The first run compiles the TypeScript spider into the project's cache (esbuild), the next
  // imports the compiled copy: neither loads tsx (src/settings/compiled-module.ts).
  assert.ok(packages.has('esbuild') && !packages.has('tsx'), `compiled into the cache, not through tsx: ${[...packages].join(', ')}`);
  const again = await loadedPackages([CLI, 'runspider', 'spiders/one.ts', '-O', out, '-s', 'parse.workers=0', '-a', `url=${site.url}/page/0`, '-L', 'warn'], project.dir);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(again.packages.has('undici'), 'the recorder sees packages');
  assertNone(again.packages, ['tsx', 'esbuild'], 'a second run of an unchanged spider');
});

test('a missing optional package is a coded error naming it', async () => {
  assert.throws(
    () => loadPackage('arachne-no-such-package', 'a test feature'),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.code === 'ERR_MISSING_DEPENDENCY' &&
      error.message === 'a test feature needs the package "arachne-no-such-package", which is not installed' &&
      /npm install arachne-no-such-package/.test(error.hint ?? ''),
  );
  const hide = (pkg: string, args: string[], env: Record<string, string> = {}): ReturnType<typeof runNode> =>
    runNode(['--require', join(FIXTURES, 'hide-package.cjs'), CLI, 'runspider', 'spiders/one.ts', '-a', `url=${site.url}/page/0`, '-L', 'warn', ...args], project.dir, { HIDE_PACKAGES: pkg, ...env });
  // Forced: on Node 22+ a job dir runs on the built-in node:sqlite without the package.
  const job = await hide('better-sqlite3', ['--job-dir', join(tmp, 'job')], { ARACHNE_SQLITE_DRIVER: 'better-sqlite3' });
  assert.equal(job.status, 2, job.stderr);
  assert.match(job.stderr, /^error ERR_MISSING_DEPENDENCY: a job dir \(--job-dir, job\.dir\) needs the package "better-sqlite3"/m);
  assert.match(job.stderr, /fix: run `npm install better-sqlite3`/);
  const cluster = await hide('ioredis', ['--redis', 'redis://127.0.0.1:9/0']);
  assert.equal(cluster.status, 2, cluster.stderr);
  assert.match(cluster.stderr, /^error ERR_MISSING_DEPENDENCY: .*needs the package "ioredis"/m);
});
