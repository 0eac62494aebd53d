import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { Spider } from '../../src/spider/spider.js';
import { startSite, type Site } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';

let site: Site;
before(async () => {
  site = await startSite({ pages: 10 });
});
after(() => site.close());

/** Yields an item for every page it parses, whatever the page is. */
class Tolerant extends Spider {
  static override name = 'tolerant';
  static urls: string[] = [];
  override async *start() {
    for (const url of Tolerant.urls) yield url as unknown as Request;
  }
  async *parse(response: Response) {
    yield { url: response.url, value: response.isHtml ? response.css('p.value::text').get('') : null, html: response.isHtml };
  }
}

test('bad input fails only what it touches; every good item is written', async () => {
  Tolerant.urls = [
    'not a url',
    'ftp://example.invalid/file',
    `${site.url}/page/1`,
    `${site.url}/json`,
    `${site.url}/image.png`,
    `${site.url}/malformed`,
    `${site.url}/big?bytes=300000`,
    `${site.url}/reset`,
    `${site.url}/reset-after-headers`,
    `${site.url}/page/2`,
  ];
  const { items, stats, logs } = await crawl(Tolerant, {
    download: { maxResponseBytes: 100_000 },
    retry: { times: 1, backoffBaseMs: 1 },
  });
  const byUrl = new Map(items.map((i) => [String(i.url).replace(site.url, ''), i]));

  // Invalid start URLs: coded, counted, logged; the crawl goes on.
  assert.equal(stat(stats, 'spider/start/invalid/ERR_INVALID_URL'), 1);
  assert.equal(stat(stats, 'spider/start/invalid/ERR_UNSUPPORTED_SCHEME'), 1);
  assert.ok(logs.some((l) => l.includes('ERR_INVALID_URL') && l.includes('not a url')));

  // Good pages, a non-HTML body and malformed HTML all reach the callback.
  assert.ok(byUrl.get('/page/1')?.value);
  assert.ok(byUrl.get('/page/2')?.value);
  assert.equal(byUrl.get('/json')?.html, false);
  assert.equal(byUrl.get('/image.png')?.html, false);
  assert.ok(String(byUrl.get('/malformed')?.value).length > 0, 'malformed HTML still parses');

  // A body over the cap and resetting servers: counted failures, no items.
  assert.equal(byUrl.has('/big?bytes=300000'), false);
  assert.equal(stat(stats, 'request/failed/ERR_RESPONSE_TOO_LARGE'), 1);
  assert.equal(byUrl.has('/reset'), false);
  assert.equal(stat(stats, 'request/failed/ERR_CONNECTION_RESET'), 2, 'both reset paths fail after their retry');
  assert.ok(stat(stats, 'retry/count') >= 2, 'resets are retried');
  assert.equal(items.length, 5);
  assert.equal(stat(stats, 'item/scraped'), 5);
});

test('a callback that yields something that is neither a request nor an item is counted and skipped', async () => {
  class Odd extends Spider {
    static override name = 'odd';
    override async *start() {
      yield new Request(`${site.url}/page/3`);
    }
    async *parse() {
      yield 42 as unknown as Record<string, unknown>;
      yield [1, 2] as unknown as Record<string, unknown>;
      yield { ok: true };
    }
  }
  const { items, stats } = await crawl(Odd);
  assert.deepEqual(items, [{ ok: true }]);
  assert.equal(stat(stats, 'spider/invalid_output'), 2);
});

test('a callback or errback naming a method the spider lacks is dropped with ERR_CALLBACK_NOT_FOUND', async () => {
  class Missing extends Spider {
    static override name = 'missing';
    override async *start() {
      yield new Request({ url: `${site.url}/page/4`, callback: 'parseNothing' });
      yield new Request({ url: `${site.url}/page/6`, errback: 'onNothing' });
      yield new Request(`${site.url}/page/5`);
    }
    async *parse() {
      yield { ok: true };
    }
  }
  const { items, stats } = await crawl(Missing);
  assert.equal(items.length, 1);
  assert.equal(stat(stats, 'scheduler/dropped/ERR_CALLBACK_NOT_FOUND'), 2);
});

test('start() that throws ends the start requests but not the crawl', async () => {
  class Throws extends Spider {
    static override name = 'throws';
    override async *start() {
      yield new Request(`${site.url}/page/6`);
      throw new Error('start broke');
    }
    async *parse() {
      yield { ok: true };
    }
  }
  const { items, stats, reason } = await crawl(Throws);
  assert.equal(reason, 'finished');
  assert.equal(items.length, 1);
  assert.equal(stat(stats, 'spider/start/exceptions/ERR_UNKNOWN'), 1);
});
