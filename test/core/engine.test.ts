import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { DropItem } from '../../src/errors.js';
import { DEFAULT_DOWNLOADER_MIDDLEWARES } from '../../src/downloader/downloader.js';
import type { DownloaderMiddleware, Handler } from '../../src/downloader/middleware.js';
import { Spider } from '../../src/spider/spider.js';
import { closeSites, startSite, startSites, type Site } from '../fixtures/site.js';
import { crawl, dispatchRecorder, gaps, stat } from '../helpers/crawl.js';

let site: Site;
before(async () => {
  site = await startSite({ pages: 60, linksPerPage: 3 });
});
after(() => site.close());

/** Follows every page link and yields one item per page. */
class LinkSpider extends Spider {
  static override name = 'links';
  static base = '';
  override async *start() {
    yield new Request((this.constructor as typeof LinkSpider).base + '/');
  }
  async *parse(response: Response) {
    const value = response.css('p.value::text').get('');
    if (value) yield { url: response.url, value };
    yield* response.followAll('a');
  }
}

test('every page of a linked site is fetched exactly once', async () => {
  site.resetCounters();
  LinkSpider.base = site.url;
  const { items, stats, reason } = await crawl(LinkSpider);
  assert.equal(reason, 'finished');
  assert.equal(items.length, 60);
  assert.equal(new Set(items.map((i) => i.url)).size, 60);
  for (let i = 0; i < 60; i++) assert.equal(site.hits.get(`/page/${i}`), 1, `/page/${i} fetched once`);
  assert.equal(site.hits.get('/'), 1);
  assert.ok(stat(stats, 'scheduler/duplicates') > 0, 'links to seen pages were filtered');
  assert.equal(stat(stats, 'item/scraped'), 60);
});

test('per-domain concurrency holds, and the global limit is reached with many domains', async () => {
  const sites = await startSites(4, { pages: 30, latencyMs: 30 });
  try {
    class Multi extends Spider {
      static override name = 'multi';
      override async *start() {
        for (const s of sites) yield new Request(`${s.url}/`);
      }
      async *parse(response: Response) {
        yield* response.followAll('a');
      }
    }
    const { stats } = await crawl(Multi, { concurrency: { perDomain: 2, global: 6 } });
    assert.equal(stat(stats, 'response/received'), 4 * 31);
    for (const s of sites) assert.ok((s.peakByHost.get(s.host) ?? 0) <= 2, `${s.host} peak ${s.peakByHost.get(s.host)} <= 2`);
    const peakTotal = sites.reduce((sum, s) => sum + (s.peakByHost.get(s.host) ?? 0), 0);
    assert.ok(peakTotal >= 6, `per-site peaks add up to the global limit (got ${peakTotal})`);
    assert.equal(stat(stats, 'scheduler/peak_slot_concurrency'), 2);
  } finally {
    await closeSites(sites);
  }
});

test('the global limit is never exceeded', async () => {
  const sites = await startSites(3, { pages: 20, latencyMs: 20 });
  let active = 0;
  let peak = 0;
  /** Counts requests in flight across the whole crawl, as the transport sees them. */
  class CountInFlight implements DownloaderMiddleware {
    wrap(next: Handler): Handler {
      return async (request) => {
        peak = Math.max(peak, ++active);
        try {
          return await next(request);
        } finally {
          active--;
        }
      };
    }
  }
  try {
    class Multi extends Spider {
      static override name = 'multi-global';
      override async *start() {
        for (const s of sites) yield new Request(`${s.url}/`);
      }
      async *parse(response: Response) {
        yield* response.followAll('a');
      }
    }
    const { stats } = await crawl(Multi, { concurrency: { perDomain: 8, global: 5 } }, {
      downloaderMiddlewares: [...DEFAULT_DOWNLOADER_MIDDLEWARES, CountInFlight],
    });
    assert.equal(stat(stats, 'response/received'), 3 * 21);
    assert.equal(peak, 5, 'the global limit is reached and never exceeded');
  } finally {
    await closeSites(sites);
  }
});

