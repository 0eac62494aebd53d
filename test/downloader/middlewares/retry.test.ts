import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RetryMiddleware } from '../../../src/downloader/middlewares/retry.js';
import { Request } from '../../../src/http/request.js';
import { startSite, type Site } from '../../fixtures/site.js';
import { stat } from '../../helpers/crawl.js';
import { fetchAll } from '../fetch-spider.js';
import { harness } from '../harness.js';

let site: Site;
before(async () => {
  site = await startSite();
});
after(() => site.close());

test('a retryable status comes back as a request with a not-before time (backoff x 2^n, jitter)', async () => {
  const h = harness({ 'retry.backoffBaseMs': 1_000, 'retry.backoffMaxMs': 3_000, 'retry.times': 3 }, { middlewares: [RetryMiddleware], random: () => 0.5 });
  let request = new Request(`${site.url}/status/503`);
  const waits: number[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const result = await h.downloader.fetch(request);
    assert.ok(Request.isRequest(result), `attempt ${attempt} returned a retry`);
    assert.equal(result.dontFilter, true);
    assert.equal(result.meta.retryTimes, attempt);
    waits.push(result.meta.notBefore! - h.clock.now);
    request = result;
  }
  // base 1000 doubling, capped at 3000; random 0.5 gives a factor of exactly 1.
  assert.deepEqual(waits, [1_000, 2_000, 3_000]);
  const last = await h.downloader.fetch(request);
  assert.ok(!Request.isRequest(last) && last.status === 503, 'past retry.times the response is returned');
  assert.equal(h.stats.count('retry/count'), 3);
  assert.equal(h.stats.count('retry/max_reached'), 1);
  await h.downloader.close();
});

test('through a crawl: retried with backoff, then given up and counted; a reset is retried too', async () => {
  site.resetCounters();
  const { stats, seen } = await fetchAll([new Request(`${site.url}/status/500`), new Request(`${site.url}/reset`)], {
    retry: { enabled: true, times: 2, backoffBaseMs: 5, backoffMaxMs: 20 },
  });
  assert.equal(site.hits.get('/status/500'), 3);
  // A reset on a kept-alive socket looks like a stale socket: the transport resends it once at
  // once, which the server sees but `retry/count` does not (it is not a retry).
  assert.ok(site.hits.get('/reset')! >= 3);
  assert.equal(site.hits.get('/reset'), 3 + stat(stats, 'connections/stale_retries'));
  assert.equal(stat(stats, 'retry/count'), 4);
  assert.equal(stat(stats, 'retry/reason/status/500'), 2);
  assert.equal(stat(stats, 'retry/max_reached'), 2);
  assert.equal(seen.find((s) => s.url.endsWith('/reset'))?.failed, 'ERR_CONNECTION_RESET');
});
