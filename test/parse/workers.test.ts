/**
 * The parse pool end to end: the same file-based spiders through a real Crawler with
 * `parse.workers` = 0, 1 and 2 give the same items; failures in callbacks (a throw, a hang past
 * `parse.timeoutMs`, an item that cannot cross threads, a worker that exits or runs out of
 * memory) fail only their own response with a coded, counted error, and every other item is kept.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startSite, pageValue, type Site } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';
import PagesSpider from '../fixtures/spiders/pages.js';
import FaultsSpider from '../fixtures/spiders/faults.js';

const PAGES_FILE = fileURLToPath(new URL('../fixtures/spiders/pages.ts', import.meta.url));
const FAULTS_FILE = fileURLToPath(new URL('../fixtures/spiders/faults.ts', import.meta.url));
const PAGES = 12;

let site: Site;

before(async () => {
  site = await startSite({ pages: PAGES, linksPerPage: 3 });
});

after(async () => {
  await site.close();
});

function withoutThread(items: Record<string, unknown>[]): string[] {
  return items.map(({ thread: _thread, ...rest }) => JSON.stringify(rest)).sort();
}

const runs = new Map<number, Awaited<ReturnType<typeof crawl>>>();

for (const workers of [0, 1, 2]) {
  test(`parse.workers=${workers}: the pages spider scrapes every page, summary and errback item`, async () => {
    const outcome = await crawl(PagesSpider, { parse: { workers }, concurrency: { perDomain: 4 } }, { spiderFile: PAGES_FILE, args: { base: site.url } });
    runs.set(workers, outcome);
    const { items, stats, reason, logs } = outcome;
    assert.equal(reason, 'finished');
    const pages = items.filter((i) => typeof i.value === 'string');
    assert.equal(pages.length, PAGES);
    for (let i = 0; i < PAGES; i++) {
      const page = pages.find((p) => p.url === `${site.url}/page/${i}`);
      assert.equal(page?.value, pageValue(i), `page ${i}`);
    }
    assert.equal(items.filter((i) => 'summaryOf' in i).length, PAGES);
    // The errback ran (in the worker when there is one) and saw the coded error and the response.
    assert.deepEqual(
      items.filter((i) => 'failed' in i).map(({ thread: _t, ...rest }) => rest),
      [{ failed: `${site.url}/status/404`, code: 'ERR_HTTP_STATUS', status: 404 }],
    );
    const expectedThread = workers === 0 ? 'main' : 'worker';
    assert.ok(items.every((i) => i.thread === expectedThread), `every callback ran on the ${expectedThread} thread`);
    assert.equal(stat(stats, 'spider/exceptions'), 0);
    // A number of workers starts them all with the crawl.
    assert.equal(stats['parse/threads'], workers === 0 ? undefined : workers);
    // Spider logger lines from the worker reach the crawl's log sink, under the spider's name.
    for (let i = 0; i < PAGES; i++) assert.ok(logs.includes(`info [parse-pages] parsed ${site.url}/page/${i}`), `log line for page ${i}`);
    assert.ok(logs.includes(`warn [parse-pages] errback for ${site.url}/status/404`));
  });
}

test('parse.workers 0, 1 and 2 give identical items', () => {
  assert.equal(runs.size, 3, 'the three crawls above ran');
  const inProcess = withoutThread(runs.get(0)!.items);
  assert.ok(inProcess.length > PAGES * 2);
  assert.deepEqual(withoutThread(runs.get(1)!.items), inProcess);
  assert.deepEqual(withoutThread(runs.get(2)!.items), inProcess);
});

test('a spider class without a file runs in-process, and a debug line says why', async () => {
  const { items, logs } = await crawl(PagesSpider, { parse: { workers: 2 }, log: { level: 'debug' } }, { args: { base: site.url } });
  assert.ok(items.length > PAGES && items.every((i) => i.thread === 'main'));
  assert.ok(logs.some((l) => l.startsWith('debug [arachne] callbacks run in-process') && l.includes('no spiderFile')), 'debug line');
});

for (const workers of [1, 2]) {
  test(`parse.workers=${workers}: each broken callback fails only its own response, coded and counted`, async () => {
    const modes = ['throw', 'hang', 'exit', 'function', 'class', 'cheerio'];
    const { items, stats, reason, logs } = await crawl(
      FaultsSpider,
      { parse: { workers, timeoutMs: 2000 } },
      { spiderFile: FAULTS_FILE, args: { base: site.url, pages: '6', modes: modes.join(',') } },
    );
    assert.equal(reason, 'finished');
    // Every well-behaved page's item was written.
    for (let i = 0; i < 6; i++) assert.ok(items.some((it) => it.url === `${site.url}/page/${i}` && it.value === pageValue(i)), `page ${i}`);
    // Items yielded before a failure the callback itself raised are kept, as in-process; a
    // worker that is stopped or dies takes its response's unsent outputs with it.
    assert.deepEqual(items.filter((i) => 'before' in i).map((i) => i.before).sort(), ['cheerio', 'class', 'function', 'throw']);
    assert.equal(items.length, 6 + 4);
    assert.equal(stat(stats, 'spider/exceptions'), modes.length);
    assert.equal(stat(stats, 'spider/exceptions/ERR_UNKNOWN'), 1, 'the plain Error thrown');
    assert.equal(stat(stats, 'spider/exceptions/ERR_PARSE_TIMEOUT'), 1);
    assert.equal(stat(stats, 'spider/exceptions/ERR_PARSE_WORKER_CRASHED'), 1);
    assert.equal(stat(stats, 'spider/exceptions/ERR_ITEM_NOT_CLONEABLE'), 3);
    const errors = logs.filter((l) => l.startsWith('error [arachne] callback failed on'));
    const about = (mode: string): string => errors.find((l) => l.includes(`?mode=${mode}>`)) ?? '';
    assert.match(about('hang'), /ERR_PARSE_TIMEOUT: .*parse\.timeoutMs \(2000 ms\)/);
    assert.match(about('exit'), /ERR_PARSE_WORKER_CRASHED: .*exited with code: 3/);
    assert.match(about('function'), /ERR_ITEM_NOT_CLONEABLE: .*item\.nested\.fn is the function fn/);
    assert.match(about('class'), /ERR_ITEM_NOT_CLONEABLE: .*item\.price is an instance of Price/);
    assert.match(about('cheerio'), /ERR_ITEM_NOT_CLONEABLE: .*item\.title is a cheerio selection/);
    assert.match(about('throw'), /callback failed on purpose/);
  });
}

test('a worker over parse.maxOldGenerationSizeMb fails its response and is replaced', async () => {
  const { items, stats, reason, logs } = await crawl(
    FaultsSpider,
    { parse: { workers: 1, maxOldGenerationSizeMb: 64 } },
    { spiderFile: FAULTS_FILE, args: { base: site.url, pages: '4', modes: 'oom' } },
  );
  assert.equal(reason, 'finished');
  for (let i = 0; i < 4; i++) assert.ok(items.some((it) => it.url === `${site.url}/page/${i}` && it.value === pageValue(i)), `page ${i}`);
  assert.equal(stat(stats, 'spider/exceptions/ERR_PARSE_WORKER_CRASHED'), 1);
  assert.ok(logs.some((l) => /ERR_PARSE_WORKER_CRASHED: .*mode=oom/.test(l) || (l.includes('mode=oom') && l.includes('ERR_PARSE_WORKER_CRASHED'))));
});

test('a callback that throws fails only its response in-process too (parse.workers=0)', async () => {
  const { items, stats } = await crawl(FaultsSpider, { parse: { workers: 0 } }, { spiderFile: FAULTS_FILE, args: { base: site.url, pages: '3', modes: 'throw' } });
  assert.equal(items.length, 4);
  assert.equal(stat(stats, 'spider/exceptions/ERR_UNKNOWN'), 1);
});
