/**
 * Crash safety of a job dir through the real CLI: a crawl of a 5,000-page local site is killed
 * with SIGKILL at seeded points (counted in server hits, not in time), resumed each time, and
 * must end with every page fetched, every page's item in the feed at least once, pages fetched
 * again (and items repeated) only for requests the job store still held as in flight after a kill
 * (read from its database), and a feed whose every line parses. SIGINT then resume must
 * give every page and item exactly once.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../fixtures/site.js';
import { makeProject, startCli, type CliResult, type TempProject } from '../helpers/project.js';
// The same tiny seeded generator the demo shop uses: the kill points are the same on every run.
import { mulberry32 } from '../../examples/demo/site/server.js';
import { JOB_DB_FILE } from '../../src/scheduler/job.js';
import { openSqlite } from '../../src/scheduler/stores/sqlite-driver.js';
import { decodeRequest } from '../../src/scheduler/stores/request-codec.js';

const PAGES = 5_000;
const CONCURRENCY = 8;
const KILLS = 3;

const SPIDER = `
import { Spider, type Response } from 'arachne';

export default class Pages extends Spider {
  static override name = 'pages';

  async *start() {
    yield this.request(this.args.base + '/page/0');
  }

  async *parse(response: Response) {
    yield { url: response.url, value: response.css('p.value::text').get('') };
    yield* response.followAll('ul.links a');
  }
}
`;

let project: TempProject;
let site: Site;
/** Called by the site on every request (its `latencyMs` hook): lets a test act after N hits. */
let onHit: (() => void) | undefined;

before(async () => {
  project = makeProject({ 'crawl.config.ts': 'export default {};\n', 'spiders/pages.ts': SPIDER });
  site = await startSite({
    pages: PAGES,
    linksPerPage: 3,
    latencyMs: () => {
      onHit?.();
      return 0;
    },
  });
});

after(async () => {
  await site.close();
  project.remove();
});

function crawlArgs(jobDir: string, feed: string): string[] {
  return [
    'run', 'pages', '-o', feed, '--job-dir', jobDir, '-a', `base=${site.url}`, '-L', 'warn',
    '-s', 'parse.workers=0', '-s', `concurrency.global=${CONCURRENCY}`, '-s', `concurrency.perDomain=${CONCURRENCY}`,
    '-s', 'log.statsIntervalMs=0', '-s', 'progress.enabled=false', '-s', 'retry.enabled=false',
  ];
}

/** Runs the crawl, sending `signal` once the site saw `hits` more requests (undefined: run to the end). */
async function runUntil(args: string[], signal?: NodeJS.Signals, hits?: number): Promise<CliResult> {
  const run = startCli(args, project.dir);
  let seen = 0;
  let sent = false;
  onHit = () => {
    if (signal && !sent && ++seen >= hits!) {
      sent = true;
      run.child.kill(signal);
    }
  };
  try {
    return await run.done;
  } finally {
    onHit = undefined;
  }
}

function feedLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
}

function pagePaths(): string[] {
  return Array.from({ length: PAGES }, (_, i) => `/page/${i}`);
}

/**
 * The pages a killed run asked the site for (`hitsBefore`: the site's counts when it started) but
 * had not completed in its job store: the requests "in flight at the kill", the only ones a
 * resume may fetch (and scrape) again.
 */
function inFlightAtKill(jobDir: string, hitsBefore: ReadonlyMap<string, number>): string[] {
  const db = openSqlite(join(jobDir, JOB_DB_FILE), { readonly: true });
  try {
    const rows = db.prepare('SELECT data FROM requests').all() as { data: string }[];
    const paths = rows.map((row) => new URL(decodeRequest(row.data).url).pathname);
    return paths.filter((path) => (site.hits.get(path) ?? 0) > (hitsBefore.get(path) ?? 0));
  } finally {
    db.close();
  }
}

