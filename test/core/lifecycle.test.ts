/**
 * Spider lifecycle and user components from the config: `opened()` before the first request,
 * `closed(reason, stats)` after the items were written, extensions on the crawl's typed events
 * (and able to stop it), spider middlewares listed by import, an `opened()` that fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Extension, ExtensionContext } from '../../src/extensions/extension.js';
import type { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { Spider, type FinalStats } from '../../src/spider/spider.js';
import type { SpiderMiddleware, SpiderMiddlewareClass } from '../../src/spidermw/spider-middleware.js';
import { startSite } from '../fixtures/site.js';
import { crawl } from '../helpers/crawl.js';

test('opened() runs before the first request, closed(reason, stats) after the last item; extensions see typed events and may stop the crawl', async () => {
  const site = await startSite({ pages: 30 });
  const calls: string[] = [];
  let closedWith: { reason: string; stats: FinalStats } | undefined;
  try {
    class Life extends Spider {
      static override name = 'life';
      static override startUrls = [`${site.url}/page/0`];
      override opened() {
        calls.push(`opened requests=${site.requests}`);
      }
      override closed(reason: string, stats: FinalStats) {
        closedWith = { reason, stats };
        calls.push('closed');
      }
      override async *parse(response: Response) {
        yield { url: response.url };
        yield* response.followAll('ul.links a');
      }
    }
    class StopAfterFive implements Extension {
      readonly #context: ExtensionContext;
      constructor(context: ExtensionContext) {
        this.#context = context;
        let items = 0;
        context.events.on('itemScraped', ({ item }) => {
          assert.equal(typeof item.url, 'string');
          if (++items === 5) context.stop('five_items');
        });
      }
      open() {
        calls.push('extension open');
      }
      close(reason: string) {
        this.#context.stats.set('test/extension_closed', reason);
        calls.push('extension close');
      }
    }
    const { reason, stats } = await crawl(Life, { parse: { workers: 0 }, extensions: [StopAfterFive] });
    assert.equal(reason, 'five_items');
    assert.deepEqual(calls, ['extension open', 'opened requests=0', 'extension close', 'closed']);
    assert.equal(closedWith?.reason, 'five_items');
    assert.equal(closedWith?.stats['test/extension_closed'], 'five_items');
    assert.equal(closedWith?.stats['item/scraped'], stats['item/scraped']);
    assert.ok(Number(stats['item/scraped']) >= 5);
  } finally {
    await site.close();
  }
});

test('spider middlewares listed in the config (a function of the defaults) see every request', async () => {
  const site = await startSite({ pages: 20 });
  try {
    const seen: string[] = [];
    const DropOdd: SpiderMiddlewareClass = class implements SpiderMiddleware {
      processRequest(request: Request): Request | null {
        seen.push(request.url);
        return /\/page\/\d*[13579]$/.test(request.url) ? null : request;
      }
    };
    class Walk extends Spider {
      static override name = 'walk';
      static override startUrls = [`${site.url}/page/0`];
      override async *parse(response: Response) {
        yield { url: response.url };
        yield* response.followAll('ul.links a');
      }
    }
    const { items } = await crawl(Walk, { parse: { workers: 0 }, spiderMiddlewares: (defaults) => [...defaults, DropOdd] });
    assert.ok(seen.length > 0);
    assert.ok(items.length > 1);
    assert.ok(items.every((i) => !/\/page\/\d*[13579]$/.test(String(i.url))), 'no odd page was fetched');
  } finally {
    await site.close();
  }
});

test('an opened() that throws fails the crawl before any request, and closed() still runs', async () => {
  const site = await startSite({ pages: 3 });
  let closedReason = '';
  try {
    class Broken extends Spider {
      static override name = 'broken-open';
      static override startUrls = [`${site.url}/page/0`];
      override opened(): void {
        throw new Error('no database');
      }
      override closed(reason: string) {
        closedReason = reason;
      }
      parse(): void {}
    }
    await assert.rejects(crawl(Broken, { parse: { workers: 0 } }), /no database/);
    assert.equal(site.requests, 0);
    assert.equal(closedReason, 'failed');
  } finally {
    await site.close();
  }
});
