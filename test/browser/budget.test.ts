/**
 * `browser.maxPages` is a frontier budget: a request to be rendered waits for a page unit before
 * dispatch, holding no domain, IP, proxy or global unit, so HTTP requests of its domain go on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rendersDirectly } from '../../src/http/rendering.js';
import type { Response } from '../../src/http/response.js';
import { Request } from '../../src/http/request.js';
import { Frontier } from '../../src/scheduler/frontier.js';
import { Spider } from '../../src/spider/spider.js';
import { startJsSite, type JsSite } from '../fixtures/js-site.js';
import { crawl, stat } from '../helpers/crawl.js';
import { BROWSER_SETTINGS } from './chromium-required.js';

test('frontier: a rendered request without a page unit is set aside; the HTTP request behind it in its slot leaves', () => {
  const f = new Frontier({
    globalLimit: 10,
    slot: { limit: 2, delayMs: 0, randomizeDelay: false },
    browserPages: { limit: 1, renders: (r) => rendersDirectly(r, 'request') },
  });
  f.push(new Request({ url: 'http://a.test/slow', meta: { browser: true } }), 0);
  f.push(new Request({ url: 'http://a.test/render', meta: { browser: true } }), 0);
  f.push(new Request({ url: 'http://a.test/plain' }), 0);
  const slow = f.next(0)!;
  assert.equal(slow.request.url, 'http://a.test/slow');
  assert.equal(slow.browserPage, true);
  const plain = f.next(0)!;
  assert.equal(plain.request.url, 'http://a.test/plain', 'the HTTP request is not stuck behind the waiting render');
  assert.equal(plain.browserPage, undefined);
  assert.equal(f.next(0), undefined);
  assert.equal(f.size, 1, 'the waiting render is still counted');
  assert.equal(f.slot('a.test').active, 2, 'the waiting render holds no domain unit');
  f.release(plain, 1);
  assert.equal(f.next(1), undefined, 'a freed domain unit is not a page unit');
  f.release(slow, 2);
  const render = f.next(2)!;
  assert.equal(render.request.url, 'http://a.test/render');
  assert.equal(f.browserActive, 1);
  f.release(render, 3);
  assert.equal(f.browserActive, 0);
  assert.equal(f.size, 0);
});

let site: JsSite;
before(async () => {
  site = await startJsSite({ products: 3 });
});
after(async () => {
  await site.close();
});

test('maxPages 1 and a page that hangs: an HTTP request of the same domain completes while a render waits', async () => {
  const events: string[] = [];
  class Budget extends Spider {
    static override name = 'budget';
    override async *start() {
      yield new Request({ url: `${site.url}/hang`, errback: 'failed', meta: { browser: { timeoutMs: 2_500 }, dontRetry: true } });
      yield new Request({ url: `${site.url}/products`, callback: 'rendered', meta: { browser: { waitForSelector: 'li.product' } } });
      yield new Request({ url: `${site.url}/products?plain` });
    }
    async *rendered(response: Response) {
      events.push('rendered');
      yield { kind: 'rendered', products: response.css('li.product').length };
    }
    async *parse(response: Response) {
      events.push('plain');
      yield { kind: 'plain', products: response.css('li.product').length };
    }
    async *failed() {
      events.push('hang failed');
    }
  }
  const { items, stats, logs } = await crawl(Budget, {
    browser: { ...BROWSER_SETTINGS, maxPages: 1 },
    concurrency: { perDomain: 2 },
    'log.level': 'warn',
  });
  assert.deepEqual(events, ['plain', 'hang failed', 'rendered'], logs.join('\n'));
  assert.deepEqual(items.map((i) => [i.kind, i.products]).sort(), [['plain', 0], ['rendered', 3]]);
  assert.equal(stat(stats, 'browser/pages_open_peak'), 1, 'never more than maxPages pages open');
  assert.equal(stat(stats, 'browser/pages_opened'), 2);
});

test('the live-page escape hatch: with parse.workers 0 the callback evaluates in the live page, which is closed after it', async () => {
  const pages: { isClosed(): boolean }[] = [];
  class Live extends Spider {
    static override name = 'live';
    override async *start() {
      yield new Request({ url: `${site.url}/products`, meta: { browser: { keepPage: true, waitForSelector: 'li.product' } } });
    }
    async *parse(response: Response) {
      const page = response.browser?.page as { evaluate(script: string): Promise<unknown>; isClosed(): boolean } | undefined;
      assert.ok(page, 'the live page is lent to an in-process callback');
      pages.push(page);
      yield {
        open: !page.isClosed(),
        // Only a live page answers these: its script engine and what the scripts built since.
        agent: await page.evaluate('navigator.userAgent'),
        live: await page.evaluate('document.querySelectorAll("li.product").length'),
      };
    }
  }
  const { items, stats, logs } = await crawl(Live, { browser: BROWSER_SETTINGS, parse: { workers: 0 }, 'log.level': 'warn' });
  assert.equal(items.length, 1, logs.join('\n'));
  assert.equal(items[0]!.open, true);
  assert.match(String(items[0]!.agent), /Chrome/);
  assert.equal(items[0]!.live, 3);
  assert.equal(pages[0]!.isClosed(), true, 'closed after the callback');
  assert.equal(stats['browser/pages_open_at_close'], 0, 'no page leaked');
  assert.equal(stats['browser/contexts_open_at_close'], 0);
});

test('memory bound: 100 rendered pages with maxPages 4 and contexts recycled every 20 pages: pages and contexts stay bounded and none is open at the end', async () => {
  const big = await startJsSite({ products: 100 });
  try {
    const { items, stats, logs } = await crawl(
      class extends Spider {
        static override name = 'memory';
        override async *start() {
          yield new Request({ url: `${big.url}/products`, meta: { browser: { waitForSelector: 'li.product' } } });
        }
        async *parse(response: Response) {
          for (const a of response.css('li.product a')) yield response.follow(a, { callback: 'product', meta: { browser: true } });
        }
        async *product(response: Response) {
          yield { name: response.css('h1.name::text').get('') };
        }
      },
      { browser: { ...BROWSER_SETTINGS, maxPages: 4, pagesPerContext: 20 }, 'log.level': 'warn' },
    );
    assert.equal(items.length, 100, logs.join('\n'));
    assert.equal(stat(stats, 'browser/pages_opened'), 101);
    assert.ok(stat(stats, 'browser/pages_open_peak') <= 4, `peak pages ${stat(stats, 'browser/pages_open_peak')}`);
    assert.ok(stat(stats, 'browser/contexts_created') >= 5, 'contexts were recycled');
    assert.equal(stat(stats, 'browser/contexts_peak'), 1, 'a recycled context is replaced, not added to');
    assert.equal(stats['browser/pages_open_at_close'], 0);
    assert.equal(stats['browser/contexts_open_at_close'], 0);
  } finally {
    await big.close();
  }
});