test('the delay holds between requests of one slot', async () => {
  site.resetCounters();
  class Delayed extends Spider {
    static override name = 'delayed';
    override async *start() {
      for (let i = 0; i < 5; i++) yield new Request(`${site.url}/page/${i}`);
    }
    async *parse() {}
  }
  const { middlewares, sent } = dispatchRecorder();
  await crawl(Delayed, { download: { delayMs: 80 } }, { downloaderMiddlewares: middlewares });
  assert.equal(sent.length, 5);
  assert.equal(site.arrivals.length, 5);
  // The frontier spaces dispatches 80 ms apart; the recorder sits after the other middlewares,
  // whose own (async) time can shift one dispatch by a few ms on a loaded machine.
  for (const gap of gaps(sent.map((s) => s.at))) assert.ok(gap >= 75, `gap ${gap.toFixed(1)} ms >= 80`);
});

test('the seen set drops duplicates but not dontFilter requests', async () => {
  site.resetCounters();
  class Dupes extends Spider {
    static override name = 'dupes';
    override async *start() {
      yield new Request(`${site.url}/page/1`);
      yield new Request(`${site.url}/page/1`);
      yield new Request(`${site.url}/page/1#fragment`);
      yield new Request({ url: `${site.url}/page/2`, dontFilter: true });
      yield new Request({ url: `${site.url}/page/2`, dontFilter: true });
    }
    async *parse() {}
  }
  const { stats } = await crawl(Dupes);
  assert.equal(site.hits.get('/page/1'), 1);
  assert.equal(site.hits.get('/page/2'), 2);
  assert.equal(stat(stats, 'scheduler/duplicates'), 2);
});

test('depth limit holds', async () => {
  site.resetCounters();
  class Deep extends Spider {
    static override name = 'deep';
    override async *start() {
      yield new Request(`${site.url}/page/0`);
    }
    async *parse(response: Response) {
      yield { depth: response.request.meta.depth ?? 0 };
      yield* response.followAll('a');
    }
  }
  const { items, stats } = await crawl(Deep, { depth: { limit: 2 } });
  const depths = items.map((i) => i.depth as number);
  assert.equal(Math.max(...depths), 2);
  assert.ok(stat(stats, 'depth/dropped') > 0);
  assert.equal(stat(stats, 'depth/max'), 2);
});

test('requests are dispatched by priority', async () => {
  site.resetCounters();
  class Prioritised extends Spider {
    static override name = 'prioritised';
    override async *start() {
      for (let i = 0; i < 8; i++) yield new Request({ url: `${site.url}/page/${i}`, priority: i % 2 === 0 ? 0 : 10 });
    }
    async *parse() {}
  }
  // One request at a time, and start requests all queued before the first dispatch completes.
  await crawl(Prioritised, { concurrency: { global: 1 } });
  const order = site.arrivals.map((a) => Number(a.path.split('/').pop()));
  // The first request may leave before the rest are queued; after it, odd pages (priority 10) come first.
  const rest = order.slice(1);
  const firstEven = rest.findIndex((p) => p % 2 === 0);
  assert.ok(rest.slice(firstEven).every((p) => p % 2 === 0), `high-priority pages first: ${order.join(',')}`);
});

test('pipelines transform and drop items; a throwing callback fails only its response', async () => {
  site.resetCounters();
  class Mixed extends Spider {
    static override name = 'mixed';
    override async *start() {
      for (let i = 0; i < 6; i++) yield new Request(`${site.url}/page/${i}`);
    }
    async *parse(response: Response) {
      const n = Number(response.url.split('/').pop());
      yield { n, first: true };
      if (n === 3) throw new Error('boom on page 3');
      yield { n, first: false };
    }
  }
  const dropOdd = {
    process(item: Record<string, unknown>) {
      if ((item.n as number) % 2 === 1 && item.first === false) throw new DropItem('odd');
      return { ...item, seen: true };
    },
  };
  const { items, stats, logs } = await crawl(Mixed, { pipelines: [dropOdd] });
  // 6 first items + second items of pages 0, 2, 4 (page 3 threw before its second; 1 and 5 dropped).
  assert.equal(items.length, 9);
  assert.ok(items.every((i) => i.seen === true));
  assert.equal(stat(stats, 'spider/exceptions'), 1);
  assert.equal(stat(stats, 'item/dropped'), 2);
  assert.ok(logs.some((l) => l.includes('boom on page 3')), 'the exception is logged');
});

