/**
 * The browser download handler in real Chromium against a local JavaScript site: content that
 * exists only after scripts run, page actions (infinite scroll, a click), a page that never
 * finishes loading, cookies both ways, and blocked resources counted but not fetched.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Response } from '../../src/http/response.js';
import { Request } from '../../src/http/request.js';
import { Spider } from '../../src/spider/spider.js';
import { startJsSite, type JsSite } from '../fixtures/js-site.js';
import { crawl, stat } from '../helpers/crawl.js';
import { BROWSER_SETTINGS } from './chromium-required.js';

let site: JsSite;
before(async () => {
  site = await startJsSite({ products: 12 });
});
after(async () => {
  await site.close();
});

function shopSpider(name: string, browser: boolean) {
  return class extends Spider {
    static override name = name;
    override async *start() {
      yield new Request({ url: `${site.url}/products`, meta: browser ? { browser: { waitForSelector: 'li.product' } } : {} });
    }
    async *parse(response: Response) {
      for (const a of response.css('li.product a')) {
        yield response.follow(a, { callback: 'parseProduct', meta: browser ? { browser: { waitForSelector: 'h1.name' } } : {} });
      }
    }
    async *parseProduct(response: Response) {
      yield { name: response.css('h1.name::text').get(''), desc: response.css('p.desc::text').get(''), status: response.status, type: response.header('content-type') };
    }
  };
}

test('a product list that exists only after JavaScript: HTTP yields nothing, the browser yields every product', async () => {
  const http = await crawl(shopSpider('shop-http', false), { 'log.level': 'warn' });
  assert.equal(http.items.length, 0, 'the HTML alone has no products');
  assert.equal(stat(http.stats, 'browser/requests'), 0, 'no browser was involved');

  const before = site.hits.get('/img/logo.png') ?? 0;
  const { items, stats, logs } = await crawl(shopSpider('shop-browser', true), { browser: BROWSER_SETTINGS, 'log.level': 'warn' });
  assert.equal(items.length, 12, logs.join('\n'));
  assert.deepEqual(items.map((i) => i.name).sort(), Array.from({ length: 12 }, (_, i) => `Product ${i}`).sort());
  assert.ok(items.every((i) => i.desc === 'MADE BY SCRIPT' && i.status === 200 && i.type === 'text/html; charset=utf-8'));
  assert.equal(stat(stats, 'browser/pages'), 13);
  assert.equal(stat(stats, 'browser/launches'), 1);
  // Subrequests: app.js, the API call and the image (blocked: never reached the site).
  assert.ok(stat(stats, 'browser/subrequests') >= 3, `subrequests ${stat(stats, 'browser/subrequests')}`);
  assert.ok(stat(stats, 'browser/subrequests_blocked') >= 1);
  assert.equal(site.hits.get('/img/logo.png') ?? 0, before, 'images are blocked by default');
  assert.equal(stat(stats, 'downloader/status/200'), 13);
  // Cookies: each product page's script set `seen`; the jar stored it and sent it back to the next page.
  assert.ok(stat(stats, 'cookies/stored') >= 12);
  assert.ok([...site.cookies.entries()].some(([path, c]) => path.startsWith('/product/') && c.includes('seen=')), 'the jar\'s cookies reached the site');
});

test('page actions: infinite scroll, a click, an evaluated script; a page that never loads fails coded', async () => {
  class Actions extends Spider {
    static override name = 'actions';
    override async *start() {
      yield new Request({ url: `${site.url}/scroll`, callback: 'scroll', meta: { browser: { actions: [{ scrollToBottom: { times: 10, waitMs: 3_000 } }, { evaluate: 'return document.querySelectorAll("li.item").length' }] } } });
      yield new Request({ url: `${site.url}/click`, callback: 'click', meta: { browser: { actions: [{ click: 'button#more' }, { waitForSelector: 'p.secret' }] } } });
      yield new Request({ url: `${site.url}/hang`, meta: { browser: { timeoutMs: 1_500 } } });
    }
    async *scroll(response: Response) {
      yield { kind: 'scroll', items: response.css('li.item').length, counted: response.browser?.actions[1] };
    }
    async *parse(response: Response) {
      yield { kind: 'other', url: response.url };
    }
    async *click(response: Response) {
      yield { kind: 'click', secret: response.css('p.secret::text').get(''), actions: response.browser?.actions.length };
    }
  }
  const started = performance.now();
  const { items, stats, logs } = await crawl(Actions, { browser: BROWSER_SETTINGS, retry: { times: 0 }, 'log.level': 'warn' });
  const scroll = items.find((i) => i.kind === 'scroll');
  assert.deepEqual(scroll, { kind: 'scroll', items: 50, counted: 50 }, logs.join('\n'));
  assert.deepEqual(items.find((i) => i.kind === 'click'), { kind: 'click', secret: 'revealed', actions: 2 });
  assert.equal(stat(stats, 'browser/errors/ERR_DOWNLOAD_TIMEOUT'), 1);
  assert.ok(logs.some((l) => l.includes('ERR_DOWNLOAD_TIMEOUT') && l.includes('/hang')), logs.join('\n'));
  assert.ok(performance.now() - started < 30_000);
});
