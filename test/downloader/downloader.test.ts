import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_DOWNLOADER_MIDDLEWARES } from '../../src/downloader/downloader.js';
import type { DownloaderMiddleware, Handler } from '../../src/downloader/middleware.js';
import { RobotsMiddleware } from '../../src/downloader/middlewares/robots.js';
import { Request } from '../../src/http/request.js';
import { flattenConfig } from '../../src/settings/config.js';
import { startSite, type Site } from '../fixtures/site.js';
import { stat } from '../helpers/crawl.js';
import { fetchAll } from './fetch-spider.js';
import { harness } from './harness.js';

let site: Site;
before(async () => {
  site = await startSite();
});
after(() => site.close());

class Tagger implements DownloaderMiddleware {
  wrap(next: Handler): Handler {
    return (request) => next(request.replace({ headers: { ...request.headers, 'x-tag': 'tagged' } }));
  }
}

test('crawl.config.ts sets the middleware table: a function of the defaults, or an array', async () => {
  const extended = await fetchAll([new Request(`${site.url}/echo`)], { downloaderMiddlewares: (defaults) => [Tagger, ...defaults] });
  const headers = (JSON.parse(extended.seen[0]!.body!) as { headers: Record<string, string> }).headers;
  assert.equal(headers['x-tag'], 'tagged');
  assert.equal(headers['user-agent'], 'Arachne/0.1 (+crawler)', 'the defaults still run');

  const replaced = await fetchAll([new Request(`${site.url}/echo`)], { downloaderMiddlewares: [Tagger] });
  const bare = (JSON.parse(replaced.seen[0]!.body!) as { headers: Record<string, string> }).headers;
  assert.equal(bare['x-tag'], 'tagged');
  assert.notEqual(bare['user-agent'], 'Arachne/0.1 (+crawler)', 'only Tagger ran');
  assert.equal(stat(replaced.stats, 'downloader/requests'), 0, 'the stats middleware was left out');
  // A component key, not a setting: it does not trip the unknown-setting check.
  assert.deepEqual(flattenConfig({ downloaderMiddlewares: [Tagger] }, 'test'), {});
});

test('middlewares that are off are left out of the chain; middleware() finds the instances', async () => {
  const off = harness();
  assert.equal(off.downloader.middleware(RobotsMiddleware), undefined);
  const on = harness({ 'robots.obey': true });
  assert.ok(on.downloader.middleware(RobotsMiddleware) instanceof RobotsMiddleware);
  assert.ok(DEFAULT_DOWNLOADER_MIDDLEWARES.includes(RobotsMiddleware));
  await Promise.all([off.downloader.close(), on.downloader.close()]);
});
