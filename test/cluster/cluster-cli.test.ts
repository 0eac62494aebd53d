/**
 * Three real `crawl` processes on one crawl of a 3,000-page local site (three domains) through a
 * real redis-server: one joins late, one is killed with SIGKILL mid-crawl. Every page is fetched,
 * a page is fetched twice only when a lease of the killed process expired, the server never sees
 * more than `concurrency.perDomain` requests at once per Host, and the feeds (one per process,
 * through `{process}`) together hold every page's item.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedis, type RedisServer } from '../fixtures/redis-server.js';
import { closeSites, startSites, type Site } from '../fixtures/site.js';
import { makeProject, runCli, startCli, type CliRun, type TempProject } from '../helpers/project.js';

const DOMAINS = 3;
const PAGES = 1_000;
const PER_DOMAIN = 4;
const GLOBAL = 6;
const LEASE_MS = 1_500;

const SPIDER = `
import { Spider, type Response } from 'arachne';

export default class Pages extends Spider {
  static override name = 'pages';

  async *start() {
    for (const base of this.args.bases.split(',')) yield this.request(base + '/page/0');
  }

  async *parse(response: Response) {
    yield { url: response.url, value: response.css('p.value::text').get('') };
    yield* response.followAll('ul.links a');
  }
}
`;

let project: TempProject;
let sites: Site[];
let redis: RedisServer;
/** Called by the sites on every request (their `latencyMs` hook): lets the test act after N hits. */
let onHit: (() => void) | undefined;

before(async () => {
  project = makeProject({ 'crawl.config.ts': 'export default {};\n', 'spiders/pages.ts': SPIDER });
  redis = await startRedis();
  sites = await startSites(DOMAINS, {
    pages: PAGES,
    linksPerPage: 3,
    latencyMs: () => {
      onHit?.();
      return 15;
    },
  });
});

after(async () => {
  await closeSites(sites);
  await redis.close();
  project.remove();
});

function crawlArgs(crawlId: string, name: string): string[] {
  return [
    'run', 'pages', '--redis', redis.url, '--crawl-id', crawlId, '-o', 'items-{process}.jsonl', '--stats-json', `stats-${name}.json`,
    '-a', `bases=${sites.map((s) => s.url).join(',')}`, '-L', 'warn',
    '-s', 'parse.workers=0', '-s', `concurrency.global=${GLOBAL}`, '-s', `concurrency.perDomain=${PER_DOMAIN}`,
    '-s', `cluster.leaseMs=${LEASE_MS}`, '-s', 'cluster.pollMs=25', '-s', 'log.statsIntervalMs=0', '-s', 'progress.enabled=false', '-s', 'retry.enabled=false',
  ];
}

const totalHits = (): number => sites.reduce((sum, site) => sum + site.requests, 0);

function stats(name: string): Record<string, number | string> {
  return JSON.parse(readFileSync(join(project.dir, `stats-${name}.json`), 'utf8')) as Record<string, number | string>;
}

const num = (value: number | string | undefined): number => (typeof value === 'number' ? value : 0);

test('three processes, one joining late and one killed: every page fetched, duplicates only from expired leases, perDomain held per Host', { timeout: 180_000 }, async () => {
  const runs = new Map<string, CliRun>();
  let late: Promise<void> | undefined;
  let killedAt = -1;
  onHit = () => {
    const hits = totalHits();
    if (!late && hits >= 300) {
      late = Promise.resolve().then(() => void runs.set('c', startCli(crawlArgs('cli', 'c'), project.dir)));
    }
    if (killedAt < 0 && hits >= 1_200) {
      killedAt = hits;
      runs.get('a')!.child.kill('SIGKILL');
    }
  };
  runs.set('a', startCli(crawlArgs('cli', 'a'), project.dir));
  runs.set('b', startCli(crawlArgs('cli', 'b'), project.dir));
  const a = await runs.get('a')!.done;
  const b = await runs.get('b')!.done;
  await late;
  const c = await runs.get('c')!.done;
  onHit = undefined;

  assert.equal(a.signal, 'SIGKILL', 'process a was killed mid-crawl');
  assert.ok(killedAt > 0 && killedAt < DOMAINS * PAGES, 'the kill came before the end');
  assert.equal(b.code, 0, b.stderr);
  assert.equal(c.code, 0, c.stderr);

  // Every page fetched at least once; a second fetch only for a lease the kill left behind.
  let duplicates = 0;
  for (const site of sites) {
    for (let i = 0; i < PAGES; i++) {
      const hits = site.hits.get(`/page/${i}`) ?? 0;
      assert.ok(hits >= 1, `${site.url}/page/${i} was never fetched`);
      duplicates += hits - 1;
    }
    assert.ok(site.peakByHost.get(site.host)! <= PER_DOMAIN, `${site.host} saw ${site.peakByHost.get(site.host)} at once, above perDomain ${PER_DOMAIN}`);
  }
  const reaped = num(stats('b')['cluster/reaped']) + num(stats('c')['cluster/reaped']);
  assert.ok(reaped >= 1, 'the killed process\'s leases were taken back');
  assert.ok(duplicates <= reaped, `${duplicates} pages fetched twice, but only ${reaped} leases expired`);

  // The late joiner got work; the survivors finished the killed one's share.
  assert.ok(num(stats('c')['response/received']) > 0, 'the late process fetched pages');
  assert.ok(num(stats('b')['cluster/round_trips_per_request']) < 1, 'round trips are batched');

  // One feed per process ({process}); together every page's item, whole lines except where a was cut.
  const feeds = readdirSync(project.dir).filter((f) => /^items-.+\.jsonl$/.test(f));
  assert.equal(feeds.length, 3, `one feed per process: ${feeds.join(', ')}`);
  const urls = new Set<string>();
  for (const feed of feeds) {
    for (const line of readFileSync(join(project.dir, feed), 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        urls.add((JSON.parse(line) as { url: string }).url);
      } catch {
        // Only the killed process may have left a cut last line.
      }
    }
  }
  assert.equal(urls.size, DOMAINS * PAGES, 'every page\'s item is in some feed');

  // The shared state stays for inspection: nothing pending, start done.
  const status = await runCli(['cluster', 'status', 'cli', '--redis', redis.url, '--json'], project.dir);
  assert.equal(status.code, 0, status.stderr);
  const shown = JSON.parse(status.stdout) as { pending: number; startDone: boolean };
  assert.equal(shown.pending, 0);
  assert.equal(shown.startDone, true);
});

test('an unreachable Redis at start-up is a coded error naming the URL; nothing is crawled', async () => {
  const run = await runCli(['run', 'pages', '--redis', 'redis://127.0.0.1:1/0', '-a', `bases=${sites[0]!.url}`, '-s', 'parse.workers=0'], project.dir);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /ERR_CLUSTER_REDIS/);
  assert.match(run.stderr, /redis:\/\/127\.0\.0\.1:1\/0/);
});
