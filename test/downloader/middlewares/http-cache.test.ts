import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Request } from '../../../src/http/request.js';
import { startSite, type Site } from '../../fixtures/site.js';
import { stat } from '../../helpers/crawl.js';
import { fetchAll } from '../fetch-spider.js';
import { harness } from '../harness.js';

let site: Site;
let dir: string;
before(async () => {
  site = await startSite();
  dir = await mkdtemp(join(tmpdir(), 'arachne-httpcache-'));
});
after(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

test('a second run is served from disk without touching the server, flagged cached', async () => {
  const requests = () => [new Request(`${site.url}/page/1`), new Request(`${site.url}/gzip`), new Request(`${site.url}/status/404`), new Request(`${site.url}/redirect?to=/page/2`)];
  const config = { httpCache: { enabled: true, dir: join(dir, 'run'), ignoreHttpCodes: [404] } };
  site.resetCounters();
  const first = await fetchAll(requests, config);
  assert.equal(site.requests, 5, 'first run: every request reached the server (the redirect hop too)');
  assert.equal(stat(first.stats, 'httpcache/store'), 4, 'the 404 is in ignoreHttpCodes');
  assert.ok(first.seen.every((s) => !s.flags?.includes('cached')));

  site.resetCounters();
  const second = await fetchAll(requests, config);
  assert.equal(site.requests, 1, 'only the ignored 404 went to the server again');
  assert.equal(site.hits.get('/status/404'), 1);
  assert.equal(stat(second.stats, 'httpcache/hit'), 4);
  const page1 = second.seen.find((s) => s.url.endsWith('/page/1'));
  assert.deepEqual(page1?.flags, ['cached']);
  assert.equal(page1?.body, first.seen.find((s) => s.url.endsWith('/page/1'))?.body);
  assert.match(second.seen.find((s) => s.url.endsWith('/gzip'))?.body ?? '', /gzipped/);
  assert.ok(second.seen.find((s) => s.url.endsWith('/page/2'))?.flags?.includes('cached'), 'the redirect hop was served from the cache too');
  assert.equal(stat(second.stats, 'connections/new') + stat(second.stats, 'connections/reused'), 1, 'cache hits carry no connection data');
  assert.ok((await readdir(join(dir, 'run'))).length > 0);
});

test('httpCache.expirationMs refetches old entries (injected clock); meta.dontCache bypasses the cache', async () => {
  const settings = { 'httpCache.enabled': true, 'httpCache.dir': join(dir, 'expiry'), 'httpCache.expirationMs': 60_000 };
  const h = harness(settings);
  site.resetCounters();
  await h.downloader.fetch(new Request(`${site.url}/page/3`));
  h.clock.now += 59_000;
  const hit = await h.downloader.fetch(new Request(`${site.url}/page/3`));
  assert.ok(!Request.isRequest(hit) && hit.flags.includes('cached'));
  assert.equal(site.hits.get('/page/3'), 1);
  h.clock.now += 2_000;
  const stale = await h.downloader.fetch(new Request(`${site.url}/page/3`));
  assert.ok(!Request.isRequest(stale) && !stale.flags.includes('cached'));
  assert.equal(site.hits.get('/page/3'), 2);
  await h.downloader.fetch(new Request({ url: `${site.url}/page/3`, meta: { dontCache: true } }));
  assert.equal(site.hits.get('/page/3'), 3);
  await h.downloader.close();
});