test('non-2xx responses go to the errback with ERR_HTTP_STATUS, unless allowed', async () => {
  site.resetCounters();
  class Errors extends Spider {
    static override name = 'errors';
    override async *start() {
      yield new Request({ url: `${site.url}/status/404`, errback: 'onError' });
      yield new Request({ url: `${site.url}/status/410`, meta: { handleHttpStatusList: [410] } });
    }
    async *parse(response: Response) {
      yield { parsed: response.status };
    }
    async *onError(failure: { error: { code?: string }; response?: Response }) {
      yield { failed: failure.error.code, status: failure.response?.status };
    }
  }
  const { items, stats } = await crawl(Errors);
  assert.deepEqual(
    items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [{ failed: 'ERR_HTTP_STATUS', status: 404 }, { parsed: 410 }],
  );
  assert.equal(stat(stats, 'httpErrors/ignored/status/404'), 1);
});

test('offsite requests are filtered', async () => {
  site.resetCounters();
  class Offsite extends Spider {
    static override name = 'offsite';
    static override allowedDomains = ['example.invalid'];
    override async *start() {
      yield new Request({ url: `${site.url}/page/0`, dontFilter: true });
    }
    async *parse(response: Response) {
      yield* response.followAll('a');
    }
  }
  const { stats } = await crawl(Offsite);
  assert.equal(site.requests, 1, 'only the dontFilter start request went out');
  assert.ok(stat(stats, 'offsite/filtered') >= 1);
});

test('closeSpider.itemCount stops the crawl', async () => {
  LinkSpider.base = site.url;
  const { reason, items } = await crawl(LinkSpider, { closeSpider: { itemCount: 5 }, concurrency: { global: 1 } });
  assert.equal(reason, 'closespider_itemcount');
  assert.ok(items.length >= 5 && items.length < 60, `stopped early with ${items.length} items`);
});

test('start requests are pulled lazily', async () => {
  let pulled = 0;
  let maxAhead = 0;
  let parsed = 0;
  class Lazy extends Spider {
    static override name = 'lazy';
    override async *start() {
      for (let i = 0; i < 200; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - parsed);
        yield new Request(`${site.url}/page/${i % 60}?q=${i}`);
      }
    }
    async *parse() {
      parsed++;
    }
  }
  await crawl(Lazy, { scheduler: { startHighWaterMark: 10 }, concurrency: { global: 2 } });
  assert.equal(parsed, 200);
  assert.ok(maxAhead <= 10 + 2 + 2, `never far ahead of the crawl: ${maxAhead}`);
});

test('in-process callbacks that await hold back downloads past 1 + parse.maxQueue of them', async () => {
  site.resetCounters();
  const concurrency = 2;
  let running = 0;
  let peak = 0;
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  class Awaiting extends Spider {
    static override name = 'awaiting';
    override async *start() {
      for (let i = 0; i < 40; i++) yield new Request(`${site.url}/page/${i}`);
    }
    async *parse(response: Response) {
      peak = Math.max(peak, ++running);
      await gate; // a callback waiting on something slow: an API, a rate-limited service
      running--;
      yield { url: response.url };
    }
  }
  const done = crawl(Awaiting, { concurrency: { global: concurrency, perDomain: concurrency }, parse: { workers: 0, maxQueue: 1 } });
  // Downloads stop once two callbacks run; the ones already in flight still finish. Without the
  // bound every page would be downloaded while the gate is shut. The wait is a bounded grace
  // period for downloads that would (wrongly) still start, not a timing under test.
  for (let i = 0; i < 200 && running < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 150));
  const heldBack = [...site.hits.values()].reduce((sum, n) => sum + n, 0);
  open();
  const { items, reason } = await done;
  assert.equal(reason, 'finished');
  assert.equal(items.length, 40, 'every page parsed once the gate opened');
  assert.ok(heldBack <= 2 + concurrency, `${heldBack} pages downloaded while callbacks waited, at most 2 running + ${concurrency} in flight`);
  assert.ok(peak <= 2 + concurrency, `${peak} callbacks ran at once`);
});
