/**
 * One admission path: a request the downloader hands back (a redirect hop, a meta refresh) passes
 * the spider middlewares (offsite, depth, URL length) and the seen set exactly as a request a
 * callback yields does.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { Spider } from '../../src/spider/spider.js';
import { closeSites, startSite, type Site } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';

let home: Site;
let away: Site;
before(async () => {
  away = await startSite({ host: '127.0.0.2', pages: 3 });
  const to = (location: string) => (_req: unknown, res: ServerResponse) => {
    res.writeHead(302, { location, 'content-length': '0' });
    res.end();
  };
  home = await startSite({
    pages: 3,
    routes: {
      '/offsite': to(`${away.url}/page/0`),
      '/refresh-offsite': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><head><meta http-equiv="refresh" content="0; url=${away.url}/page/1"></head><body>moved</body></html>`);
      },
      '/long': to(`/page/0?${'x'.repeat(300)}`),
      '/list': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body><a href="/hop">hop</a></body></html>');
      },
      '/hop': to('/page/2'),
      '/dup': to('/page/1'),
    },
  });
});
after(() => closeSites([home, away]));

class OnlyHome extends Spider {
  static override name = 'only-home';
  static override allowedDomains = ['127.0.0.1'];
  static paths: string[] = [];
  override async *start() {
    for (const path of OnlyHome.paths) yield new Request(`${home.url}${path}`);
  }
  async *parse(response: Response) {
    yield { url: response.url, depth: response.request.meta.depth ?? 0 };
    if (response.url.endsWith('/list')) yield* response.followAll('a');
  }
}

test('a redirect or meta refresh out of allowedDomains is filtered as offsite, never fetched', async () => {
  away.resetCounters();
  OnlyHome.paths = ['/offsite', '/refresh-offsite'];
  const { items, stats } = await crawl(OnlyHome);
  assert.deepEqual(items, [], 'neither hop reached a callback');
  assert.equal(away.requests, 0, 'the offsite host saw no request');
  assert.equal(stat(stats, 'offsite/filtered'), 2);
});

test('a redirect hop to a URL over urlLength.limit is dropped', async () => {
  home.resetCounters();
  OnlyHome.paths = ['/long'];
  const { items, stats } = await crawl(OnlyHome, { 'urlLength.limit': 100 });
  assert.deepEqual(items, []);
  assert.equal(stat(stats, 'urlLength/dropped'), 1);
  assert.equal(home.hits.get(`/page/0?${'x'.repeat(300)}`), undefined);
});

test('a hop keeps the depth of the request it replaces (depth.limit holds, nothing is one level deeper)', async () => {
  OnlyHome.paths = ['/list'];
  const { items, stats } = await crawl(OnlyHome, { 'depth.limit': 1, 'depth.priority': 1 });
  const byUrl = new Map(items.map((i) => [String(i.url), i.depth]));
  assert.equal(byUrl.get(`${home.url}/list`), 0);
  assert.equal(byUrl.get(`${home.url}/page/2`), 1, 'the hop from /hop (depth 1) is still depth 1, not 2, and is not dropped');
  assert.equal(stat(stats, 'depth/dropped'), 0);
});

test('a hop to a page already crawled is filtered by the seen set', async () => {
  home.resetCounters();
  OnlyHome.paths = ['/page/1', '/dup'];
  const { items, stats } = await crawl(OnlyHome, { 'concurrency.perDomain': 1 });
  assert.equal(items.length, 1);
  assert.equal(home.hits.get('/page/1'), 1);
  assert.equal(stat(stats, 'scheduler/duplicates'), 1);
});