test('SIGKILL at seeded points, then resume: every page fetched, items at least once, duplicates only for requests in flight, a valid feed', { timeout: 240_000 }, async (t) => {
  site.resetCounters();
  const random = mulberry32(20_240_601);
  const feed = join(project.dir, 'killed.jsonl');
  const args = crawlArgs('job-killed', 'killed.jsonl');
  /** How often each page was in flight at a kill. */
  const inFlight = new Map<string, number>();
  const perKill: number[] = [];
  for (let kill = 0; kill < KILLS; kill++) {
    const hits = 300 + Math.floor(random() * 1_200);
    const hitsBefore = new Map(site.hits);
    const result = await runUntil(args, 'SIGKILL', hits);
    assert.equal(result.signal, 'SIGKILL', `run ${kill} was killed (stderr: ${result.stderr})`);
    const paths = inFlightAtKill(join(project.dir, 'job-killed'), hitsBefore);
    perKill.push(paths.length);
    for (const path of paths) inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
  }
  assert.ok(existsSync(join(project.dir, 'job-killed', 'job.lock')), 'a killed crawl leaves its lock behind');
  const final = await runUntil(args);
  assert.equal(final.code, 0, final.stderr);
  assert.ok(!existsSync(join(project.dir, 'job-killed', 'job.lock')), 'the stale lock was taken over and released');

  for (const path of pagePaths()) assert.ok((site.hits.get(path) ?? 0) >= 1, `${path} was fetched`);
  const lines = feedLines(feed);
  const counts = new Map<string, number>();
  for (const line of lines) {
    const path = new URL((JSON.parse(line) as { url: string }).url).pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  for (const path of pagePaths()) assert.ok((counts.get(path) ?? 0) >= 1, `the item of ${path} is in the feed`);
  // The invariant: a page is fetched again, and its item repeated, only as often as it was in
  // flight at a kill. Anything completed in the store before a kill is never redone.
  for (const path of pagePaths()) {
    const again = (site.hits.get(path) ?? 0) - 1;
    const allowed = inFlight.get(path) ?? 0;
    assert.ok(again <= allowed, `${path} fetched ${again} more time(s), in flight at ${allowed} kill(s)`);
    assert.ok((counts.get(path) ?? 0) - 1 <= again, `${path}: its item repeats only if it was fetched again`);
  }
  // And the store keeps up. In flight at a kill are the downloads (CONCURRENCY), the responses
  // released but still being parsed, and the completions waiting in the commit that waits for
  // the feeds to flush and in the one queued behind it: each about CONCURRENCY at most (10-18 in
  // all measured here). A store that committed completions late would show hundreds.
  const refetched = [...site.hits.values()].reduce((sum, n) => sum + n - 1, 0);
  const duplicates = lines.length - counts.size;
  t.diagnostic(`in flight at each kill: ${perKill.join(', ')}; ${refetched} pages fetched again, ${duplicates} duplicate items`);
  for (const count of perKill) assert.ok(count <= 4 * CONCURRENCY, `${count} requests in flight at a kill, at most ${4 * CONCURRENCY}`);
});

test('SIGINT then resume: every page and every item exactly once', { timeout: 120_000 }, async () => {
  site.resetCounters();
  const feed = join(project.dir, 'interrupted.jsonl');
  const args = crawlArgs('job-interrupted', 'interrupted.jsonl');
  const first = await runUntil(args, 'SIGINT', 1_500);
  assert.equal(first.code, 0, first.stderr);
  const afterFirst = feedLines(feed).length;
  assert.ok(afterFirst > 0 && afterFirst < PAGES, `the first run stopped early (${afterFirst} items)`);
  const second = await runUntil(args);
  assert.equal(second.code, 0, second.stderr);

  for (const path of pagePaths()) assert.equal(site.hits.get(path), 1, `${path} fetched exactly once`);
  const urls = feedLines(feed).map((line) => new URL((JSON.parse(line) as { url: string }).url).pathname);
  assert.equal(urls.length, PAGES, 'one item per page');
  assert.equal(new Set(urls).size, PAGES, 'no item twice');
});
